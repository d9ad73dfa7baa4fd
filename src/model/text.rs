//! Text that may be written in several languages.

use serde::Serialize;

/// A display language, such as `en`, `zh` or `zh-CN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lang(String);

impl Lang {
    /// Reads a language from a tag or a locale such as `zh_CN.UTF-8`.
    /// `C` and `POSIX` locales mean English.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.split(['.', '@']).next().unwrap_or("").trim();
        if tag.is_empty() || tag == "C" || tag == "POSIX" {
            return None;
        }
        let tag = tag.replace('_', "-").to_ascii_lowercase();
        if !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return None;
        }
        Some(Lang(tag))
    }

    pub fn english() -> Lang {
        Lang("en".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary subtag: `zh` for `zh-cn`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl Default for Lang {
    fn default() -> Lang {
        Lang::english()
    }
}

/// A plain string, or a table of language → string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Plain(String),
    /// In the order written; never empty.
    Localized(Vec<(String, String)>),
}

impl Text {
    /// The text in `lang`: the exact tag, then its primary subtag, then
    /// English, then whatever was written first.
    pub fn get(&self, lang: &Lang) -> &str {
        match self {
            Text::Plain(text) => text,
            Text::Localized(entries) => {
                let find = |tag: &str| {
                    entries
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(tag))
                        .map(|(_, text)| text.as_str())
                };
                find(lang.as_str())
                    .or_else(|| find(lang.primary()))
                    .or_else(|| {
                        entries
                            .iter()
                            .find(|(key, _)| Lang::parse(key).is_some_and(|k| k.primary() == lang.primary()))
                            .map(|(_, text)| text.as_str())
                    })
                    .or_else(|| find("en"))
                    .or_else(|| entries.first().map(|(_, text)| text.as_str()))
                    .unwrap_or("")
            }
        }
    }

    /// Every translation, for checks that must see all of them.
    pub fn variants(&self) -> impl Iterator<Item = &str> {
        let (plain, localized) = match self {
            Text::Plain(text) => (Some(text.as_str()), &[][..]),
            Text::Localized(entries) => (None, entries.as_slice()),
        };
        plain
            .into_iter()
            .chain(localized.iter().map(|(_, text)| text.as_str()))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::Plain(text.to_owned())
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Text::Plain(text) => serializer.serialize_str(text),
            Text::Localized(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (lang, text) in entries {
                    map.serialize_entry(lang, text)?;
                }
                map.end()
            }
        }
    }
}

/// `did you mean `x`?` when a known name is close enough to be a typo.
pub fn did_you_mean<'a>(wrong: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    // Comparing is quadratic in the lengths; nobody mistypes 100 characters.
    if wrong.len() > 100 {
        return None;
    }
    known
        .into_iter()
        .filter(|candidate| candidate.len() <= 100)
        .map(|candidate| (strsim::jaro_winkler(wrong, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| format!("did you mean `{candidate}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn localized() -> Text {
        Text::Localized(vec![
            ("zh".into(), "重启".into()),
            ("en".into(), "Restart".into()),
        ])
    }

    #[test]
    fn picks_exact_then_primary_then_english_then_first() {
        let text = localized();
        assert_eq!(text.get(&Lang::parse("zh").unwrap()), "重启");
        assert_eq!(text.get(&Lang::parse("zh_CN.UTF-8").unwrap()), "重启");
        assert_eq!(text.get(&Lang::parse("fr").unwrap()), "Restart");
        let only_zh = Text::Localized(vec![("zh".into(), "重启".into())]);
        assert_eq!(only_zh.get(&Lang::english()), "重启");
    }

    #[test]
    fn c_locale_means_no_preference() {
        assert_eq!(Lang::parse("C.UTF-8"), None);
        assert_eq!(Lang::parse("POSIX"), None);
        assert_eq!(Lang::parse(""), None);
    }
}
