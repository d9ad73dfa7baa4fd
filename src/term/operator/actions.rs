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
            (Action::Note, self.t("Add a note", "添加备注")),
            (
                Action::Attach,
                self.t("Attach a file (evidence)", "附加文件（证据）"),
            ),
            (Action::Severity, self.t("Change the severity", "调整响应级别")),
            (
                Action::Escalate,
                self.t(
                    "Escalate now (fire the escalation timers)",
                    "立即升级（触发升级计时器）",
                ),
            ),
            (
                Action::Pause,
                self.t(
                    "Pause: go on later with `runbook resume`",
                    "暂停：稍后用 `runbook resume` 继续",
                ),
            ),
            (Action::Abort, self.t("Abort the incident", "中止本次事件")),
            (
                Action::Output,
                self.t("Show output… (earlier commands)", "查看输出…（此前的命令）"),
            ),
            (Action::Back, self.t("Back", "返回")),
        ];
        let items: Vec<&str> = labels.iter().map(|(_, label)| *label).collect();
        let picked = Select::with_theme(&self.theme)
            .with_prompt(self.t("What now?", "要做什么？"))
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
                    .with_prompt(self.t("Note", "备注"))
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
                let unreadable = self.t("not a readable file", "不是可读的文件");
                let file: String = match Input::with_theme(&self.theme)
                    .with_prompt(self.t("File to attach (Enter to go back)", "要附加的文件（回车返回）"))
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
                    .with_prompt(self.t("Severity", "响应级别"))
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
                    .with_prompt(self.t(
                        "Why abort? (kept in the record; Enter to go back)",
                        "中止原因（将记入档案；回车返回）",
                    ))
                    .allow_empty(true)
                    .interact_text_on(&self.term)
                {
                    Ok(reason) => reason,
                    Err(_) => return Some(self.interrupted()),
                };
                if reason.trim().is_empty() {
                    // Back to the question: aborting is not done without saying why.
                    self.warn(self.t(
                        "Not aborted: an abort needs a reason.",
                        "未中止：中止须说明原因。",
                    ));
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
            self.t("Escalating now fires:", "立即升级将触发："),
            names.join(", ")
        ));
        if told.is_empty() {
            self.say(self.t("Nobody is notified by them.", "这些计时器不通知任何人。"));
        } else {
            self.say(self.t("These people will be told:", "将通知以下人员："));
            self.contacts(&told);
        }
        let items = [self.t("Back", "返回"), self.t("Escalate now", "立即升级")];
        match Select::with_theme(&self.theme)
            .with_prompt(self.t("Escalate now?", "确认立即升级？"))
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
            self.say(self.t("No command has run yet.", "尚未执行任何命令。"));
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
                    self.t("bytes", "字节")
                )
            })
            .collect();
        let picked = Select::with_theme(&self.theme)
            .with_prompt(self.t("Whose output?", "查看哪条命令的输出？"))
            .items(&items)
            .default(0)
            .interact_on_opt(&self.term);
        if let Ok(Some(index)) = picked {
            let output = &self.outputs[self.outputs.len() - 1 - index];
            if let Err(error) = super::super::output::page(&self.term, &output.page_text()) {
                self.warn(&format!("cannot show the output: {error}"));
            }
        }
    }
}
