//! One step's work: asking its question, or picking up what a crash
//! left of it, and where its answer leads.

use super::*;

impl<'a> Engine<'a> {
    /// Stops what is left of the interrupted command of step `id` here or
    /// on the ssh destination `on`, and notes what was found there.
    fn stop_leftovers(&mut self, id: &str, on: Option<&str>) -> Result<(), JournalFailed> {
        let place = on.map(|on| format!(" on {on}")).unwrap_or_default();
        match self
            .ports
            .executor
            .stop_leftovers(&self.ports.incident_key, id, on)
        {
            Ok(leftovers) if leftovers.is_empty() => {}
            Ok(leftovers) => {
                let pids: Vec<String> = leftovers.iter().map(u32::to_string).collect();
                self.record(EventKind::NoteAdded {
                    text: format!(
                        "the interrupted command of step `{id}` was still running{place} (pid {}); it was stopped",
                        pids.join(", ")
                    ),
                    step: Some(id.to_owned()),
                })?;
            }
            Err(why) => {
                self.record(EventKind::NoteAdded {
                    text: format!(
                        "the interrupted command of step `{id}` may still be running{place}, which could not be checked: {why}; look for processes with RUNBOOK_INCIDENT_KEY={} RUNBOOK_STEP={id} in their environment there before running it again",
                        self.ports.incident_key
                    ),
                    step: Some(id.to_owned()),
                })?;
            }
        }
        Ok(())
    }

    /// Does the work of one step, or picks up what a crash left of it.
    pub(super) fn perform(&mut self, step: &'a Step) -> Result<Flow, JournalFailed> {
        let id = step.id.value.as_str();
        if let Some((failed, reason)) = self.incident.failed.clone()
            && failed == id
        {
            // Hosts where the command did not succeed: one that stopped
            // answering may have lost the connection with the command under
            // way, and it may run on there.
            let failed_on: Vec<String> = self
                .incident
                .ran_on
                .iter()
                .filter(|(_, succeeded)| !succeeded)
                .filter_map(|(on, _)| on.clone())
                .collect();
            match self.ask(Some(id), Question::Retry(step, &reason))? {
                // The fold clears the step's progress for a retry and marks
                // it passed otherwise.
                Ok(decision) => {
                    self.decided(id, "retry", &decision)?;
                    if decision.value == Value::YesNo(true) && matches!(step.kind, StepKind::Command(_)) {
                        // What is left of it there is stopped before it
                        // runs there again.
                        for on in &failed_on {
                            self.stop_leftovers(id, Some(on))?;
                        }
                        // Asked to retry a command: that is the consent.
                        return self.command(step, true);
                    }
                }
                Err(flow) => return Ok(flow),
            }
        }
        // A command cut short on one of several hosts has progress from the
        // hosts before it: what is left of it there is seen to first.
        let unfinished = self.incident.unfinished_on(id);
        if let Some(progress) = self.incident.progress.clone().filter(|_| unfinished.is_empty()) {
            // A crash may have come between the choice and its severity.
            self.chosen_severity(step, &progress)?;
            if let (StepKind::Command(command), Progress::CommandFinished { .. }) = (&step.kind, &progress)
                && self.runs_left(command)
            {
                // It ran on some of its hosts when the walk stopped: on
                // with the others, as consented before.
                return self.command(step, true);
            }
            return Ok(self.after(step, &progress));
        }
        if !unfinished.is_empty() {
            // Its runner died, but the command may not have: never let two
            // copies of one command run at once, on any host it was
            // running on.
            for on in &unfinished {
                self.stop_leftovers(id, on.as_deref())?;
            }
            match self.ask(Some(id), Question::Unfinished(step))? {
                Ok(decision) if decision.value == Value::YesNo(false) => {
                    self.decided(id, "unfinished", &decision)?;
                    self.record(EventKind::CommandSkipped {
                        step: id.to_owned(),
                        command: command_of(step),
                        reason: "marked done after an interrupted run".to_owned(),
                        // As a skip names where it did not run: nothing when
                        // only here, this machine as `local` beside hosts.
                        on: if unfinished.iter().all(Option::is_none) {
                            Vec::new()
                        } else {
                            unfinished
                                .into_iter()
                                .map(|on| on.unwrap_or_else(|| crate::model::destination::LOCAL.to_owned()))
                                .collect()
                        },
                    })?;
                    return Ok(self.success(step));
                }
                Ok(decision) => {
                    self.decided(id, "unfinished", &decision)?;
                    return self.command(step, true);
                }
                Err(flow) => return Ok(flow),
            }
        }

        match &step.kind {
            StepKind::End { outcome } => {
                self.record(EventKind::Ended {
                    step: id.to_owned(),
                    outcome: *outcome,
                })?;
                Ok(Flow::Stop(Stop::Ended(*outcome)))
            }
            StepKind::Command(_) => self.command(step, false),
            StepKind::Notify { to, message, .. } => self.notify(step, to, message.as_ref()),
            _ => {
                let decision = match self.ask(Some(id), Question::Step(step))? {
                    Ok(decision) => decision,
                    Err(flow) => return Ok(flow),
                };
                if step.note_required && decision.note.as_deref().is_none_or(|note| note.trim().is_empty()) {
                    // Whoever asks took an answer without the note the
                    // plan requires: it is not taken.
                    let reason = format!("step `{id}` needs a note with its answer");
                    self.record(EventKind::Paused {
                        step: Some(id.to_owned()),
                        reason: reason.clone(),
                    })?;
                    return Ok(Flow::Stop(Stop::Paused {
                        step: Some(id.to_owned()),
                        reason,
                    }));
                }
                let Some(answer) = to_answer(step, &decision.value) else {
                    // An answer that does not fit the step: ask again next time.
                    let reason = format!("the answer does not fit step `{id}`");
                    self.record(EventKind::Paused {
                        step: Some(id.to_owned()),
                        reason: reason.clone(),
                    })?;
                    return Ok(Flow::Stop(Stop::Paused {
                        step: Some(id.to_owned()),
                        reason,
                    }));
                };
                // The variable first: a crash between the two then asks the
                // question again, instead of going on without the value.
                if let (StepKind::Input { var, .. }, Answer::Text { value }) = (&step.kind, &answer) {
                    self.record(EventKind::VarSet {
                        name: var.value.clone(),
                        value: value.clone(),
                        step: Some(id.to_owned()),
                    })?;
                }
                self.record(EventKind::StepAnswered {
                    step: id.to_owned(),
                    answer: answer.clone(),
                    source: decision.source,
                    note: decision.note,
                    question: None,
                })?;
                let progress = Progress::Answered { answer };
                self.chosen_severity(step, &progress)?;
                Ok(self.after(step, &progress))
            }
        }
    }

    /// Sets the severity the chosen option of a choice names, if it names
    /// one; nothing when the incident is at that level already.
    fn chosen_severity(&mut self, step: &Step, progress: &Progress) -> Result<(), JournalFailed> {
        if let (
            StepKind::Choice { options },
            Progress::Answered {
                answer: Answer::Option { index, .. },
            },
        ) = (&step.kind, progress)
            && let Some(level) = options.get(*index).and_then(|option| option.severity.as_ref())
        {
            let reason = format!("chosen at step `{}`: option {}", step.id.value, index + 1);
            self.change_severity(&level.value, Some(reason))?;
        }
        Ok(())
    }

    /// Where a step leads, given what happened at it.
    pub(super) fn after(&self, step: &Step, progress: &Progress) -> Flow {
        let next = |target: &Option<crate::model::Located<String>>| match target {
            Some(target) => Flow::Goto(target.value.clone()),
            None => Flow::Fail(format!("step `{}` has nowhere to go", step.id.value)),
        };
        match (&step.kind, progress) {
            (StepKind::Instruction { next: to, on_failure }, Progress::Answered { answer }) => match answer {
                Answer::Result {
                    result: StepResult::Failed,
                } => match on_failure {
                    Some(target) => Flow::Goto(target.value.clone()),
                    None => Flow::Fail(format!("step `{}` was marked failed", step.id.value)),
                },
                _ => next(to),
            },
            (
                StepKind::Confirm { yes, no },
                Progress::Answered {
                    answer: Answer::YesNo { yes: said },
                },
            ) => next(if *said { yes } else { no }),
            (
                StepKind::Choice { options },
                Progress::Answered {
                    answer: Answer::Option { index, .. },
                },
            ) => match options.get(*index) {
                Some(option) => Flow::Goto(option.goto.value.clone()),
                None => Flow::Fail(format!("step `{}` has no option {}", step.id.value, index + 1)),
            },
            (
                StepKind::Checklist { next: to, on_any, .. },
                Progress::Answered {
                    answer: Answer::Ticked { items },
                },
            ) => match on_any {
                Some(target) if !items.is_empty() => Flow::Goto(target.value.clone()),
                _ => next(to),
            },
            (StepKind::Command(command), Progress::CommandFinished { succeeded: false }) => {
                match &command.on_failure {
                    Some(target) => Flow::Goto(target.value.clone()),
                    None => Flow::Fail(format!("the command of step `{}` failed", step.id.value)),
                }
            }
            (StepKind::End { outcome }, _) => Flow::Stop(Stop::Ended(*outcome)),
            (_, Progress::Passed) => self.success(step),
            _ => self.success(step),
        }
    }

    /// Where a step leads when it went well.
    pub(super) fn success(&self, step: &Step) -> Flow {
        let target = match &step.kind {
            StepKind::Instruction { next, .. }
            | StepKind::Input { next, .. }
            | StepKind::Checklist { next, .. }
            | StepKind::Notify { next, .. } => next.as_ref(),
            StepKind::Command(command) => command.next.as_ref(),
            StepKind::Confirm { yes, .. } => yes.as_ref(),
            StepKind::Choice { options } => options.first().map(|option| &option.goto),
            StepKind::End { outcome } => return Flow::Stop(Stop::Ended(*outcome)),
        };
        match target {
            Some(target) => Flow::Goto(target.value.clone()),
            None => Flow::Fail(format!("step `{}` has nowhere to go", step.id.value)),
        }
    }
}

/// Turns a decision into the journaled answer, if it fits the step.
fn to_answer(step: &Step, value: &Value) -> Option<Answer> {
    match (&step.kind, value) {
        (StepKind::Instruction { .. }, Value::Result(result)) => Some(Answer::Result { result: *result }),
        (StepKind::Confirm { .. }, Value::YesNo(yes)) => Some(Answer::YesNo { yes: *yes }),
        (StepKind::Choice { options }, Value::Option(index)) => {
            options.get(*index).map(|option| Answer::Option {
                index: *index,
                label: option.label.get(&Lang::english()).to_owned(),
            })
        }
        (StepKind::Input { pattern, .. }, Value::Text(text)) => {
            matches_pattern(pattern.as_ref().map(|p| p.value.as_str()), text)
                .then(|| Answer::Text { value: text.clone() })
        }
        (StepKind::Checklist { items, .. }, Value::Ticked(ticked)) => ticked
            .iter()
            .all(|&index| index < items.len())
            .then(|| Answer::Ticked {
                items: ticked.clone(),
            }),
        _ => None,
    }
}
