//! Wiring a walk: the journal as the engine's sink, the operator, the shell,
//! the clock, Ctrl-C; and what to tell the operator when the walk stops.

use super::Context;
use crate::engine::{
    Answers, Clock, Engine, Executor, Notifier, Operator, Ports, ScriptedOperator, ShellExecutor, Sink,
    Start, Stop,
};
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::Journal;
use crate::model::{Event, EventKind, Incident, Runbook};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Set by Ctrl-C, SIGTERM or a hang-up: the running command's process
/// group is killed and the incident pauses.
static CANCEL: AtomicBool = AtomicBool::new(false);

fn watch_signals() {
    // Installing twice (a second walk in one process) is harmless to skip.
    let _ = ctrlc::set_handler(|| CANCEL.store(true, Ordering::SeqCst));
}

/// The journal, shared by the walk and its background thread ([`watch`]),
/// with a mirror of the incident's state so that the thread knows which
/// timers are due.
struct Shared<'j> {
    journal: &'j mut Journal,
    incident: Option<Incident>,
    /// Events the background thread journaled (timers fired, notifications,
    /// notes and files handed over) that the engine has not seen.
    foreign: Vec<Event>,
    /// Whether `foreign` holds anything: a prompt waiting at the terminal
    /// steps aside for it.
    news: Arc<AtomicBool>,
}

impl Shared<'_> {
    /// Keeps an event the background thread journaled for the engine, and
    /// says so to a waiting prompt.
    fn foreign(&mut self, event: Event) {
        self.foreign.push(event);
        self.news.store(true, Ordering::SeqCst);
    }

    fn append(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event> {
        let event = self.journal.write(time, kind).map_err(std::io::Error::other)?;
        self.mirror(&event);
        Ok(event)
    }

    fn mirror(&mut self, event: &Event) {
        match &mut self.incident {
            Some(incident) => incident.apply(event),
            None => self.incident = Incident::replay([event]).ok(),
        }
    }

    /// Journals what other processes handed over (a note or a file from
    /// another terminal), for the engine to show at its next turn. A
    /// failure is left to the next look, or to the next event's append.
    fn take_inbox(&mut self) {
        let Ok(events) = self.journal.take_inbox(&EventKind::may_be_queued) else {
            return;
        };
        for event in events {
            self.mirror(&event);
            self.foreign(event);
        }
    }
}

/// The engine's side of the shared journal.
struct SharedSink<'s, 'j>(&'s Mutex<Shared<'j>>);

impl Sink for SharedSink<'_, '_> {
    fn record(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event> {
        lock(self.0).append(time, kind)
    }

    fn foreign(&mut self) -> Vec<Event> {
        let mut shared = lock(self.0);
        shared.news.store(false, Ordering::SeqCst);
        std::mem::take(&mut shared.foreign)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        lock(self.0).journal.sync().map_err(std::io::Error::other)
    }

    fn store_attachment(&mut self, file: &std::path::Path) -> std::io::Result<crate::journal::Stored> {
        // Copied without holding the journal, which the background thread
        // needs on time, however large the file. A `runbook attach` from
        // another terminal may store at the same moment: names are taken
        // by an exclusive hard link, so the two never share one.
        let dir = lock(self.0).journal.dir().to_path_buf();
        crate::journal::store_attachment(&dir, file).map_err(std::io::Error::other)
    }

    fn admit_secret(&mut self, name: &str, value: &str) -> std::io::Result<bool> {
        let dir = lock(self.0).journal.dir().to_path_buf();
        crate::journal::admit_secret(&dir, name, value)
    }

    fn record_timer_fired(
        &mut self,
        time: DateTime<Utc>,
        timer: &str,
        repeat: Option<u32>,
    ) -> std::io::Result<Option<Event>> {
        let mut shared = lock(self.0);
        if shared
            .incident
            .as_ref()
            .is_some_and(|incident| incident.has_fired(timer, repeat))
        {
            return Ok(None);
        }
        shared
            .append(
                time,
                EventKind::TimerFired {
                    timer: timer.to_owned(),
                    repeat,
                },
            )
            .map(Some)
    }
}

fn lock<'s, 'j>(shared: &'s Mutex<Shared<'j>>) -> std::sync::MutexGuard<'s, Shared<'j>> {
    // A panic while holding the lock leaves the journal as consistent as
    // any crash would: every event is appended whole or not at all.
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Works beside the walk, five times a second, while it waits at a prompt
/// or a command runs: journals what other processes handed over; fires due
/// timers (the firing is journaled and its notifications go out on time);
/// the engine shows both, and offers the timers' steps, at its next turn.
/// Tries failed notifications again, waiting 30 s, then twice as long each
/// time (up to 10 minutes), ten attempts in all.
fn watch(
    shared: &Mutex<Shared<'_>>,
    runbook: &Runbook,
    notifier: Option<&dyn Notifier>,
    lang: &crate::model::Lang,
    stop: &std::sync::mpsc::Receiver<()>,
) {
    let clock = crate::clock::SystemClock;
    loop {
        // Woken at once when the walk ends (its sender is dropped).
        if let Err(std::sync::mpsc::RecvTimeoutError::Disconnected) =
            stop.recv_timeout(std::time::Duration::from_millis(200))
        {
            return;
        }
        let fired: Vec<(&crate::model::Timer, Incident)> = {
            let mut shared = lock(shared);
            shared.take_inbox();
            let Some(incident) = shared.incident.clone().filter(|i| i.status.is_open()) else {
                continue;
            };
            let now = clock.now();
            let mut fired = Vec::new();
            for firing in crate::engine::timers::due(runbook, &incident, now) {
                let Ok(event) = shared.append(now, crate::engine::fire::timer_fired(firing)) else {
                    return;
                };
                shared.foreign(event);
                if let Some(incident) = shared.incident.clone() {
                    fired.push((firing.timer, incident));
                }
            }
            // On disk before anyone is told.
            if shared.journal.sync().is_err() {
                return;
            }
            fired
        };
        // Deliver without holding the journal: a slow webhook must not
        // block the operator's answers.
        // False once the journal fails: then nothing more is sent, since
        // nothing sent could be recorded (the walk stops on its next event).
        let journal = |kind| {
            let mut shared = lock(shared);
            let Ok(event) = shared.append(clock.now(), kind) else {
                return false;
            };
            shared.foreign(event);
            shared.journal.sync().is_ok()
        };
        for (timer, incident) in fired {
            for kind in
                crate::engine::fire::timer_notification(runbook, &incident, timer, notifier, lang, false)
            {
                if !journal(kind) {
                    return;
                }
            }
        }
        // Failed notifications are tried again as their waits pass, also
        // while the operator sits at a prompt for hours.
        let Some(notifier) = notifier else {
            continue;
        };
        let (due, incident) = {
            let shared = lock(shared);
            match shared.incident.as_ref().filter(|i| i.status.is_open()) {
                Some(incident) => {
                    let due = crate::engine::fire::retries_due(incident, clock.now());
                    if due.is_empty() {
                        continue;
                    }
                    (due, incident.clone())
                }
                None => continue,
            }
        };
        for failed in due {
            for kind in crate::engine::fire::retry(runbook, &incident, notifier, &failed) {
                if !journal(kind) {
                    return;
                }
            }
        }
    }
}

/// How a walk begins: a new incident, or one from its journal.
#[derive(Debug)]
pub enum Begin {
    Start(Start),
    Resume(Box<Incident>),
}

pub struct Walk<'a> {
    pub context: &'a Context,
    /// See [`Ports::incident_key`].
    pub incident_key: String,
    pub runbook: &'a Runbook,
    pub journal: &'a mut Journal,
    pub answers: Answers,
    pub json: bool,
    pub interactive: bool,
    /// What the incident's commands printed in earlier walks (a resume),
    /// for the terminal's "Show output…".
    pub outputs: Vec<crate::term::CommandOutput>,
}

impl Walk<'_> {
    pub fn run(self, begin: Begin) -> Result<ExitCode> {
        watch_signals();
        let notifier = self.context.notifier();
        let notifier: Option<&dyn Notifier> = notifier.as_ref().map(|n| n as &dyn Notifier);
        let executor = ShellExecutor::with_ssh(crate::engine::Ssh::new(
            self.context.config.ssh_config.clone(),
            &self.incident_key,
        ));
        let clock = crate::clock::SystemClock;
        let lang = self.context.lang.clone();
        let incident = match &begin {
            Begin::Resume(incident) => Some((**incident).clone()),
            Begin::Start(_) => None,
        };
        let news = Arc::new(AtomicBool::new(false));
        let shared = Mutex::new(Shared {
            journal: self.journal,
            incident,
            foreign: Vec::new(),
            news: Arc::clone(&news),
        });
        let (stop_watch, watch_stop) = std::sync::mpsc::channel::<()>();
        let mut progress = crate::term::Progress::new(self.json, lang.clone());
        let mut terminal = crate::term::TerminalOperator::new(lang.clone(), self.json)
            .watching(news)
            .with_outputs(self.outputs);
        let mut scripted = if self.interactive {
            ScriptedOperator::before(self.answers, &mut terminal, lang.clone())
        } else {
            ScriptedOperator::new(self.answers, &mut progress, lang.clone())
        };
        let runbook = self.runbook;

        let (result, unanswered) = std::thread::scope(|scope| {
            // Dropping the sender stops the thread at once however the
            // walk ends, a panic included: `thread::scope` would otherwise
            // wait for it.
            let (shared_ref, lang_ref) = (&shared, &lang);
            scope.spawn(move || watch(shared_ref, runbook, notifier, lang_ref, &watch_stop));
            let _stop_watch = stop_watch;
            let mut sink = SharedSink(&shared);
            let operator: &mut dyn Operator = &mut scripted;
            let ports = Ports {
                operator,
                executor: &executor as &dyn Executor,
                clock: &clock,
                notifier,
                sink: &mut sink,
                cancel: &CANCEL,
                redact: &self.context.config.redact,
                lang: lang.clone(),
                incident_key: self.incident_key.clone(),
            };
            let result = match begin {
                Begin::Start(start) => Engine::start(runbook, start, ports),
                Begin::Resume(incident) => Engine::resume(runbook, *incident, ports),
            };
            drop(_stop_watch);
            let unused = scripted.unused();
            if !unused.is_empty() {
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    crate::tr!(&lang, AnswersNotUsed, answers = unused.join(", "))
                );
            }
            (result, scripted.unanswered.take())
        });
        // What the screen shows of a command cut short is settled before
        // the last word, how to go on, so that nothing clears it.
        drop(scripted);
        drop(terminal);
        // A paused or ended walk leaves no connection open.
        executor.close();
        let (stop, incident) = result
            .map_err(|failed| Error::failed(crate::tr!(&lang, JournalWriteFailed, error = failed.0)))?;
        report(&incident, &stop, unanswered, &progress, &lang)
    }
}

/// Tells the operator why the walk stopped and how to go on.
fn report(
    incident: &Incident,
    stop: &Stop,
    unanswered: Option<(String, String)>,
    progress: &crate::term::Progress,
    lang: &crate::model::Lang,
) -> Result<ExitCode> {
    use crate::tr;
    let id = &incident.id;
    let mut err = std::io::stderr().lock();
    Ok(match stop {
        Stop::Ended(outcome) => {
            if *outcome == crate::model::Outcome::Aborted {
                ExitCode::Aborted
            } else {
                ExitCode::Success
            }
        }
        Stop::Paused { step, reason } => {
            let (expects, how) = unanswered.unwrap_or_else(|| (reason.clone(), String::new()));
            let resume = format!("runbook resume {id} {how}").trim_end().to_owned();
            let expects = crate::term::sanitize_line(&expects);
            match step {
                Some(step) => writeln!(
                    err,
                    "{}",
                    tr!(
                        lang,
                        PausedAtStep,
                        incident = id,
                        step = crate::term::sanitize_line(step),
                        expects = crate::i18n::reason(lang, &expects)
                    )
                )?,
                None => writeln!(
                    err,
                    "{}",
                    tr!(
                        lang,
                        PausedBeforeFirstStep,
                        incident = id,
                        expects = crate::i18n::reason(lang, &expects)
                    )
                )?,
            }
            writeln!(
                err,
                "{}",
                tr!(lang, ToContinue, command = crate::term::sanitize_line(&resume))
            )?;
            progress.awaiting(id, step.as_deref(), &expects, &resume);
            ExitCode::Paused
        }
        Stop::Failed { step, reason } => {
            writeln!(
                err,
                "{}",
                tr!(
                    lang,
                    WalkStepFailed,
                    incident = id,
                    step = step,
                    reason = crate::i18n::reason(lang, &crate::term::sanitize_line(reason))
                )
            )?;
            writeln!(err, "{}", tr!(lang, ToRetry, incident = id, step = step))?;
            progress.awaiting(
                id,
                Some(step),
                tr!(lang, ExpectsRetry),
                &format!("runbook resume {id} --answer {step}=ANSWER"),
            );
            ExitCode::Failure
        }
        Stop::Aborted(_) => ExitCode::Aborted,
        Stop::Refused { step, shown, .. } => {
            writeln!(
                err,
                "{}",
                tr!(
                    lang,
                    StepRefused,
                    incident = id,
                    step = crate::term::sanitize_line(step),
                    reason = crate::term::sanitize_line(shown)
                )
            )?;
            writeln!(err, "{}", tr!(lang, NothingRanPaused, incident = id))?;
            ExitCode::BadInput
        }
        Stop::Interrupted => {
            writeln!(err, "{}", tr!(lang, PausedInterrupted, incident = id))?;
            writeln!(
                err,
                "{}",
                tr!(lang, ToContinue, command = format!("runbook resume {id}"))
            )?;
            ExitCode::Interrupted
        }
    })
}

/// An incident's key: its directory, hashed. Unique across data
/// directories, stable across resumes.
pub fn incident_key(dir: &std::path::Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    crate::journal::sha256_hex(dir.as_os_str().as_encoded_bytes())[..16].to_owned()
}

/// Whether to prompt: a terminal on stdin and stderr, and not told otherwise.
#[allow(clippy::disallowed_methods)] // only asks whether stdin is a terminal
pub fn interactive(non_interactive: bool) -> bool {
    use std::io::IsTerminal;
    !non_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}
