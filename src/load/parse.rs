//! TOML → [`Runbook`]: shapes and types. Cross-references are checked
//! afterwards by `validate`, so that one pass reports every problem.

use super::reader::{Ctx, Fields, did_you_mean, span_of, type_name};
use crate::model::{
    ChoiceOption, Command, Contact, DrillMode, Located, Outcome, Period, Phase, Runbook, SeverityLevel, Span,
    Step, StepKind, Text, Timer, TimerFrom, Var,
};
use toml::de::{DeTable, DeValue};

pub const SCHEMA: i64 = 1;

const RUNBOOK_KEYS: &[&str] = &[
    "schema",
    "id",
    "title",
    "summary",
    "owner",
    "version",
    "review_every",
    "last_reviewed",
    "default_severity",
    "archive_within",
    "start",
    "on",
    "vars",
    "contacts",
    "severity",
    "timers",
    "steps",
];
const VAR_KEYS: &[&str] = &["prompt", "default", "pattern", "secret"];
const CONTACT_KEYS: &[&str] = &["role", "name", "phone", "email", "notes"];
const SEVERITY_KEYS: &[&str] = &["label", "description", "notify"];
const TIMER_KEYS: &[&str] = &[
    "after",
    "every",
    "while_severity",
    "from",
    "until",
    "notify",
    "goto",
    "message",
];
const OPTION_KEYS: &[&str] = &["label", "goto", "severity"];

const STEP_COMMON: &[&str] = &[
    "id",
    "kind",
    "title",
    "body",
    "phase",
    "milestone",
    "severity",
    "note",
    "restore",
    "guards",
];
const STEP_KINDS: &[(&str, &[&str])] = &[
    ("instruction", &["next", "on_failure"]),
    ("confirm", &["yes", "no"]),
    ("choice", &["options"]),
    ("input", &["var", "pattern", "default", "next"]),
    ("checklist", &["items", "next", "on_any"]),
    (
        "command",
        &[
            "run",
            "confirm",
            "timeout",
            "drill",
            "capture",
            "on",
            "fail_fast",
            "parallel",
            "next",
            "on_failure",
        ],
    ),
    ("notify", &["to", "message", "next"]),
    ("end", &["outcome"]),
];

/// A command runs at most this long unless its step says otherwise.
pub const DEFAULT_TIMEOUT: &str = "10m";
/// The plan's rule: file the record within one day after handling ends.
pub const DEFAULT_ARCHIVE_WITHIN: &str = "1d";

/// What was read: the runbook, and the ids of steps too broken to build,
/// which still count as existing for references.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub runbook: Option<Runbook>,
    pub broken_steps: Vec<String>,
}

pub(crate) fn runbook(ctx: &mut Ctx<'_>, table: &DeTable<'_>) -> Parsed {
    let mut broken_steps = Vec::new();
    let runbook = read_runbook(ctx, table, &mut broken_steps);
    Parsed {
        runbook,
        broken_steps,
    }
}

fn read_runbook(ctx: &mut Ctx<'_>, table: &DeTable<'_>, broken: &mut Vec<String>) -> Option<Runbook> {
    let doc = Span::NONE;
    let top = Fields::new(ctx, table, doc, "the runbook", RUNBOOK_KEYS);

    match top.integer(ctx, "schema") {
        None if top.get("schema").is_none() => ctx.error(
            doc,
            "the runbook does not say which format it is written in",
            Some("add `schema = 1` as the first line".into()),
        ),
        None => {}
        Some(schema) if schema.value != SCHEMA => ctx.error(
            schema.span,
            format!("unsupported schema {}", schema.value),
            Some(format!("this version of runbook reads schema {SCHEMA}")),
        ),
        Some(_) => {}
    }

    let stem = ctx.source.stem().to_owned();
    let id = top
        .str(ctx, "id")
        .unwrap_or_else(|| Located::new(stem, Span::NONE));
    let title = top.required_text(ctx, "title");
    let summary = top.text(ctx, "summary");
    let owner = top.str(ctx, "owner").map(|owner| owner.value);
    let version = top.str(ctx, "version").map(|version| version.value);
    let review_every = top.calendar_period(ctx, "review_every").filter(|every| {
        let ok = every.duration.as_secs() >= 86_400;
        if !ok {
            ctx.error(
                top.get("review_every").map_or(doc, span_of),
                format!("`review_every = \"{every}\"` is shorter than a day"),
                Some("\"m\" means minutes: write review_every = \"6 months\"".into()),
            );
        }
        ok
    });
    let last_reviewed = top.date(ctx, "last_reviewed");
    let archive_within = top.period(ctx, "archive_within");
    let default_severity = top.str(ctx, "default_severity");

    let vars = top
        .named_tables(ctx, "vars")
        .into_iter()
        .map(|(name, table, span)| var(ctx, name, table, span))
        .collect();
    let contacts = top
        .named_tables(ctx, "contacts")
        .into_iter()
        .map(|(id, table, span)| contact(ctx, id, table, span))
        .collect();
    let mut severities = SeverityLevel::builtin();
    for (id, table, span) in top.named_tables(ctx, "severity") {
        let level = severity(ctx, id, table, span, &severities);
        match severities
            .iter_mut()
            .find(|known| known.id.value == level.id.value)
        {
            Some(known) => *known = level,
            None => severities.push(level),
        }
    }
    let timers = top
        .named_tables(ctx, "timers")
        .into_iter()
        .map(|(id, table, span)| timer(ctx, id, table, span))
        .collect();

    let step_tables = top.array_of_tables(ctx, "steps");
    let first_id = step_tables
        .as_ref()
        .and_then(|tables| tables.first())
        .and_then(|(table, _)| table.get("id"))
        .and_then(|id| {
            id.get_ref()
                .as_str()
                .map(|text| Located::new(text.to_owned(), span_of(id)))
        });
    let steps = match step_tables {
        Some(tables) if !tables.is_empty() => steps(ctx, tables, broken),
        Some(_) => {
            let empty = top
                .get("steps")
                .and_then(|steps| steps.get_ref().as_array())
                .is_some_and(|steps| steps.is_empty());
            if empty {
                ctx.error(
                    top.get("steps").map_or(doc, span_of),
                    "the runbook has no steps",
                    Some("add [[steps]] sections, ending with one of kind = \"end\"".into()),
                );
            }
            Vec::new()
        }
        None => {
            if top.get("steps").is_none() {
                ctx.error(
                    doc,
                    "the runbook has no steps",
                    Some("add [[steps]] sections, ending with one of kind = \"end\"".into()),
                );
            }
            Vec::new()
        }
    };

    let start = top.str(ctx, "start").or(first_id);
    let on = top.destinations(ctx, "on");
    let step_at = Runbook::index_steps(&steps);

    Some(Runbook {
        schema: SCHEMA as u32,
        id,
        title: title?,
        summary,
        owner,
        version,
        review_every,
        last_reviewed,
        default_severity: default_severity.unwrap_or_else(|| Located::new("sev2".into(), Span::NONE)),
        archive_within: archive_within
            .unwrap_or_else(|| Period::new(DEFAULT_ARCHIVE_WITHIN, std::time::Duration::from_secs(86_400))),
        start: start?,
        vars,
        contacts,
        severities,
        on,
        timers,
        steps,
        step_at,
    })
}

fn var(ctx: &mut Ctx<'_>, name: Located<String>, table: &DeTable<'_>, span: Span) -> Var {
    let what = format!("variable `{}`", name.value);
    let fields = Fields::new(ctx, table, span, what, VAR_KEYS);
    Var {
        prompt: fields
            .text(ctx, "prompt")
            .unwrap_or_else(|| Text::Plain(name.value.clone())),
        default: fields.str(ctx, "default").map(|default| default.value),
        pattern: fields.str(ctx, "pattern"),
        secret: fields.bool(ctx, "secret").unwrap_or(false),
        name,
    }
}

fn contact(ctx: &mut Ctx<'_>, id: Located<String>, table: &DeTable<'_>, span: Span) -> Contact {
    let what = format!("contact `{}`", id.value);
    let fields = Fields::new(ctx, table, span, what, CONTACT_KEYS);
    let text = |ctx: &mut Ctx<'_>, key| fields.str(ctx, key).map(|value| value.value).unwrap_or_default();
    Contact {
        role: fields
            .required_text(ctx, "role")
            .unwrap_or_else(|| Text::Plain(id.value.clone())),
        name: text(ctx, "name"),
        phone: text(ctx, "phone"),
        email: text(ctx, "email"),
        notes: fields.text(ctx, "notes"),
        id,
    }
}

fn severity(
    ctx: &mut Ctx<'_>,
    id: Located<String>,
    table: &DeTable<'_>,
    span: Span,
    builtin: &[SeverityLevel],
) -> SeverityLevel {
    let what = format!("severity `{}`", id.value);
    let fields = Fields::new(ctx, table, span, what, SEVERITY_KEYS);
    let known = builtin.iter().find(|level| level.id.value == id.value);
    let label = match known {
        Some(known) => fields.text(ctx, "label").unwrap_or_else(|| known.label.clone()),
        None => fields
            .required_text(ctx, "label")
            .unwrap_or_else(|| Text::Plain(id.value.clone())),
    };
    SeverityLevel {
        label,
        description: fields
            .text(ctx, "description")
            .or_else(|| known.and_then(|known| known.description.clone())),
        notify: fields.str_list(ctx, "notify"),
        id,
    }
}

fn timer(ctx: &mut Ctx<'_>, id: Located<String>, table: &DeTable<'_>, span: Span) -> Timer {
    let what = format!("timer `{}`", id.value);
    let fields = Fields::new(ctx, table, span, what, TIMER_KEYS);
    if fields.get("after").is_none() {
        fields.missing(ctx, "after", "\"1h\"");
    }
    let from = match fields.str(ctx, "from") {
        None => TimerFrom::Start,
        Some(from) if from.value == "start" => TimerFrom::Start,
        Some(from) => match from.value.strip_prefix("step:") {
            Some(step) => TimerFrom::Step(Located::new(step.to_owned(), from.span)),
            None => {
                let hint = if crate::model::is_name(&from.value.replace('-', "_")) {
                    format!(
                        "to count from when step `{0}` is reached, write from = \"step:{0}\"",
                        from.value
                    )
                } else {
                    "count from the incident's start, or from when a step is reached".to_owned()
                };
                ctx.error(
                    from.span,
                    format!("`from` in {} must be \"start\" or \"step:<id>\"", fields.what),
                    Some(hint),
                );
                TimerFrom::Start
            }
        },
    };
    Timer {
        after: fields
            .period(ctx, "after")
            .unwrap_or_else(|| Period::new("1h", std::time::Duration::from_secs(3600))),
        every: fields
            .period(ctx, "every")
            .zip(fields.get("every"))
            .map(|(every, at)| Located::new(every, span_of(at))),
        while_severity: fields.str(ctx, "while_severity"),
        from,
        until: fields.one_or_list(ctx, "until", "cause-located"),
        notify: fields.str_list(ctx, "notify"),
        goto: fields.str(ctx, "goto"),
        message: fields.text(ctx, "message"),
        id,
    }
}

fn steps(ctx: &mut Ctx<'_>, tables: Vec<(&DeTable<'_>, Span)>, broken: &mut Vec<String>) -> Vec<Step> {
    // A step without `next` goes on to the one written after it, even when
    // that one is broken: its own errors say what is wrong with it.
    let table_ids: Vec<Option<String>> = tables
        .iter()
        .map(|(table, _)| {
            table
                .get("id")
                .and_then(|id| id.get_ref().as_str().map(str::to_owned))
        })
        .collect();
    let mut steps: Vec<Step> = Vec::with_capacity(tables.len());
    for (index, (table, span)) in tables.into_iter().enumerate() {
        let Some(mut step) = step(ctx, index, table, span) else {
            broken.extend(table_ids[index].clone());
            continue;
        };
        let following = match table_ids.get(index + 1) {
            Some(Some(id)) => Some(Located::new(id.clone(), step.span)),
            // The next step has no id; its own error says so.
            Some(None) => Some(Located::new(String::new(), step.span)),
            None => None,
        };
        let what = format!("step `{}`", step.id.value);
        let id_span = step.id.span;
        let mut fill = |slot: &mut Option<Located<String>>, key: &str| {
            if slot.is_none() {
                match &following {
                    Some(next) => *slot = Some(next.clone()),
                    None => ctx.error(
                        id_span,
                        format!("{what} is the last step but has no `{key}`"),
                        Some(format!(
                            "add `{key} = \"...\"`, or end the runbook with a step of kind = \"end\""
                        )),
                    ),
                }
            }
        };
        match &mut step.kind {
            StepKind::Instruction { next, .. }
            | StepKind::Input { next, .. }
            | StepKind::Checklist { next, .. }
            | StepKind::Notify { next, .. } => fill(next, "next"),
            StepKind::Command(command) => fill(&mut command.next, "next"),
            StepKind::Confirm { yes, no } => {
                // Both answers falling through to the next step would make
                // the question meaningless, and "no" to a consent question
                // would go on as if it were "yes".
                if yes.is_none() && no.is_none() {
                    ctx.error(
                        id_span,
                        format!("{what} does not say where `yes` or `no` leads"),
                        Some(
                            "add `yes = \"step\"` and/or `no = \"step\"`; the other goes on to the next step"
                                .into(),
                        ),
                    );
                } else {
                    fill(yes, "yes");
                    fill(no, "no");
                }
            }
            StepKind::Choice { .. } | StepKind::End { .. } => {}
        }
        steps.push(step);
    }
    steps
}

fn step(ctx: &mut Ctx<'_>, index: usize, table: &DeTable<'_>, span: Span) -> Option<Step> {
    let id_value = table.get("id");
    let what = match id_value.and_then(|id| id.get_ref().as_str()) {
        Some(id) => format!("step `{id}`"),
        None => format!("step #{}", index + 1),
    };

    let kind_name = kind_of(ctx, table, span, &what);
    let known: Vec<&str> = match kind_name {
        Some(kind) => STEP_COMMON.iter().chain(kind_keys(kind)).copied().collect(),
        None => STEP_COMMON
            .iter()
            .copied()
            .chain(STEP_KINDS.iter().flat_map(|(_, keys)| keys.iter().copied()))
            .collect(),
    };
    let fields = Fields::new_quiet(table, span, what);
    report_unknown_step_keys(ctx, &fields, table, kind_name, &known);

    let id = fields.required_str(ctx, "id", "\"restart\"");
    let title = fields.required_text(ctx, "title");
    let body = fields.text(ctx, "body");
    let milestone = fields.str(ctx, "milestone");
    let severity = fields.str(ctx, "severity");
    let note_required = match fields.str(ctx, "note") {
        None => false,
        Some(note) if note.value == "required" && matches!(kind_name, Some("command" | "notify" | "end")) => {
            ctx.error(
                note.span,
                format!("{} asks nothing a note could go with", fields.what),
                Some("put note = \"required\" on the instruction, confirm or choice that decides".into()),
            );
            false
        }
        Some(note) if note.value == "required" => true,
        Some(note) if note.value == "optional" => false,
        Some(note) => {
            ctx.error(
                note.span,
                format!("`note` in {} must be \"required\" or \"optional\"", fields.what),
                Some("write note = \"required\" to take an answer only with a note".into()),
            );
            false
        }
    };
    let restore = fields.bool(ctx, "restore").unwrap_or(false);
    let guards_restore = match fields.str(ctx, "guards") {
        None => false,
        // A person answers it: consent given, the data kept.
        Some(guards)
            if guards.value == "restore" && matches!(kind_name, Some("command" | "notify" | "end")) =>
        {
            ctx.error(
                guards.span,
                format!("{} guards a restore but asks nobody anything", fields.what),
                Some("put guards = \"restore\" on the instruction, confirm or choice where consent is given or the data is kept".into()),
            );
            false
        }
        Some(guards) if guards.value == "restore" => true,
        Some(guards) => {
            ctx.error(
                guards.span,
                format!("`guards` in {} must be \"restore\"", fields.what),
                Some("write guards = \"restore\" on the consent or data-kept step before a restore".into()),
            );
            false
        }
    };
    let phase = fields.str(ctx, "phase").and_then(|phase| {
        let parsed = Phase::parse(&phase.value);
        if parsed.is_none() {
            ctx.error(
                phase.span,
                format!("unknown phase `{}` in {}", phase.value, fields.what),
                did_you_mean(&phase.value, Phase::NAMES.iter().copied())
                    .or_else(|| Some(format!("phases: {}", Phase::NAMES.join(", ")))),
            );
        }
        parsed
    });

    let kind = match kind_name? {
        "instruction" => StepKind::Instruction {
            next: fields.str(ctx, "next"),
            on_failure: fields.str(ctx, "on_failure"),
        },
        "confirm" => StepKind::Confirm {
            yes: fields.str(ctx, "yes"),
            no: fields.str(ctx, "no"),
        },
        "choice" => StepKind::Choice {
            options: options(ctx, &fields),
        },
        "input" => StepKind::Input {
            var: fields.required_str(ctx, "var", "\"cause\"")?,
            pattern: fields.str(ctx, "pattern"),
            default: fields.str(ctx, "default").map(|default| default.value),
            next: fields.str(ctx, "next"),
        },
        "checklist" => StepKind::Checklist {
            items: items(ctx, &fields),
            next: fields.str(ctx, "next"),
            on_any: fields.str(ctx, "on_any"),
        },
        "command" => StepKind::Command(command(ctx, &fields)?),
        "notify" => {
            match fields.get("to") {
                None => fields.missing(ctx, "to", "[\"account-manager\"]"),
                Some(to) if to.get_ref().as_array().is_some_and(|to| to.is_empty()) => ctx.error(
                    span_of(to),
                    format!("{} notifies nobody", fields.what),
                    Some("name the contacts to tell: to = [\"account-manager\"]".into()),
                ),
                Some(_) => {}
            }
            StepKind::Notify {
                to: fields.str_list(ctx, "to"),
                message: fields.text(ctx, "message"),
                next: fields.str(ctx, "next"),
            }
        }
        "end" => {
            let outcome = match fields.str(ctx, "outcome") {
                None => Outcome::Resolved,
                Some(outcome) => Outcome::parse(&outcome.value).unwrap_or_else(|| {
                    ctx.error(
                        outcome.span,
                        format!("unknown outcome `{}` in {}", outcome.value, fields.what),
                        did_you_mean(&outcome.value, Outcome::NAMES.iter().copied())
                            .or_else(|| Some(format!("outcomes: {}", Outcome::NAMES.join(", ")))),
                    );
                    Outcome::Resolved
                }),
            };
            StepKind::End { outcome }
        }
        _ => return None,
    };

    Some(Step {
        id: id?,
        kind,
        title: title?,
        body,
        phase,
        milestone,
        severity,
        note_required,
        restore,
        guards_restore,
        span,
    })
}

fn kind_keys(kind: &str) -> &'static [&'static str] {
    STEP_KINDS
        .iter()
        .find(|(name, _)| *name == kind)
        .map(|(_, keys)| *keys)
        .unwrap_or(&[])
}

fn kind_of(ctx: &mut Ctx<'_>, table: &DeTable<'_>, span: Span, what: &str) -> Option<&'static str> {
    let names = || STEP_KINDS.iter().map(|(name, _)| *name);
    let Some(value) = table.get("kind") else {
        ctx.error(
            span,
            format!("{what} is missing `kind`"),
            Some(format!(
                "add `kind = \"...\"`, one of: {}",
                names().collect::<Vec<_>>().join(", ")
            )),
        );
        return None;
    };
    let DeValue::String(kind) = value.get_ref() else {
        ctx.error(
            span_of(value),
            format!(
                "`kind` in {what} must be a string, found {}",
                type_name(value.get_ref())
            ),
            Some(format!("kinds: {}", names().collect::<Vec<_>>().join(", "))),
        );
        return None;
    };
    let found = names().find(|name| name == kind);
    if found.is_none() {
        ctx.error(
            span_of(value),
            format!("unknown step kind `{kind}` in {what}"),
            did_you_mean(kind, names())
                .or_else(|| Some(format!("kinds: {}", names().collect::<Vec<_>>().join(", ")))),
        );
    }
    found
}

/// Unknown keys on a step, saying which kind a misplaced key belongs to.
fn report_unknown_step_keys(
    ctx: &mut Ctx<'_>,
    fields: &Fields<'_, '_>,
    table: &DeTable<'_>,
    kind: Option<&str>,
    known: &[&str],
) {
    for key in table.keys() {
        let name = key.get_ref().as_ref();
        if known.contains(&name) {
            continue;
        }
        let owners: Vec<&str> = STEP_KINDS
            .iter()
            .filter(|(_, keys)| keys.contains(&name))
            .map(|(kind, _)| *kind)
            .collect();
        let (message, hint) = match (kind, owners.is_empty()) {
            (Some(kind), false) => (
                format!(
                    "`{name}` does not apply to {} `{kind}` step ({})",
                    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    },
                    fields.what
                ),
                Some(format!("`{name}` belongs to {} steps", owners.join(" and "))),
            ),
            _ => (
                format!("unknown key `{name}` in {}", fields.what),
                did_you_mean(name, known.iter().copied())
                    .or_else(|| Some(format!("known keys: {}", known.join(", ")))),
            ),
        };
        ctx.error(span_of(key), message, hint);
    }
}

fn options(ctx: &mut Ctx<'_>, fields: &Fields<'_, '_>) -> Vec<ChoiceOption> {
    let Some(tables) = fields.array_of_tables(ctx, "options") else {
        if fields.get("options").is_none() {
            ctx.error(
                fields.span,
                format!("{} is a choice without options", fields.what),
                Some("add options = [{ label = \"...\", goto = \"step-id\" }, ...]".into()),
            );
        }
        return Vec::new();
    };
    if tables.is_empty()
        && fields
            .get("options")
            .and_then(|o| o.get_ref().as_array())
            .is_some_and(|o| o.is_empty())
    {
        ctx.error(
            fields.get("options").map_or(fields.span, span_of),
            format!("{} is a choice without options", fields.what),
            Some("add options = [{ label = \"...\", goto = \"step-id\" }, ...]".into()),
        );
    }
    tables
        .into_iter()
        .enumerate()
        .filter_map(|(index, (table, span))| {
            let what = format!("option #{} of {}", index + 1, fields.what);
            let option = Fields::new(ctx, table, span, what, OPTION_KEYS);
            let label = option.required_text(ctx, "label");
            let goto = option.required_str(ctx, "goto", "\"step-id\"");
            let severity = option.str(ctx, "severity");
            Some(ChoiceOption {
                label: label?,
                goto: goto?,
                severity,
            })
        })
        .collect()
}

fn items(ctx: &mut Ctx<'_>, fields: &Fields<'_, '_>) -> Vec<Text> {
    let Some(value) = fields.get("items") else {
        fields.missing(ctx, "items", "[\"...\", \"...\"]");
        return Vec::new();
    };
    let DeValue::Array(items) = value.get_ref() else {
        ctx.error(
            span_of(value),
            format!(
                "`items` in {} must be an array, found {}",
                fields.what,
                type_name(value.get_ref())
            ),
            Some("items = [\"first\", { en = \"second\", zh = \"第二\" }]".into()),
        );
        return Vec::new();
    };
    if items.is_empty() {
        ctx.error(
            span_of(value),
            format!("{} is a checklist without items", fields.what),
            None,
        );
    }
    items
        .iter()
        .filter_map(|item| super::reader::read_text(ctx, "items", &fields.what, item))
        .collect()
}

/// `parallel`: how many hosts a command runs on at once, 1 or more.
fn parallel(ctx: &mut Ctx<'_>, fields: &Fields<'_, '_>) -> Option<Located<usize>> {
    let parallel = fields.integer(ctx, "parallel")?;
    match usize::try_from(parallel.value) {
        Ok(count) if count >= 1 => Some(Located::new(count, parallel.span)),
        _ => {
            let message = format!(
                "`parallel` in {} must be 1 or more, found {}",
                fields.what, parallel.value
            );
            let hint = "`parallel = 2` runs it on two hosts at a time; 1 (the default) runs them in turn";
            ctx.error(parallel.span, message, Some(hint.into()));
            None
        }
    }
}

fn command(ctx: &mut Ctx<'_>, fields: &Fields<'_, '_>) -> Option<Command> {
    let run = fields.required_str(ctx, "run", "'systemctl status \"$SERVICE\"'");
    let drill = fields.str(ctx, "drill").and_then(|drill| {
        DrillMode::parse(&drill.value).or_else(|| {
            ctx.error(
                drill.span,
                format!("unknown drill mode `{}` in {}", drill.value, fields.what),
                did_you_mean(&drill.value, DrillMode::NAMES.iter().copied())
                    .or_else(|| Some(format!("drill modes: {}", DrillMode::NAMES.join(", ")))),
            );
            None
        })
    });
    let confirm = fields.bool(ctx, "confirm").unwrap_or(false);
    let parallel = parallel(ctx, fields);
    Some(Command {
        run: run?,
        confirm,
        timeout: fields
            .period(ctx, "timeout")
            .unwrap_or_else(|| Period::new(DEFAULT_TIMEOUT, std::time::Duration::from_secs(600))),
        // A command that asks first may change things: rehearse it without running it.
        drill_written: drill.is_some(),
        drill: drill.unwrap_or(if confirm { DrillMode::Skip } else { DrillMode::Run }),
        capture: fields.str(ctx, "capture"),
        on: fields.destinations(ctx, "on"),
        fail_fast: fields.bool(ctx, "fail_fast").unwrap_or(false),
        parallel,
        next: fields.str(ctx, "next"),
        on_failure: fields.str(ctx, "on_failure"),
    })
}
