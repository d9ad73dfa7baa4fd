//! "Other actions…": what an operator can do at any question besides
//! answering it.

use super::*;

/// What an operator can do at any prompt besides answering.
enum Action {
    Note,
    Attach,
    Severity,
    Escalate,
    Pause,
    Abort,
    Output,
    Back,
}

impl TerminalOperator {
    pub(super) fn actions(&mut self, context: Context<'_>) -> Option<Reply> {
        let labels = [
            (Action::Note, self.tr(Msg::AddANote)),
            (Action::Attach, self.tr(Msg::AttachAFileEvidence)),
            (Action::Severity, self.tr(Msg::ChangeTheSeverity)),
            (Action::Escalate, self.tr(Msg::EscalateNowMenu)),
            (Action::Pause, self.tr(Msg::PauseMenu)),
            (Action::Abort, self.tr(Msg::AbortTheIncident)),
            (Action::Output, self.tr(Msg::ShowOutputEarlierCommands)),
            (Action::Back, self.tr(Msg::Back)),
        ];
        let items: Vec<&str> = labels.iter().map(|(_, label)| *label).collect();
        let picked = Select::with_theme(&self.theme)
            .with_prompt(self.tr(Msg::WhatNow))
            .items(&items)
            .default(0)
            .interact_on_opt(&self.term);
        let action = match picked {
            Ok(Some(index)) => &labels[index].0,
            Ok(None) => return None,
            Err(_) => return Some(self.interrupted()),
        };
        match action {
            Action::Note => {
                let note: String = match Input::with_theme(&self.theme)
                    .with_prompt(self.tr(Msg::Note))
                    .allow_empty(true)
                    .interact_text_on(&self.term)
                {
                    Ok(note) => note,
                    Err(_) => return Some(self.interrupted()),
                };
                (!note.trim().is_empty()).then_some(Reply::Note(note))
            }
            Action::Attach => {
                let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
                let path = move |text: &str| -> std::path::PathBuf {
                    match (text.trim().strip_prefix("~/"), &home) {
                        (Some(rest), Some(home)) => home.join(rest),
                        _ => std::path::PathBuf::from(text.trim()),
                    }
                };
                let unreadable = self.tr(Msg::NotAReadableFile);
                let file: String = match Input::with_theme(&self.theme)
                    .with_prompt(self.tr(Msg::FileToAttach))
                    .allow_empty(true)
                    .validate_with(|text: &String| -> Result<(), String> {
                        if text.trim().is_empty() || path(text).is_file() {
                            Ok(())
                        } else {
                            Err(format!("{}: {unreadable}", sanitize_line(text)))
                        }
                    })
                    .interact_text_on(&self.term)
                {
                    Ok(file) => file,
                    Err(_) => return Some(self.interrupted()),
                };
                (!file.trim().is_empty()).then(|| Reply::Attach(path(&file)))
            }
            Action::Severity => {
                let levels: Vec<String> = context
                    .runbook
                    .severities
                    .iter()
                    .map(|level| {
                        sanitize_line(&format!("{} {}", level.id.value, level.label.get(&self.lang)))
                            .into_owned()
                    })
                    .collect();
                let current = context
                    .runbook
                    .severities
                    .iter()
                    .position(|level| level.id.value == context.incident.severity)
                    .unwrap_or(0);
                match Select::with_theme(&self.theme)
                    .with_prompt(self.tr(Msg::Severity))
                    .items(&levels)
                    .default(current)
                    .interact_on_opt(&self.term)
                {
                    Ok(Some(index)) => Some(Reply::Severity(
                        context.runbook.severities[index].id.value.clone(),
                    )),
                    Ok(None) => None,
                    Err(_) => Some(self.interrupted()),
                }
            }
            Action::Escalate => self.escalate_now(context),
            Action::Pause => Some(Reply::Pause),
            Action::Abort => {
                let reason: String = match Input::with_theme(&self.theme)
                    .with_prompt(self.tr(Msg::WhyAbort))
                    .allow_empty(true)
                    .interact_text_on(&self.term)
                {
                    Ok(reason) => reason,
                    Err(_) => return Some(self.interrupted()),
                };
                if reason.trim().is_empty() {
                    // Back to the question: aborting is not done without saying why.
                    self.warn(self.tr(Msg::NotAbortedNeedsReason));
                    return None;
                }
                Some(Reply::Abort(reason))
            }
            Action::Output => {
                self.show_output();
                None
            }
            Action::Back => None,
        }
    }

    /// "Escalate now" pages people: say which timers fire and who hears of
    /// it, and go on only on a deliberate yes (the menu starts on "Back").
    fn escalate_now(&mut self, context: Context<'_>) -> Option<Reply> {
        let timers = crate::engine::timers::unfired(context.runbook, context.incident);
        if timers.is_empty() {
            // The engine says there is nothing left, and what to do.
            return Some(Reply::Escalate);
        }
        let mut told: Vec<&Contact> = Vec::new();
        for timer in &timers {
            for id in &timer.notify {
                if let Some(contact) = context.runbook.contact(&id.value)
                    && !told.iter().any(|known| known.id.value == contact.id.value)
                {
                    told.push(contact);
                }
            }
        }
        let names: Vec<String> = timers
            .iter()
            .map(|timer| format!("{} ({})", sanitize_line(&timer.id.value), timer.after))
            .collect();
        self.say(&format!(
            "{} {}",
            self.tr(Msg::EscalatingNowFires),
            names.join(", ")
        ));
        if told.is_empty() {
            self.say(self.tr(Msg::NobodyIsNotifiedByThem));
        } else {
            self.say(self.tr(Msg::ThesePeopleWillBeTold));
            self.contacts(&told);
        }
        let items = [self.tr(Msg::Back), self.tr(Msg::EscalateNow)];
        match Select::with_theme(&self.theme)
            .with_prompt(self.tr(Msg::EscalateNowConfirm))
            .items(items)
            .default(0)
            .interact_on_opt(&self.term)
        {
            Ok(Some(1)) => Some(Reply::Escalate),
            Ok(_) => None,
            Err(_) => Some(self.interrupted()),
        }
    }

    /// Lets the operator pick an earlier command, newest first, and pages
    /// what it printed.
    fn show_output(&mut self) {
        if self.outputs.is_empty() {
            self.say(self.tr(Msg::NoCommandHasRunYet));
            return;
        }
        let items: Vec<String> = self
            .outputs
            .iter()
            .rev()
            .map(|output| {
                let first = output.command.trim().lines().next().unwrap_or("");
                format!(
                    "{}  $ {}  ({} {})",
                    sanitize_line(&output.step),
                    truncate(&sanitize_line(first), 50),
                    output.bytes,
                    self.tr(Msg::Bytes)
                )
            })
            .collect();
        let picked = Select::with_theme(&self.theme)
            .with_prompt(self.tr(Msg::WhoseOutput))
            .items(&items)
            .default(0)
            .interact_on_opt(&self.term);
        if let Ok(Some(index)) = picked {
            let output = &self.outputs[self.outputs.len() - 1 - index];
            if let Err(error) =
                super::super::output::page(&self.term, &output.page_text(), self.tr(Msg::MorePager))
            {
                self.warn(&crate::tr!(&self.lang, CannotShowOutput, error = error));
            }
        }
    }
}
