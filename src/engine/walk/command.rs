//! Command steps: asked about when they must be, run (or rehearsed in a
//! drill) with the incident's variables in their environment, and the
//! next command's shell started ahead while this one runs.

use super::*;

impl<'a> Engine<'a> {
    /// Runs a command step; `consented` when the operator already said to
    /// run it (a retry), so that it does not ask twice.
    pub(super) fn command(&mut self, step: &'a Step, consented: bool) -> Result<Flow, JournalFailed> {
        let StepKind::Command(command) = &step.kind else {
            return Ok(self.success(step));
        };
        let id = step.id.value.as_str();
        if !command.runs_in(self.incident.drill) {
            let reason = match command.drill {
                DrillMode::SimulateSuccess => "drill: simulate-success",
                _ => "drill: skip",
            };
            self.record(EventKind::CommandSkipped {
                step: id.to_owned(),
                command: command.run.value.clone(),
                reason: reason.to_owned(),
            })?;
            return Ok(self.after(step, &Progress::CommandSkipped));
        }
        if command.confirm && !consented {
            match self.ask(Some(id), Question::RunCommand(step))? {
                Ok(decision) if decision.value == Value::YesNo(true) => self.decided(id, "run", &decision)?,
                Ok(decision) => {
                    self.decided(id, "run", &decision)?;
                    let reason = match decision.note {
                        Some(note) => format!("declined: {note}"),
                        None => "declined".to_owned(),
                    };
                    self.record(EventKind::CommandSkipped {
                        step: id.to_owned(),
                        command: command.run.value.clone(),
                        reason,
                    })?;
                    return Ok(self.after(step, &Progress::CommandSkipped));
                }
                Err(flow) => return Ok(flow),
            }
        }

        if self.ports.cancel.load(Ordering::SeqCst) {
            return self.interrupted(Some(id)).map(Flow::Stop);
        }
        let spec = self.spec(step, command);
        self.record(EventKind::CommandStarted {
            step: id.to_owned(),
            command: command.run.value.clone(),
        })?;
        // A command is an action: everything before it, its start
        // included, is on disk before its script runs. Its shell starts
        // first, held before the script (dropped on a journal error, it
        // never runs it): the one started while the command before ran, if
        // it got the environment this command gets now; any other is
        // stopped before another starts.
        let ahead = self
            .ahead
            .take()
            .filter(|ahead| ahead.step == id && ahead.env == spec.env);
        let prepared = match ahead {
            Some(ahead) => Ok(ahead.prepared),
            None => self.ports.executor.prepare(&spec),
        };
        self.ports.sink.sync()?;
        // Once the script runs, the next command's shell starts beside it.
        let mut next = self.next_command(step, command);
        let executor = self.ports.executor;
        let mut ahead = None;
        let operator = &mut *self.ports.operator;
        let mut show = |line: &str| operator.output(step, line);
        let mut start_next = || {
            if let Some((step, spec)) = next.take() {
                // One that cannot start now is left to its turn, which
                // reports why.
                ahead = executor.prepare(&spec).ok().map(|prepared| Ahead {
                    step,
                    env: spec.env,
                    prepared,
                });
            }
        };
        let result =
            prepared.and_then(|prepared| prepared.run(self.ports.redact, &mut show, &mut start_next));
        self.ahead = ahead;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(error) => crate::engine::CommandOutcome {
                exit_code: None,
                signal: None,
                duration: Duration::ZERO,
                timed_out: false,
                cancelled: false,
                output: format!("cannot start the command: {error}"),
                output_bytes: 0,
                stdout: String::new(),
            },
        };
        if outcome.cancelled {
            // Interrupted: no result is journaled, so resume offers to run it again.
            return self.interrupted(Some(id)).map(Flow::Stop);
        }
        let succeeded = outcome.succeeded();
        // The captured value first: a crash between the two then offers to
        // run the command again, instead of going on without the value.
        if succeeded && let Some(capture) = &command.capture {
            self.record(EventKind::VarSet {
                name: capture.value.clone(),
                value: outcome.stdout.trim().to_owned(),
                step: Some(id.to_owned()),
            })?;
        }
        self.record(EventKind::CommandFinished {
            step: id.to_owned(),
            exit_code: outcome.exit_code,
            signal: outcome.signal,
            duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
            timed_out: outcome.timed_out,
            output: outcome.output.clone(),
            output_bytes: outcome.output_bytes,
        })?;
        Ok(self.after(step, &Progress::CommandFinished { succeeded }))
    }

    /// What runs for a command step.
    pub(super) fn spec(&self, step: &'a Step, command: &'a crate::model::Command) -> CommandSpec<'a> {
        CommandSpec {
            script: &command.run.value,
            env: self.environment(step),
            timeout: command.timeout.duration,
            grace: self.grace,
            cancel: self.ports.cancel,
        }
    }

    /// The command that comes after `step` if it succeeds, when its shell
    /// is worth starting while `step` runs, held at its gate, so that it has
    /// loaded by the time its turn comes: only when nothing stands between
    /// the two (it does not ask first, is not a drill's skip, and `step`
    /// captures no variable that would change what it gets). If the walk
    /// goes elsewhere, or the command's environment differs by then, that
    /// shell is stopped unopened and another started.
    pub(super) fn next_command(
        &self,
        step: &'a Step,
        command: &crate::model::Command,
    ) -> Option<(String, CommandSpec<'a>)> {
        if command.capture.is_some() {
            return None;
        }
        let Flow::Goto(next) = self.success(step) else {
            return None;
        };
        let next_step = self.runbook.step(&next)?;
        let StepKind::Command(next_command) = &next_step.kind else {
            return None;
        };
        if next_command.confirm || !next_command.runs_in(self.incident.drill) {
            return None;
        }
        Some((next, self.spec(next_step, next_command)))
    }

    /// What a command sees: the variables, upper-cased, and the built-ins.
    /// A variable with no value yet (an `input` not reached, the capture of
    /// a command that failed) is empty, as display text shows it, rather
    /// than whatever the runner's own environment holds under its name.
    pub(super) fn environment(&self, step: &Step) -> Vec<(String, String)> {
        let mut vars: BTreeMap<&str, &str> =
            self.runbook.variables().map(|name| (name.as_str(), "")).collect();
        vars.extend(
            self.incident
                .vars
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
        let mut env: Vec<(String, String)> = vars
            .into_iter()
            .map(|(name, value)| (Var::env_name(name), value.to_owned()))
            .collect();
        env.push(("RUNBOOK_INCIDENT".into(), self.incident.id.clone()));
        // Lets a later walk find what is left of this command after a crash.
        env.push(("RUNBOOK_INCIDENT_KEY".into(), self.ports.incident_key.clone()));
        env.push(("RUNBOOK_RUNBOOK".into(), self.incident.runbook.clone()));
        env.push(("RUNBOOK_STEP".into(), step.id.value.clone()));
        env.push(("RUNBOOK_SEVERITY".into(), self.incident.severity.clone()));
        env.push((
            "RUNBOOK_DRILL".into(),
            if self.incident.drill { "1" } else { "0" }.into(),
        ));
        env
    }
}
