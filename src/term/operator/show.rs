//! What the walk shows around its questions: the header, a step, a
//! command about to run, the people to tell and what to tell them.

use super::*;

impl TerminalOperator {
    /// The header above every question: where the incident stands.
    pub(super) fn header(&self, context: Context<'_>) {
        let incident = context.incident;
        let now = crate::clock::now();
        let elapsed = crate::i18n::span(&self.lang, (now - incident.started).num_seconds());
        let severity = context
            .runbook
            .severity(&incident.severity)
            .map(|level| format!("{} {}", incident.severity, level.label.get(&self.lang)))
            .unwrap_or_else(|| incident.severity.clone());
        let mut parts = vec![
            incident.id.clone(),
            sanitize_line(context.runbook.title.get(&self.lang)).into_owned(),
            sanitize_line(&severity).into_owned(),
            elapsed,
        ];
        if incident.drill {
            parts.push(self.tr(Msg::DRILL).to_owned());
        }
        self.say("");
        // One line, whatever the terminal's width: cut rather than wrap.
        let width = usize::from(self.term.size_checked().map_or(80, |(_, columns)| columns)).max(40);
        let header = format!("── {}", parts.join(" · "));
        let header: String = if unicode_width::UnicodeWidthStr::width(header.as_str()) > width {
            let mut cut = String::new();
            for c in header.chars() {
                if unicode_width::UnicodeWidthStr::width(cut.as_str())
                    + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
                    >= width
                {
                    break;
                }
                cut.push(c);
            }
            cut.push('…');
            cut
        } else {
            header
        };
        self.say(&style(header).dim().to_string());
    }

    /// Shows a step's title and body.
    pub(super) fn show_step(&self, context: Context<'_>, step: &Step) {
        let id = step.id.as_str();
        self.say(&format!(
            "{} {}",
            style(self.text(context, &step.title, Some(id))).bold(),
            style(format!("[{}]", sanitize_line(id))).dim()
        ));
        if let Some(body) = &step.body {
            for line in crate::report::wrap(&self.text(context, body, Some(id)), 76) {
                self.say(&format!("  {line}"));
            }
        }
    }

    /// What to tell the people of a notification nobody could send.
    pub(super) fn message(&self, message: &str) {
        self.say(self.tr(Msg::TellThem));
        for line in message_lines(message, 76) {
            self.say(&format!("  {line}"));
        }
    }

    /// A command's lines, as they are about to run.
    /// The command, and the ssh destinations it runs on (none: here), as a
    /// shell prompt shows where it is.
    pub(super) fn command_on(&self, command: &str, on: &[String]) {
        let prompt = match on {
            [] => style("$".to_owned()).dim(),
            [one] => style(format!("{one} $")).cyan(),
            _ => {
                self.say(&format!(
                    "  {} {}",
                    self.tr(Msg::OnEachOf),
                    style(on.join(", ")).cyan()
                ));
                style("$".to_owned()).dim()
            }
        };
        for line in command.trim().lines() {
            self.say(&format!("  {prompt} {}", sanitize(line)));
        }
    }

    pub(super) fn contacts(&self, contacts: &[&Contact]) {
        let mut table = crate::term::new_table([
            self.tr(Msg::CONTACT),
            self.tr(Msg::ROLE),
            self.tr(Msg::NAME),
            self.tr(Msg::PHONE),
            self.tr(Msg::EMAIL),
        ]);
        for contact in contacts {
            let blank = |value: &str| {
                if value.trim().is_empty() {
                    "-".to_owned()
                } else {
                    sanitize_line(value).into_owned()
                }
            };
            table.add_row([
                sanitize_line(&contact.id.value).into_owned(),
                sanitize_line(contact.role.get(&self.lang)).into_owned(),
                blank(&contact.name),
                blank(&contact.phone),
                blank(&contact.email),
            ]);
        }
        self.say(&crate::term::render_table(&table));
    }
}
