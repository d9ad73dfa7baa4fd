//! Names: the runbook's, steps', contacts', timers', levels', milestones'
//! and variables' ids are well formed and steps' are unique.

use super::super::reader::Ctx;
use crate::model::{BUILTIN_VARS, Runbook, Span, is_name};
use std::collections::HashMap;

/// Step ids are typed in `--answer STEP=VALUE`, so they stay simple.
fn is_step_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Names longer than this are refused: ids are typed at prompts and on
/// command lines, and unbounded ones make every check slower.
const MAX_ID: usize = 64;

/// Environment variables a runbook variable must never become: they change
/// how the shell, the loader or the locale behave.
fn is_reserved_env(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "PATH",
        "HOME",
        "SHELL",
        "IFS",
        "ENV",
        "BASH_ENV",
        "CDPATH",
        "PS1",
        "PS2",
        "PS4",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "USER",
        "LOGNAME",
        "PWD",
        "OLDPWD",
        "SHELLOPTS",
        "BASHOPTS",
        "POSIXLY_CORRECT",
        "GLOBIGNORE",
        "HOSTALIASES",
        "LOCALDOMAIN",
        "RES_OPTIONS",
        "NLSPATH",
        "GCONV_PATH",
        "GLIBC_TUNABLES",
        "LOCPATH",
        "NODE_OPTIONS",
        "RUBYOPT",
        "RUBYLIB",
        "JAVA_TOOL_OPTIONS",
        "PROMPT_COMMAND",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "SUDO_ASKPASS",
        "TERM",
        "TERMINFO",
        "MAIL",
        "CURL_HOME",
        // Read-only in bash, which is `sh` on many hosts: exporting them
        // stops a remote step's shell before anything runs.
        "UID",
        "EUID",
        "PPID",
        "GROUPS",
        "LESSOPEN",
        "LESSCLOSE",
    ];
    const PREFIXES: &[&str] = &[
        "LD_",
        "DYLD_",
        "LC_",
        "BASH_FUNC_",
        "RUNBOOK_",
        "MALLOC_",
        "PYTHON",
        "PERL",
        "GIT_",
        "SSH_",
        "SSL_",
        "GPG",
        "KRB5",
        "XDG_",
        "OPENSSL_",
    ];
    let upper = name.to_ascii_uppercase();
    NAMES.contains(&upper.as_str())
        || PREFIXES.iter().any(|prefix| upper.starts_with(prefix))
        || upper.ends_with("_PROXY")
}

/// Checks names; false when two steps share an id.
pub(super) fn ids(ctx: &mut Ctx<'_>, runbook: &Runbook) -> bool {
    let mut unique = true;
    let id_hint = || {
        Some(format!(
            "use up to {MAX_ID} letters, digits, `-`, `_` and `.`, starting with a letter or digit"
        ))
    };
    if !is_step_id(&runbook.id.value) || runbook.id.value.len() > MAX_ID {
        let hint = if runbook.id.span == Span::NONE {
            Some("the id comes from the file name: rename the file, or set `id = \"...\"`".to_owned())
        } else {
            id_hint()
        };
        ctx.error_at(
            (runbook.id.span != Span::NONE).then_some(runbook.id.span),
            format!("`{}` is not a valid runbook id", runbook.id.value),
            hint,
        );
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for step in &runbook.steps {
        let id = step.id.as_str();
        if !is_step_id(id) || id.len() > MAX_ID {
            ctx.error(
                step.id.span,
                format!("`{}` is not a valid step id", shorten(id)),
                id_hint(),
            );
        }
        match seen.entry(id) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(step.id.span);
            }
            std::collections::hash_map::Entry::Occupied(first) => {
                unique = false;
                let (line, _) = ctx.source.line_col(first.get().start);
                ctx.error(
                    step.id.span,
                    format!("duplicate step id `{}`", shorten(id)),
                    Some(format!(
                        "the first step `{}` is on line {line}; give each step its own id",
                        shorten(id)
                    )),
                );
            }
        }
    }
    let other_ids = runbook
        .contacts
        .iter()
        .map(|contact| ("contact", &contact.id))
        .chain(runbook.timers.iter().map(|timer| ("timer", &timer.id)))
        .chain(
            runbook
                .severities
                .iter()
                .filter(|level| level.id.span != Span::NONE)
                .map(|level| ("severity", &level.id)),
        )
        .chain(
            runbook
                .steps
                .iter()
                .filter_map(|step| step.milestone.as_ref().map(|m| ("milestone", m))),
        );
    for (what, id) in other_ids {
        if !is_step_id(&id.value) || id.value.len() > MAX_ID {
            ctx.error(
                id.span,
                format!("`{}` is not a valid {what} name", shorten(&id.value)),
                id_hint(),
            );
        }
    }
    for name in runbook.variables() {
        if !is_name(&name.value) || name.value.len() > MAX_ID {
            ctx.error(
                name.span,
                format!("`{}` is not a valid variable name", shorten(&name.value)),
                Some("use lower case letters, digits and `_`, starting with a letter: commands see it as $NAME".into()),
            );
        } else if BUILTIN_VARS.contains(&name.as_str()) {
            ctx.error(
                name.span,
                format!(
                    "`{}` is a built-in variable and cannot be set by the runbook",
                    name.value
                ),
                Some(format!("built-in variables: {}", BUILTIN_VARS.join(", "))),
            );
        } else if is_reserved_env(&name.value) {
            ctx.error(
                name.span,
                format!(
                    "`{}` would set ${} for commands, which changes how the shell runs them",
                    name.value,
                    name.value.to_ascii_uppercase()
                ),
                Some("choose another name".into()),
            );
        }
    }
    unique
}

/// A name cut for messages.
fn shorten(name: &str) -> String {
    if name.chars().count() > MAX_ID {
        let cut: String = name.chars().take(MAX_ID).collect();
        format!("{cut}…")
    } else {
        name.to_owned()
    }
}
