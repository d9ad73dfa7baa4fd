//! "Show output…": what earlier commands of the incident printed, whole
//! (as the journal keeps it: redacted, head and tail of a long one), in a
//! pager, since a step may say "using the output above" long after the
//! spinner showed its last lines, or in another process before a resume.

use crate::model::{Event, EventKind, OpenCommands};
use console::{Key, Term, style};
use std::io::Write;
use std::process::{Command, Stdio};

/// One command that finished, and what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    pub step: String,
    pub command: String,
    /// The ssh destination it ran on; `None` for here.
    pub on: Option<String>,
    /// As journaled: redacted, capped.
    pub output: String,
    /// How many bytes the command wrote in all.
    pub bytes: u64,
}

impl CommandOutput {
    /// The outputs of the commands that finished in `events`, oldest first.
    pub fn from_events(events: &[Event]) -> Vec<CommandOutput> {
        let mut outputs = Outputs::default();
        for event in events {
            outputs.take(event.clone());
        }
        outputs.finish()
    }

    /// What the pager shows: the command, then its output, sanitized.
    pub fn page_text(&self) -> String {
        let mut text = String::new();
        // Where it ran, as a shell prompt shows it.
        let on = self
            .on
            .as_deref()
            .map(|on| format!("{} ", super::sanitize(on)))
            .unwrap_or_default();
        for line in self.command.trim().lines() {
            text.push_str(&format!("{on}$ {}\n", super::sanitize(line)));
        }
        text.push('\n');
        text.push_str(&super::sanitize(&self.output));
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}

/// Collects [`CommandOutput`]s from events as they are read, oldest first.
#[derive(Debug, Default)]
pub struct Outputs {
    outputs: Vec<CommandOutput>,
    /// The commands started, until they finish.
    started: OpenCommands<String>,
}

impl Outputs {
    /// Takes what it needs of one more event.
    pub fn take(&mut self, event: Event) {
        match event.kind {
            EventKind::CommandStarted { step, command, on } => {
                self.started.start(&step, on.as_deref(), command)
            }
            EventKind::CommandFinished {
                step,
                output,
                output_bytes,
                on,
                ..
            } => {
                let started = self.started.finish(&step, on.as_deref());
                let on = on.or_else(|| started.as_ref().and_then(|started| started.on.clone()));
                self.outputs.push(CommandOutput {
                    step,
                    command: started.map(|started| started.kept).unwrap_or_default(),
                    on,
                    output,
                    bytes: output_bytes,
                });
            }
            _ => {}
        }
    }

    pub fn finish(self) -> Vec<CommandOutput> {
        self.outputs
    }
}

/// Shows `text` in `$PAGER` (run by `sh -c`, as git and man do), else in
/// `less -R`, else a screen at a time here.
pub fn page(term: &Term, text: &str, more: &str) -> std::io::Result<()> {
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|pager| !pager.trim().is_empty());
    let child = match &pager {
        Some(pager) => pager_command("sh")
            .args(["-c", pager])
            .stdin(Stdio::piped())
            .spawn(),
        None => pager_command("less").arg("-R").stdin(Stdio::piped()).spawn(),
    };
    let Ok(mut child) = child else {
        return page_here(term, text, more);
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A pager quit before the end closes its input: not an error.
        let _ = stdin.write_all(text.as_bytes());
    }
    child.wait()?;
    Ok(())
}

/// The operator's own pager, not a runbook command: the executor's rules
/// (process groups, timeouts, journaling) do not apply.
#[allow(clippy::disallowed_methods)]
fn pager_command(program: &str) -> Command {
    Command::new(program)
}

/// A screen at a time, for a machine with no pager: Enter or Space for
/// more, `q` or Esc to stop, as `more` says.
fn page_here(term: &Term, text: &str, more: &str) -> std::io::Result<()> {
    let rows = usize::from(term.size().0).saturating_sub(2).max(5);
    let lines: Vec<&str> = text.lines().collect();
    for (index, chunk) in lines.chunks(rows).enumerate() {
        if index > 0 {
            term.write_str(&style(more).dim().to_string())?;
            let key = term.read_key()?;
            term.clear_line()?;
            if matches!(key, Key::Char('q' | 'Q') | Key::Escape) {
                return Ok(());
            }
        }
        for line in chunk {
            term.write_line(line)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, kind: EventKind) -> Event {
        Event {
            seq,
            time: chrono::DateTime::UNIX_EPOCH,
            actor: "ops@web1".into(),
            kind,
            queued: None,
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn finished(step: &str, output: &str) -> EventKind {
        EventKind::CommandFinished {
            step: step.into(),
            exit_code: Some(0),
            signal: None,
            duration_ms: 1,
            timed_out: false,
            output: output.into(),
            output_bytes: output.len() as u64,
            on: None,
        }
    }

    #[test]
    fn each_finished_command_keeps_its_command_line_and_output() {
        let started = |step: &str, command: &str| EventKind::CommandStarted {
            step: step.into(),
            command: command.into(),
            on: None,
        };
        let events = [
            event(1, started("df", "df -h")),
            event(2, finished("df", "/dev/sda1 100%\n")),
            event(3, started("restart", "systemctl restart nginx")),
            // Started, never finished (a crash): no output to show.
            event(4, started("ps", "ps aux")),
            event(5, finished("ps", "root 1 init\n")),
        ];
        let outputs = CommandOutput::from_events(&events);
        let shown: Vec<(&str, &str, &str)> = outputs
            .iter()
            .map(|o| (o.step.as_str(), o.command.as_str(), o.output.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("df", "df -h", "/dev/sda1 100%\n"),
                ("ps", "ps aux", "root 1 init\n")
            ]
        );
    }

    #[test]
    fn outputs_of_commands_run_at_once_keep_their_host() {
        let started = |on: &str| EventKind::CommandStarted {
            step: "restart".into(),
            command: format!("restart on {on}"),
            on: Some(on.into()),
        };
        let finished_on = |host: &str| {
            let mut event = finished("restart", host);
            if let EventKind::CommandFinished { on, .. } = &mut event {
                *on = Some(host.into());
            }
            event
        };
        let events = [
            event(1, started("web1")),
            event(2, started("web2")),
            event(3, finished_on("web2")),
            event(4, finished_on("web1")),
        ];
        let outputs = CommandOutput::from_events(&events);
        let shown: Vec<(&str, &str)> = outputs
            .iter()
            .map(|o| (o.command.as_str(), o.output.as_str()))
            .collect();
        assert_eq!(shown, [("restart on web2", "web2"), ("restart on web1", "web1")]);
        assert!(outputs[0].page_text().starts_with("web2 $ restart on web2\n"));
    }

    #[test]
    fn paged_text_is_sanitized() {
        let output = CommandOutput {
            step: "x".into(),
            command: "printf '\\033[2J'".into(),
            on: None,
            output: "before\u{1b}[2Jafter\n".into(),
            bytes: 16,
        };
        let text = output.page_text();
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.starts_with("$ printf"), "{text:?}");
        assert!(text.contains("before") && text.contains("after"), "{text:?}");
    }
}
