//! Words the layers below keep as data and say through the catalogue: a
//! JSON text that could not be read, and the verb of a file operation that
//! failed.

use super::{Msg, fill, is_zh, tr};
use crate::model::Lang;
use std::fmt;

/// A JSON text that could not be read, kept typed so that it can be said
/// in the reader's language: in English as `serde_json` said it, in
/// Chinese by what went wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    /// What `serde_json` said.
    message: String,
    kind: JsonKind,
    line: usize,
    column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonKind {
    Syntax,
    Data,
    Eof,
}

impl From<&serde_json::Error> for JsonProblem {
    fn from(error: &serde_json::Error) -> JsonProblem {
        use serde_json::error::Category;
        JsonProblem {
            message: error.to_string(),
            kind: match error.classify() {
                Category::Data => JsonKind::Data,
                Category::Eof => JsonKind::Eof,
                Category::Io | Category::Syntax => JsonKind::Syntax,
            },
            line: error.line(),
            column: error.column(),
        }
    }
}

impl From<serde_json::Error> for JsonProblem {
    fn from(error: serde_json::Error) -> JsonProblem {
        JsonProblem::from(&error)
    }
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl JsonProblem {
    /// What went wrong, in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        if !is_zh(lang) {
            return self.message.clone();
        }
        let what = tr(
            lang,
            match self.kind {
                JsonKind::Syntax => Msg::JsonSyntax,
                JsonKind::Data => Msg::JsonData,
                JsonKind::Eof => Msg::JsonEof,
            },
        );
        // A one-line text (an index line, a journal line) is read from
        // its own line 1: where in it is the column.
        let at = if self.line <= 1 {
            Msg::JsonAtColumn
        } else {
            Msg::JsonAt
        };
        fill(
            lang,
            at,
            &[("what", &what), ("line", &self.line), ("column", &self.column)],
        )
    }
}

/// The verb of a file operation as the layers below name it (`read`,
/// `append to`, ...; see [`crate::file_util::PathError`]), in `lang`; one
/// not known here as it is.
pub fn file_action<'a>(lang: &Lang, action: &'a str) -> &'a str {
    let msg = match action {
        "read" => Msg::ActRead,
        "open" => Msg::ActOpen,
        "create" => Msg::ActCreate,
        "write" => Msg::ActWrite,
        "append to" => Msg::ActAppendTo,
        "lock" => Msg::ActLock,
        "list" => Msg::ActList,
        "sync" => Msg::ActSync,
        "rename" => Msg::ActRename,
        "remove" => Msg::ActRemove,
        "move aside" => Msg::ActMoveAside,
        "truncate" => Msg::ActTruncate,
        "copy" => Msg::ActCopy,
        "look up" => Msg::ActLookUp,
        "attach" => Msg::ActAttach,
        "use" => Msg::ActUse,
        _ => return action,
    };
    tr(lang, msg)
}

/// "cannot {action} {path}: {error}" in `lang`, the system's words for
/// `error` as it said them.
pub fn cannot(lang: &Lang, action: &str, path: &std::path::Path, error: &dyn fmt::Display) -> String {
    fill(
        lang,
        Msg::CannotDoOn,
        &[
            ("action", &file_action(lang, action)),
            ("path", &path.display()),
            ("error", error),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_problems_read_as_serde_said_in_english_and_by_place_in_chinese() {
        let error = serde_json::from_str::<serde_json::Value>("{\"a\":").unwrap_err();
        let problem = JsonProblem::from(&error);
        assert_eq!(problem.in_lang(&Lang::english()), error.to_string());
        assert_eq!(
            problem.in_lang(&Lang::parse("zh").unwrap()),
            "内容不完整（第 5 个字符处）"
        );
        let error = serde_json::from_str::<serde_json::Value>("nope").unwrap_err();
        assert_eq!(
            JsonProblem::from(error).in_lang(&Lang::parse("zh").unwrap()),
            "不是有效的 JSON（第 2 个字符处）"
        );
    }
}
