//! Command steps: asked about when they must be, run (or rehearsed in a
//! drill) with the incident's variables in their environment, and the
//! next command's shell started ahead while this one runs.

use super::*;
use crate::tr;

/// How one run of a command went, for the step.
pub(super) enum Ran {
    /// It ran (and succeeded or failed), journaled.
    Done,
    /// ssh could not reach its host: why.
    Unreachable(String),
    /// The walk stops here (interrupted).
    Stop(Stop),
}

impl<'a> Engine<'a> {
    /// Runs a command step, on each destination its `on` names that it
    /// has not run on in this attempt, in turn or up to `parallel` at once
    /// (`run_batch`); `consented` when the operator
    /// already said to run it (a retry, or a run cut short), so that it
    /// does not ask twice.
    pub(super) fn command(&mut self, step: &'a Step, consented: bool) -> Result<Flow, JournalFailed> {
        let StepKind::Command(command) = &step.kind else {
            return Ok(self.success(step));
        };
        let id = step.id.value.as_str();
        let targets = match self.destinations(command) {
            Ok(targets) => targets,
            Err((reason, shown)) => {
                // Refused before anything runs: no value becomes an ssh option.
                self.record(EventKind::Paused {
                    step: Some(id.to_owned()),
                    reason: reason.clone(),
                })?;
                return Ok(Flow::Stop(Stop::Refused {
                    step: id.to_owned(),
                    reason,
                    shown,
                }));
            }
        };
        // Where it runs, as the question and a skip name it: nothing when
        // only here; each destination otherwise, this machine as `local`.
        let remote: Vec<String> = if targets.iter().all(|target| target.ssh().is_none()) {
            Vec::new()
        } else {
            targets
                .iter()
                .map(|target| {
                    target
                        .ssh()
                        .unwrap_or(crate::model::destination::LOCAL)
                        .to_owned()
                })
                .collect()
        };
        if !command.runs_in(self.incident.drill) {
            let reason = match command.drill {
                DrillMode::SimulateSuccess => "drill: simulate-success",
                _ => "drill: skip",
            };
            self.record(EventKind::CommandSkipped {
                step: id.to_owned(),
                command: command.run.value.clone(),
                reason: reason.to_owned(),
                on: remote,
            })?;
            return Ok(self.after(step, &Progress::CommandSkipped));
        }
        if command.confirm && !consented {
            match self.ask(Some(id), Question::RunCommand(step, &remote))? {
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
                        on: remote,
                    })?;
                    return Ok(self.after(step, &Progress::CommandSkipped));
                }
                Err(flow) => return Ok(flow),
            }
        }
        // The hosts it has not run on in this attempt, in the order given.
        let left: Vec<Option<String>> = targets
            .iter()
            .map(|target| target.ssh())
            .filter(|on| !self.incident.ran_on.iter().any(|(ran, _)| ran.as_deref() == *on))
            .map(|on| on.map(str::to_owned))
            .collect();
        // One at a time unless `parallel` says, and it has several to run on.
        let width = if targets.len() > 1 { command.parallel() } else { 1 };
        let mut unreachable = Vec::new();
        for batch in left.chunks(width) {
            let ran = match batch {
                [on] if width == 1 => vec![self.run_on(step, command, on.as_deref())?],
                batch => self.run_batch(step, command, batch)?,
            };
            for one in ran {
                match one {
                    Ran::Done => {}
                    Ran::Unreachable(why) => unreachable.push(why),
                    Ran::Stop(stop) => return Ok(Flow::Stop(stop)),
                }
            }
            // A rolling change stops where it first went wrong (the batch
            // running then finishes); the hosts after it are left for a
            // retry.
            let failed =
                !unreachable.is_empty() || self.incident.ran_on.iter().any(|(_, succeeded)| !succeeded);
            if command.fail_fast && failed {
                break;
            }
        }
        if !unreachable.is_empty() {
            // Not reaching a host is not the command failing: its
            // `on_failure` is not taken; the step fails, to be retried
            // where it did not run once the host answers.
            return Ok(Flow::Fail(unreachable.join("\n")));
        }
        let succeeded = self.incident.ran_on.iter().all(|(_, succeeded)| *succeeded);
        Ok(self.after(step, &Progress::CommandFinished { succeeded }))
    }

    /// Checks, before the walk's first change, that each ssh destination
    /// its commands run on answers, and journals what each said: at start
    /// and at each resume. One named by a variable with no value yet is
    /// checked when its step runs.
    pub(super) fn preflight(&mut self) -> Result<(), JournalFailed> {
        let mut destinations: Vec<String> = Vec::new();
        for step in &self.runbook.steps {
            let StepKind::Command(command) = &step.kind else {
                continue;
            };
            if !command.runs_in(self.incident.drill) {
                continue;
            }
            for target in self.destinations(command).unwrap_or_default() {
                if let Some(on) = target.ssh()
                    && !destinations.iter().any(|known| known == on)
                {
                    destinations.push(on.to_owned());
                }
            }
        }
        for on in destinations {
            let checked = self.ports.executor.preflight(&on);
            self.record(EventKind::HostChecked {
                on,
                name: checked.as_ref().ok().cloned(),
                error: checked.err(),
            })?;
        }
        Ok(())
    }

    /// Whether `command` has destinations it has not run on in this attempt.
    pub(super) fn runs_left(&self, command: &crate::model::Command) -> bool {
        self.destinations(command).is_ok_and(|targets| {
            targets.iter().any(|target| {
                !self
                    .incident
                    .ran_on
                    .iter()
                    .any(|(ran, _)| ran.as_deref() == target.ssh())
            })
        })
    }

    /// Where `command` runs, its `on` (or the runbook's) expanded: this
    /// machine when nothing says. A value that is not a destination ssh
    /// may be given refuses the step, saying why in English (as journaled)
    /// and in the walk's language.
    pub(super) fn destinations(
        &self,
        command: &crate::model::Command,
    ) -> Result<Vec<Destination>, (String, String)> {
        let values = if command.on.is_empty() {
            &self.runbook.on
        } else {
            &command.on
        };
        if values.is_empty() {
            return Ok(vec![Destination::Local]);
        }
        let here = self.host_name.get_or_init(|| self.ports.executor.host_name());
        let mut targets: Vec<Destination> = Vec::with_capacity(values.len());
        for value in values {
            let expanded = crate::model::render(&value.value, |name| self.incident.vars.get(name).cloned());
            let target = Destination::parse(&expanded, here).map_err(|why| {
                let names: Vec<String> = crate::model::placeholders(&value.value)
                    .into_iter()
                    .filter_map(|placeholder| placeholder.name)
                    .collect();
                let said = |lang: &crate::model::Lang| {
                    let listed: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
                    let hint = match names.as_slice() {
                        [] => String::new(),
                        [name] => tr!(lang, RefusedHintOneVar, name = name),
                        _ => tr!(
                            lang,
                            RefusedHintVars,
                            names = listed.join(crate::i18n::tr(lang, crate::i18n::Msg::ListSeparator))
                        ),
                    };
                    tr!(
                        lang,
                        RefusedDestination,
                        on = value.value,
                        gives = expanded.escape_debug(),
                        why = crate::i18n::destination_why(lang, &why),
                        hint = hint
                    )
                };
                (said(&crate::model::Lang::english()), said(&self.ports.lang))
            })?;
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
        Ok(targets)
    }

    /// Runs `step`'s command once, here or on the ssh destination `on`, and
    /// journals how it ended.
    fn run_on(
        &mut self,
        step: &'a Step,
        command: &'a crate::model::Command,
        on: Option<&str>,
    ) -> Result<Ran, JournalFailed> {
        let id = step.id.value.as_str();
        if self.ports.cancel.load(Ordering::SeqCst) {
            return self.interrupted(Some(id)).map(Ran::Stop);
        }
        let on_owned = on.map(str::to_owned);
        let mut spec = self.spec(step, command);
        spec.on = on_owned.clone();
        self.record(EventKind::CommandStarted {
            step: id.to_owned(),
            command: command.run.value.clone(),
            on: on_owned.clone(),
        })?;
        // A command is an action: everything before it, its start
        // included, is on disk before its script runs. Its shell starts
        // first, held before the script (dropped on a journal error, it
        // never runs it): the one started while the command before ran, if
        // it got the environment and destination this command gets now;
        // any other is stopped before another starts.
        let ahead = self
            .ahead
            .take()
            .filter(|ahead| ahead.step == id && ahead.env == spec.env && ahead.on == on_owned);
        let prepared = match ahead {
            Some(ahead) => Ok(ahead.prepared),
            None => self.ports.executor.prepare(&spec),
        };
        self.ports.sink.sync()?;
        // Once the script runs, the next command's shell starts beside it.
        let mut next = self.next_command(step, command);
        let executor = self.ports.executor;
        let mut ahead = None;
        // A secret's own value first, then the patterns over what is left.
        let patterns = self.ports.redact.stream();
        let secrets = self.secret_forms();
        let operator = std::cell::RefCell::new(&mut *self.ports.operator);
        let mut show = |line: &str| operator.borrow_mut().output(step, line);
        // While it runs, what other writers journal (a note, a file, a
        // timer and its notice) is taken in and shown at once, not after.
        let (sink, incident, unoffered, runbook) = (
            &mut *self.ports.sink,
            &mut self.incident,
            &mut self.unoffered,
            self.runbook,
        );
        let mut idle = || {
            for event in sink.foreign() {
                incident.apply(&event);
                if let EventKind::TimerFired { timer, .. } = &event.kind {
                    unoffered.push(timer.clone());
                }
                let context = Context { runbook, incident };
                operator.borrow_mut().event(context, &event);
            }
        };
        let mut start_next = || {
            if let Some((step, spec)) = next.take() {
                // One that cannot start now is left to its turn, which
                // reports why.
                ahead = executor.prepare(&spec).ok().map(|prepared| Ahead {
                    step,
                    env: spec.env,
                    on: spec.on,
                    prepared,
                });
            }
        };
        let redact = |line: &str| patterns(&super::hide_secrets(line, &secrets));
        let result =
            prepared.and_then(|prepared| prepared.run(&redact, &mut show, &mut start_next, &mut idle));
        self.ahead = ahead;
        let outcome = outcome_of(result, on);
        if outcome.cancelled {
            // Interrupted: no result is journaled, so resume offers to run it again.
            return self.interrupted(Some(id)).map(Ran::Stop);
        }
        self.finished(step, command, on_owned, outcome)
    }

    /// Journals how `step`'s command ended here or on the ssh destination
    /// `on` (a cancelled one excepted: it has no result), and says how it
    /// went for the step.
    pub(super) fn finished(
        &mut self,
        step: &'a Step,
        command: &'a crate::model::Command,
        on: Option<String>,
        mut outcome: crate::engine::CommandOutcome,
    ) -> Result<Ran, JournalFailed> {
        let id = step.id.value.as_str();
        let unreachable = outcome.unreachable.take();
        if let Some(why) = &unreachable {
            // What ssh said goes after whatever output there was, which is
            // kept as it came.
            if !outcome.output.is_empty() && !outcome.output.ends_with('\n') {
                outcome.output.push('\n');
            }
            outcome.output.push_str(why);
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
            output: outcome.output,
            output_bytes: outcome.output_bytes,
            on,
        })?;
        Ok(unreachable.map_or(Ran::Done, Ran::Unreachable))
    }

    /// What runs for a command step.
    pub(super) fn spec(&self, step: &'a Step, command: &'a crate::model::Command) -> CommandSpec<'a> {
        CommandSpec {
            script: &command.run.value,
            env: self.environment(step),
            timeout: command.timeout.duration,
            grace: self.grace,
            cancel: self.ports.cancel,
            on: None,
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
        // Where it runs on several hosts, the next run is this step's own.
        if command.capture.is_some()
            || self
                .destinations(command)
                .map_or(true, |targets| targets.len() != 1)
        {
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
        let [target] = self.destinations(next_command).ok()?.try_into().ok()?;
        let mut spec = self.spec(next_step, next_command);
        spec.on = target.ssh().map(str::to_owned);
        Some((next, spec))
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
        // Where the incident shows a secret's marker, the command gets its value.
        vars.extend(
            self.secrets
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

/// How a command ended, from what running it gave: one that could not be
/// started at all ended there, and on an ssh destination `on` that is the
/// host not being reached.
pub(super) fn outcome_of(
    result: std::io::Result<crate::engine::CommandOutcome>,
    on: Option<&str>,
) -> crate::engine::CommandOutcome {
    match result {
        Ok(outcome) => outcome,
        Err(error) => {
            // Journaled in English, as the journal keeps words; read back
            // in the display language by `i18n::reason`.
            let english = crate::model::Lang::english();
            let why = crate::tr!(&english, CannotStartCommand, error = error);
            match on {
                // ssh could not be set up here (its socket directory,
                // the program itself): the host was not reached, which
                // is not the command failing.
                Some(on) => crate::engine::CommandOutcome {
                    unreachable: Some(crate::tr!(&english, HostNotReached, on = on, why = why)),
                    ..crate::engine::CommandOutcome::not_started(String::new())
                },
                None => crate::engine::CommandOutcome::not_started(why),
            }
        }
    }
}
