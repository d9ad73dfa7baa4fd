//! The [`TerminalOperator`]: a person at a terminal. The walk's questions
//! are asked with [`super::prompt`], which steps aside when something
//! happens beside the walk ([`Reply::Woken`]) and ticks the next timer's
//! countdown; the menu of other actions and notes with dialoguer.
//!
//! Every prompt offers, besides its answers, "Other actions…": add a note,
//! attach a file, change severity, escalate now, pause, abort. Ctrl-C at a prompt pauses.
//! A running command shows a spinner with its last output lines. All text
//! that comes from a runbook or a command is sanitized before it is shown.

use super::progress::{describe, message_lines, rehearsed};
use super::prompt::{Answer, Prompter};
use super::{sanitize, sanitize_line};
use crate::engine::{
    Context, Decision, Operator, Question, Reply, Value, matches_pattern, next_timer, render_text,
    unfit_for_environment,
};
use crate::i18n::Msg;
use crate::model::{AnswerSource, Contact, Event, EventKind, Lang, Step, StepKind, StepResult, Text};
use console::{Term, style};
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Input, Select};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod actions;
mod show;

/// How many lines of a running command's output stay on screen.
const SHOWN_LINES: usize = 5;

pub struct TerminalOperator {
    lang: Lang,
    /// Also print every event as a JSON line on stdout (`--json`).
    json: bool,
    theme: ColorfulTheme,
    term: Term,
    spinner: Option<ProgressBar>,
    last_lines: VecDeque<String>,
    /// Set while something journaled beside the walk waits to be shown:
    /// a prompt then steps aside for it ([`Reply::Woken`]).
    news: Option<Arc<AtomicBool>>,
    /// What the incident's commands printed, oldest first, for "Show
    /// output…"; with those of earlier walks when resumed.
    outputs: Vec<super::CommandOutput>,
    /// The commands running now, until their output is in: one, or
    /// several of a step that runs on several hosts at once.
    running: crate::model::OpenCommands<String>,
}

impl std::fmt::Debug for TerminalOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalOperator")
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

impl TerminalOperator {
    pub fn new(lang: Lang, json: bool) -> TerminalOperator {
        TerminalOperator {
            lang,
            json,
            theme: ColorfulTheme::default(),
            term: Term::stderr(),
            spinner: None,
            last_lines: VecDeque::new(),
            news: None,
            outputs: Vec::new(),
            running: crate::model::OpenCommands::default(),
        }
    }

    /// Starts from what the commands of earlier walks printed (a resume).
    pub fn with_outputs(mut self, outputs: Vec<super::CommandOutput>) -> TerminalOperator {
        self.outputs = outputs;
        self
    }

    /// Prompts step aside whenever `news` is set ([`Reply::Woken`]).
    pub fn watching(mut self, news: Arc<AtomicBool>) -> TerminalOperator {
        self.news = Some(news);
        self
    }

    /// Whether something waits to be shown.
    fn has_news(&self) -> bool {
        self.news.as_ref().is_some_and(|news| news.load(Ordering::SeqCst))
    }

    /// Runs `ask` with the walk's prompts, drawn here, watching for news
    /// beside the walk and ticking the next timer's countdown.
    fn prompting<T>(&self, context: Context<'_>, ask: impl FnOnce(&Prompter<'_>) -> T) -> T {
        let news = || self.has_news();
        let status = || self.countdown(context);
        ask(&Prompter {
            term: &self.term,
            theme: &self.theme,
            news: &news,
            status: &status,
        })
    }

    /// The next timer and how long until it fires, for the line above a
    /// prompt, which ticks while it waits.
    fn countdown(&self, context: Context<'_>) -> Option<String> {
        let (timer, due) = next_timer(context.runbook, context.incident)?;
        let now = crate::clock::now();
        let timer = sanitize_line(&timer);
        Some(if due <= now {
            crate::tr!(&self.lang, TimerDue, timer = timer)
        } else {
            let left = crate::i18n::span(&self.lang, (due - now).num_seconds());
            crate::tr!(&self.lang, TimerLeft, timer = timer, left = left)
        })
    }

    /// The catalogue's words for `msg` in the display language.
    fn tr(&self, msg: Msg) -> &'static str {
        crate::i18n::tr(&self.lang, msg)
    }

    fn text(&self, context: Context<'_>, text: &Text, step: Option<&str>) -> String {
        sanitize(&render_text(text.get(&self.lang), context.incident, step)).into_owned()
    }

    fn say(&self, line: &str) {
        let _ = self.term.write_line(line);
    }

    /// A menu of answers plus "Other actions…"; the index of the answer,
    /// or the reply an action led to.
    fn choose(&mut self, context: Context<'_>, prompt: &str, answers: &[String]) -> Result<usize, Reply> {
        loop {
            let mut items: Vec<String> = answers.to_vec();
            items.push(self.tr(Msg::OtherActions).to_owned());
            let picked = self.prompting(context, |prompter| prompter.menu(prompt, &items, 0, &[], None));
            match picked {
                Ok(Answer::Given(index)) if index < answers.len() => return Ok(index),
                Ok(Answer::Given(_)) => {
                    if let Some(reply) = self.actions(context) {
                        return Err(reply);
                    }
                }
                // Esc: ask again rather than guess.
                Ok(Answer::Escaped) => {}
                Ok(Answer::Woken) => return Err(Reply::Woken),
                Err(_) => return Err(self.interrupted()),
            }
        }
    }

    /// "Run this command?" (and "Run it again?", "Try again?"): the cursor
    /// starts on not running it, and only Enter on the answer that runs it
    /// does ([`Prompter::menu`]).
    fn run_or_skip(&mut self, context: Context<'_>, prompt: &str, run: &str, skip: &str) -> Reply {
        let items = [
            skip.to_owned(),
            run.to_owned(),
            self.tr(Msg::OtherActions).to_owned(),
        ];
        let hint = self.tr(Msg::YesNoHint);
        loop {
            let shortcuts = [('y', 1), ('n', 0)];
            let picked = self.prompting(context, |prompter| {
                prompter.menu(prompt, &items, 0, &shortcuts, Some(hint))
            });
            match picked {
                Ok(Answer::Given(index @ (0 | 1))) => {
                    return TerminalOperator::decided(Value::YesNo(index == 1), None);
                }
                Ok(Answer::Given(_)) => {
                    if let Some(reply) = self.actions(context) {
                        return reply;
                    }
                }
                Ok(Answer::Escaped) => {}
                Ok(Answer::Woken) => return Reply::Woken,
                Err(_) => return self.interrupted(),
            }
        }
    }

    /// Ctrl-C or a lost terminal at a prompt: pause, as on a signal.
    fn interrupted(&self) -> Reply {
        let _ = self.term.show_cursor();
        Reply::Interrupted
    }

    fn decided(value: Value, note: Option<String>) -> Reply {
        Reply::Answer(Decision {
            value,
            source: AnswerSource::Person,
            note,
        })
    }

    fn note(&self) -> Result<Option<String>, Reply> {
        match Input::<String>::with_theme(&self.theme)
            .with_prompt(self.tr(Msg::NoteEnterToSkip))
            .allow_empty(true)
            .interact_text_on(&self.term)
        {
            Ok(note) if note.trim().is_empty() => Ok(None),
            Ok(note) => Ok(Some(note)),
            Err(_) => Err(self.interrupted()),
        }
    }

    /// A text answer checked against a pattern; `!` opens the actions.
    fn text_input(
        &mut self,
        context: Context<'_>,
        prompt: &str,
        default: Option<&str>,
        pattern: Option<&str>,
        hidden: bool,
    ) -> Result<String, Reply> {
        let hint = self.tr(Msg::ForOtherActions);
        let default = default
            .filter(|d| !d.is_empty())
            .map(|d| sanitize_line(d).into_owned());
        let shown_pattern = sanitize_line(pattern.unwrap_or("")).into_owned();
        let lang = self.lang.clone();
        let check = |value: &str| -> Result<(), String> {
            // What flags and answers files are refused, a prompt refuses
            // too: the value becomes a variable, and every later command
            // of the incident would fail to start.
            if let Some(problem) = unfit_for_environment(value) {
                Err(crate::tr!(&lang, ValueUnfit, problem = problem))
            } else if value == "!" || matches_pattern(pattern, value) {
                Ok(())
            } else {
                Err(crate::tr!(&lang, MustMatch, pattern = shown_pattern))
            }
        };
        loop {
            let picked = self.prompting(context, |prompter| {
                prompter.text(prompt, hint, default.as_deref(), hidden, &check)
            });
            match picked {
                Ok(Answer::Given(value)) if value == "!" => {
                    if let Some(reply) = self.actions(context) {
                        return Err(reply);
                    }
                }
                Ok(Answer::Given(value)) => return Ok(value),
                Ok(Answer::Escaped) => {}
                Ok(Answer::Woken) => return Err(Reply::Woken),
                Err(_) => return Err(self.interrupted()),
            }
        }
    }

    /// A spinner for the commands of `step` running now, naming where.
    fn spin(&mut self, step: &str) {
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let hosts: Vec<&str> = self
            .running
            .of(step)
            .filter_map(|open| open.on.as_deref())
            .collect();
        spinner.set_message(match hosts.as_slice() {
            [] => format!("{} {}", self.tr(Msg::Running), sanitize_line(step)),
            hosts => format!(
                "{} {} @ {}",
                self.tr(Msg::Running),
                sanitize_line(step),
                sanitize_line(&hosts.join(", "))
            ),
        });
        spinner.enable_steady_tick(Duration::from_millis(100));
        self.spinner = Some(spinner);
    }

    fn finish_spinner(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
    }

    /// Ends a command's spinner and leaves its last output lines on the
    /// screen, once: when it finishes, and when the walk pauses or ends
    /// with it cut short, so that nothing printed after this clears them.
    fn settle(&mut self) {
        self.finish_spinner();
        for line in std::mem::take(&mut self.last_lines) {
            self.say(&format!("  {} {line}", style("│").dim()));
        }
    }
}

impl Drop for TerminalOperator {
    fn drop(&mut self) {
        self.settle();
    }
}

impl Operator for TerminalOperator {
    fn ask(&mut self, context: Context<'_>, question: Question<'_>) -> Reply {
        let reply = self.ask_once(context, question);
        match (question, reply) {
            // The plan takes this answer only with a note: asked until given.
            (Question::Step(step), Reply::Answer(mut decision))
                if step.note_required && decision.note.as_deref().is_none_or(|n| n.trim().is_empty()) =>
            {
                match self.required_note() {
                    Ok(note) => {
                        decision.note = Some(note);
                        Reply::Answer(decision)
                    }
                    Err(reply) => reply,
                }
            }
            (_, reply) => reply,
        }
    }

    fn event(&mut self, context: Context<'_>, event: &Event) {
        self.event_shown(context, event)
    }

    fn output(&mut self, step: &Step, line: &str) {
        self.output_shown(step, line)
    }

    fn warn(&mut self, text: &str) {
        self.warn_shown(text)
    }
}

impl TerminalOperator {
    fn required_note(&self) -> Result<String, Reply> {
        loop {
            match Input::<String>::with_theme(&self.theme)
                .with_prompt(self.tr(Msg::NoteRequired))
                .allow_empty(true)
                .interact_text_on(&self.term)
            {
                Ok(note) if note.trim().is_empty() => continue,
                Ok(note) => return Ok(note),
                Err(_) => return Err(self.interrupted()),
            }
        }
    }

    fn ask_once(&mut self, context: Context<'_>, question: Question<'_>) -> Reply {
        self.finish_spinner();
        self.header(context);
        let yes_no = |this: &mut Self, context: Context<'_>, prompt: &str, yes: &str, no: &str| match this
            .choose(context, prompt, &[yes.to_owned(), no.to_owned()])
        {
            Ok(index) => TerminalOperator::decided(Value::YesNo(index == 0), None),
            Err(reply) => reply,
        };
        match question {
            Question::Var(var) => {
                let prompt = self.text(context, &var.prompt, None);
                match self.text_input(
                    context,
                    &prompt,
                    var.default.as_deref(),
                    var.pattern.as_ref().map(|p| p.value.as_str()),
                    var.secret,
                ) {
                    Ok(value) => TerminalOperator::decided(Value::Text(value), None),
                    Err(reply) => reply,
                }
            }
            Question::Step(step) => {
                self.show_step(context, step);
                let id = step.id.as_str();
                match &step.kind {
                    StepKind::Instruction { .. } => {
                        let answers =
                            [self.tr(Msg::Done), self.tr(Msg::Failed), self.tr(Msg::Skip)].map(str::to_owned);
                        let index = match self.choose(context, self.tr(Msg::Result), &answers) {
                            Ok(index) => index,
                            Err(reply) => return reply,
                        };
                        let result = [StepResult::Done, StepResult::Failed, StepResult::Skipped][index];
                        match self.note() {
                            Ok(note) => TerminalOperator::decided(Value::Result(result), note),
                            Err(reply) => reply,
                        }
                    }
                    StepKind::Confirm { .. } => {
                        let title = self.text(context, &step.title, Some(id));
                        yes_no(self, context, &title, self.tr(Msg::Yes), self.tr(Msg::No))
                    }
                    StepKind::Choice { options } => {
                        let labels: Vec<String> = options
                            .iter()
                            .map(|option| self.text(context, &option.label, Some(id)))
                            .collect();
                        match self.choose(context, self.tr(Msg::Choose), &labels) {
                            Ok(index) => TerminalOperator::decided(Value::Option(index), None),
                            Err(reply) => reply,
                        }
                    }
                    StepKind::Input { pattern, default, .. } => {
                        let title = self.text(context, &step.title, Some(id));
                        match self.text_input(
                            context,
                            &title,
                            default.as_deref(),
                            pattern.as_ref().map(|p| p.value.as_str()),
                            false,
                        ) {
                            Ok(value) => TerminalOperator::decided(Value::Text(value), None),
                            Err(reply) => reply,
                        }
                    }
                    StepKind::Checklist { items, .. } => loop {
                        let mut labels: Vec<String> = items
                            .iter()
                            .map(|item| self.text(context, item, Some(id)))
                            .collect();
                        labels.push(self.tr(Msg::OtherActionsItem).to_owned());
                        let picked = self.prompting(context, |prompter| {
                            prompter.checklist(self.tr(Msg::TickWhatApplies), &labels)
                        });
                        match picked {
                            Ok(Answer::Given(ticked)) if ticked.contains(&items.len()) => {
                                if let Some(reply) = self.actions(context) {
                                    return reply;
                                }
                            }
                            Ok(Answer::Given(ticked)) => {
                                return match self.note() {
                                    Ok(note) => TerminalOperator::decided(Value::Ticked(ticked), note),
                                    Err(reply) => reply,
                                };
                            }
                            Ok(Answer::Escaped) => {}
                            Ok(Answer::Woken) => return Reply::Woken,
                            Err(_) => return self.interrupted(),
                        }
                    },
                    _ => Reply::Unanswered,
                }
            }
            Question::RunCommand(step, on) => {
                self.show_step(context, step);
                if let StepKind::Command(command) = &step.kind {
                    self.command_on(&command.run.value, on);
                }
                let (prompt, run, skip) = (
                    self.tr(Msg::RunThisCommand),
                    self.tr(Msg::RunIt),
                    self.tr(Msg::SkipIt),
                );
                self.run_or_skip(context, prompt, run, skip)
            }
            Question::Notified(step, contacts, message) => {
                self.show_step(context, step);
                self.say(self.tr(Msg::NoNotifierTellThem));
                self.contacts(contacts);
                self.message(message);
                let answers = [
                    self.tr(Msg::DoneTheyHaveBeenTold),
                    self.tr(Msg::CouldNotReachThem),
                    self.tr(Msg::Skip),
                ]
                .map(str::to_owned);
                match self.choose(context, self.tr(Msg::Notified), &answers) {
                    Ok(index) => {
                        let result = [StepResult::Done, StepResult::Failed, StepResult::Skipped][index];
                        match self.note() {
                            Ok(note) => TerminalOperator::decided(Value::Result(result), note),
                            Err(reply) => reply,
                        }
                    }
                    Err(reply) => reply,
                }
            }
            Question::Told(_, contacts) => {
                let names: Vec<String> = contacts
                    .iter()
                    .map(|contact| {
                        let name = if contact.name.trim().is_empty() {
                            contact.role.get(&self.lang)
                        } else {
                            &contact.name
                        };
                        sanitize_line(name).into_owned()
                    })
                    .collect();
                let prompt = format!(
                    "{} {}?",
                    self.tr(Msg::Told),
                    names.join(self.tr(Msg::ListSeparator))
                );
                // Enter alone claims no call: it starts on "later".
                let answers = [
                    self.tr(Msg::LaterKeepItOnThe),
                    self.tr(Msg::YesTheyHaveBeenTold),
                    self.tr(Msg::CouldNotReachThem),
                ]
                .map(str::to_owned);
                match self.choose(context, &prompt, &answers) {
                    Ok(0) => Reply::Unanswered,
                    Ok(index) => {
                        let result = [StepResult::Skipped, StepResult::Done, StepResult::Failed][index];
                        let how = match Input::<String>::with_theme(&self.theme)
                            .with_prompt(self.tr(Msg::HowWereTheyTold))
                            .allow_empty(true)
                            .interact_text_on(&self.term)
                        {
                            Ok(how) if how.trim().is_empty() => None,
                            Ok(how) => Some(how),
                            Err(_) => return self.interrupted(),
                        };
                        TerminalOperator::decided(Value::Result(result), how)
                    }
                    Err(reply) => reply,
                }
            }
            Question::Unfinished(step) => {
                self.show_step(context, step);
                self.say(self.tr(Msg::CommandNeverRecorded));
                let (prompt, run, skip) = (
                    self.tr(Msg::RunItAgain),
                    self.tr(Msg::RunItAgainChoice),
                    self.tr(Msg::ItHadFinishedMarkIt),
                );
                self.run_or_skip(context, prompt, run, skip)
            }
            Question::Retry(step, reason) => {
                self.show_step(context, step);
                self.say(&format!(
                    "{} {}",
                    style("✗").red(),
                    sanitize(&crate::i18n::reason(&self.lang, reason))
                ));
                let (prompt, run, skip) = (
                    self.tr(Msg::TryAgain),
                    self.tr(Msg::TryAgainChoice),
                    self.tr(Msg::MarkItDoneAndGo),
                );
                self.run_or_skip(context, prompt, run, skip)
            }
            Question::TimerOffer(timer, target) => {
                let message = timer
                    .message
                    .as_ref()
                    .map(|message| self.text(context, message, None))
                    .unwrap_or_default();
                self.say(&format!(
                    "{} {} {}",
                    style("⏱").yellow(),
                    style(sanitize_line(&timer.id.value)).bold(),
                    message
                ));
                let go = format!(
                    "{} {}",
                    self.tr(Msg::GoTo),
                    self.text(context, &target.title, Some(&target.id.value))
                );
                yes_no(
                    self,
                    context,
                    self.tr(Msg::TheTimerFired),
                    &go,
                    self.tr(Msg::StayHere),
                )
            }
        }
    }

    fn event_shown(&mut self, context: Context<'_>, event: &Event) {
        if self.json {
            super::progress::json_line(event);
        }
        match &event.kind {
            // Steps that ask show themselves at their prompt; the others
            // (commands that just run, ends) are announced here.
            EventKind::StepEntered { step } => {
                self.running.clear();
                // A drill does not ask about a command it does not run.
                let asks = context.runbook.step(step).is_none_or(|step| match &step.kind {
                    StepKind::Command(command) => command.confirm && command.runs_in(context.incident.drill),
                    StepKind::End { .. } => false,
                    _ => true,
                });
                if !asks {
                    self.say(&sanitize(&describe(context, event, &self.lang)));
                }
            }
            EventKind::VarSet { step: None, .. } | EventKind::StepAnswered { .. } | EventKind::Resumed {} => {
            }
            EventKind::CommandStarted { step, command, on } => {
                // One already running beside it (several hosts at once)
                // gives its spinner up to one for both.
                self.finish_spinner();
                // What runs is shown before it runs, whether or not it asked.
                self.command_on(command, on.as_slice());
                if self.running.is_empty() {
                    self.last_lines.clear();
                }
                self.running.start(step, on.as_deref(), command.clone());
                self.spin(step);
            }
            EventKind::CommandFinished {
                step,
                output,
                output_bytes,
                on,
                ..
            } => {
                let started = self.running.finish(step, on.as_deref());
                let on = on
                    .clone()
                    .or_else(|| started.as_ref().and_then(|started| started.on.clone()));
                self.outputs.push(super::CommandOutput {
                    step: step.clone(),
                    command: started.map(|started| started.kept).unwrap_or_default(),
                    on,
                    output: output.clone(),
                    bytes: *output_bytes,
                });
                self.settle();
                self.say(&sanitize(&describe(context, event, &self.lang)));
                // The others of its step run on.
                if self.running.of(step).next().is_some() {
                    self.spin(step);
                }
            }
            // A drill shows what it does not run, as if it were to run.
            EventKind::CommandSkipped {
                step, command, on, ..
            } if rehearsed(context, step) => {
                self.command_on(command, on);
                self.say(&sanitize(&describe(context, event, &self.lang)));
            }
            EventKind::NotificationFailed { to, via, message, .. } if via == "none" => {
                let tell = || {
                    self.say(&format!(
                        "{} {}",
                        style("!").yellow().bold(),
                        self.tr(Msg::NoNotifierCallNow)
                    ));
                    let contacts: Vec<&Contact> =
                        to.iter().filter_map(|id| context.runbook.contact(id)).collect();
                    self.contacts(&contacts);
                    self.message(message);
                };
                // Above a command still running, which goes on under it.
                match &self.spinner {
                    Some(spinner) => spinner.suspend(tell),
                    None => tell(),
                }
            }
            EventKind::Paused { .. } => {
                self.settle();
                // What was running was stopped with the walk, or is left
                // for a resume to see to.
                self.running.clear();
                self.say(&sanitize(&describe(context, event, &self.lang)));
            }
            _ => {
                let line = describe(context, event, &self.lang);
                match &self.spinner {
                    Some(spinner) => spinner.println(sanitize(&line)),
                    None => self.say(&sanitize(&line)),
                }
            }
        }
    }

    fn warn_shown(&mut self, text: &str) {
        self.say(&format!("{} {}", style("!").yellow().bold(), sanitize(text)));
    }

    fn output_shown(&mut self, step: &Step, line: &str) {
        let line = sanitize_line(line).into_owned();
        self.last_lines.push_back(line);
        while self.last_lines.len() > SHOWN_LINES {
            self.last_lines.pop_front();
        }
        if let Some(spinner) = &self.spinner {
            let shown: Vec<String> = self
                .last_lines
                .iter()
                .map(|l| format!("  │ {}", truncate(l, 100)))
                .collect();
            spinner.set_message(format!(
                "{} {}\n{}",
                self.tr(Msg::Running),
                sanitize_line(&step.id.value),
                shown.join("\n")
            ));
        }
    }
}

fn truncate(line: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            out.push('…');
            break;
        }
        used += w;
        out.push(c);
    }
    out
}
