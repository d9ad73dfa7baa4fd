//! A command run on several hosts at once (`parallel` above 1): a batch
//! of them started together, each in a thread of its own, while the walk's
//! thread shows their output, each line under its host, takes in what is
//! journaled beside it, and journals each result as it comes.

use super::command::{Ran, outcome_of};
use super::*;
use crate::engine::CommandOutcome;
use crate::engine::executor::IDLE_EVERY;
use std::sync::mpsc;
use std::time::Instant;

/// Lines of output waiting for the walk's thread at most, all hosts
/// together: a host that prints faster than they are shown waits, as a
/// single command's pipe does.
const QUEUED_LINES: usize = 1024;

/// What a host's thread tells the walk's.
enum Report {
    /// A line of output (redacted) of the host at this index.
    Line(usize, String),
    /// How its command ended.
    Done(usize, std::io::Result<CommandOutcome>),
}

impl<'a> Engine<'a> {
    /// Runs `step`'s command on each of `batch` at once (ssh destinations,
    /// `None` for here): their starts journaled and made durable together
    /// before any script runs, each result journaled as it ends. Ctrl-C
    /// stops them all; each has its own timeout.
    pub(super) fn run_batch(
        &mut self,
        step: &'a Step,
        command: &'a crate::model::Command,
        batch: &[Option<String>],
    ) -> Result<Vec<Ran>, JournalFailed> {
        let id = step.id.value.as_str();
        if self.ports.cancel.load(Ordering::SeqCst) {
            return Ok(vec![Ran::Stop(self.interrupted(Some(id))?)]);
        }
        // No shell was started ahead for a step that runs on several hosts;
        // one held for something else is stopped.
        self.ahead = None;
        let mut specs = Vec::with_capacity(batch.len());
        for on in batch {
            self.record(EventKind::CommandStarted {
                step: id.to_owned(),
                command: command.run.value.clone(),
                on: on.clone(),
            })?;
            let mut spec = self.spec(step, command);
            spec.on = on.clone();
            specs.push(spec);
        }
        let (executor, redact) = (self.ports.executor, self.ports.redact);
        // As for one host: a secret's own value first, then the patterns.
        let secrets = self.secret_forms();
        let secrets = &secrets;
        let mut cancelled = false;
        let mut ran = Vec::with_capacity(batch.len());
        let mut failed: Option<JournalFailed> = None;
        std::thread::scope(|scope| {
            let (report, reports) = mpsc::sync_channel::<Report>(QUEUED_LINES);
            let mut gates = Vec::with_capacity(specs.len());
            for (index, spec) in specs.iter().enumerate() {
                let (gate, opened) = mpsc::channel::<()>();
                gates.push(gate);
                let report = report.clone();
                scope.spawn(move || {
                    // Its shell loads while the batch's starts reach the
                    // disk; the script runs only once they have. A gate
                    // dropped unopened (a journal error) drops it unrun.
                    let prepared = executor.prepare(spec);
                    if opened.recv().is_err() {
                        return;
                    }
                    let mut line = |line: &str| {
                        let _ = report.send(Report::Line(index, line.to_owned()));
                    };
                    // Each host's output has a filter of its own: one
                    // remembers what came before in its stream.
                    let patterns = redact.stream();
                    let redact = |line: &str| patterns(&super::hide_secrets(line, secrets));
                    let result = prepared
                        .and_then(|prepared| prepared.run(&redact, &mut line, &mut || {}, &mut || {}));
                    let _ = report.send(Report::Done(index, result));
                });
            }
            drop(report);
            // A command is an action: every start of the batch is on disk
            // before any of its scripts runs.
            if let Err(error) = self.ports.sink.sync() {
                failed = Some(error.into());
                return;
            }
            for gate in gates {
                let _ = gate.send(());
            }
            let mut idled = Instant::now();
            loop {
                let wait = IDLE_EVERY.saturating_sub(idled.elapsed());
                match reports.recv_timeout(wait) {
                    Ok(Report::Line(index, line)) => {
                        let host = batch[index]
                            .as_deref()
                            .unwrap_or(crate::model::destination::LOCAL);
                        self.ports.operator.output(step, &format!("{host} │ {line}"));
                    }
                    Ok(Report::Done(index, result)) => {
                        let outcome = outcome_of(result, batch[index].as_deref());
                        if outcome.cancelled || failed.is_some() {
                            // Interrupted: no result, so resume offers to
                            // run it again; after a journal error, none can
                            // be kept.
                            cancelled |= outcome.cancelled;
                            continue;
                        }
                        match self.finished(step, command, batch[index].clone(), outcome) {
                            Ok(one) => ran.push(one),
                            Err(error) => failed = Some(error),
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                // What other writers journal (a note, a timer) is shown
                // while they run, not after.
                if idled.elapsed() >= IDLE_EVERY {
                    self.absorb();
                    idled = Instant::now();
                }
            }
        });
        if let Some(error) = failed {
            return Err(error);
        }
        if cancelled {
            ran.push(Ran::Stop(self.interrupted(Some(id))?));
        }
        Ok(ran)
    }
}
