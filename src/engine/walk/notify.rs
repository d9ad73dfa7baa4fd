//! Telling people: severity notices, escalation timers (fired when due,
//! or all at once by hand) and notify steps, each journaled before and
//! after it goes out.

use super::timers::Firing;
use super::*;

impl<'a> Engine<'a> {
    /// Timers that fired without their notification on record (a crash in
    /// between): deliver now. Only when a walk starts: while it runs, the
    /// timer thread's delivery may still be on its way.
    pub(super) fn notify_fired_timers(&mut self) -> Result<(), JournalFailed> {
        let runbook = self.runbook;
        let silent = runbook
            .timers
            .iter()
            .filter(|timer| self.incident.timer_unnotified(&timer.id.value));
        for timer in silent.collect::<Vec<_>>() {
            self.notify_timer(timer, false)?;
        }
        Ok(())
    }

    /// Sends the severity notification a crash kept from going out.
    pub(super) fn notify_unannounced_severity(&mut self) -> Result<(), JournalFailed> {
        match self.incident.unannounced_severity.clone() {
            Some(notice) => self.notify_severity(notice.from.as_deref()),
            None => Ok(()),
        }
    }

    /// Sends a fired timer's notification (none when it names nobody),
    /// after its firing is on disk.
    pub(super) fn notify_timer(&mut self, timer: &Timer, by_hand: bool) -> Result<(), JournalFailed> {
        if timer.notify.is_empty() {
            return Ok(());
        }
        self.send(|runbook, incident, notifier, lang| {
            crate::engine::fire::timer_notification(runbook, incident, timer, notifier, lang, by_hand)
        })
    }

    /// Changes the severity and tells whoever the new level names.
    pub(super) fn change_severity(
        &mut self,
        level: &str,
        reason: Option<String>,
    ) -> Result<(), JournalFailed> {
        if level == self.incident.severity || self.runbook.severity(level).is_none() {
            return Ok(());
        }
        let from = self.incident.severity.clone();
        self.record(EventKind::SeverityChanged {
            from: from.clone(),
            to: level.to_owned(),
            reason,
        })?;
        self.notify_severity(Some(&from))
    }

    /// Tells the contacts of the incident's severity level, if it names
    /// any, that it opened at (`from` is `None`) or was raised to it.
    pub(super) fn notify_severity(&mut self, from: Option<&str>) -> Result<(), JournalFailed> {
        let names_contacts = self
            .runbook
            .severity(&self.incident.severity)
            .is_some_and(|level| !level.notify.is_empty());
        if !names_contacts {
            return Ok(());
        }
        self.send(|runbook, incident, notifier, lang| {
            crate::engine::fire::severity_notification(runbook, incident, from, notifier, lang)
        })
    }

    /// Sends a notification through the notifier, journaling the outcome.
    pub(super) fn deliver(
        &mut self,
        step: Option<&str>,
        timer: Option<&str>,
        contacts: &[String],
        subject: String,
        message: String,
    ) -> Result<(), JournalFailed> {
        self.send(|runbook, incident, notifier, lang| {
            crate::engine::fire::deliver(
                runbook,
                incident,
                notifier,
                (step, timer),
                contacts,
                (subject, message),
                lang,
            )
        })
    }

    /// Sends what `notifications` makes (see [`super::fire`]), once every
    /// event before it is on disk, and journals how each went.
    pub(super) fn send(
        &mut self,
        notifications: impl FnOnce(&Runbook, &Incident, Option<&dyn Notifier>, &Lang) -> Vec<EventKind>,
    ) -> Result<(), JournalFailed> {
        self.ports.sink.sync()?;
        let kinds = notifications(
            self.runbook,
            &self.incident,
            self.ports.notifier,
            &self.ports.lang,
        );
        for kind in kinds {
            self.record(kind)?;
        }
        Ok(())
    }

    /// Fires the timers that are due (all pending ones when `now_all`),
    /// and offers the first one's step.
    pub(super) fn fire_timers(&mut self, now_all: bool) -> Result<Option<Flow>, JournalFailed> {
        let now = self.ports.clock.now();
        self.absorb();
        let due = timers::due(self.runbook, &self.incident, now);
        let fire: Vec<Firing<'_>> = if now_all {
            // "Escalate now": every timer not fired or cancelled, counting
            // or not; the ones not due yet are fired by hand, and said so.
            let all = timers::unfired(self.runbook, &self.incident);
            if all.is_empty() {
                let text = crate::tr!(&self.ports.lang, NothingToEscalate);
                self.ports.operator.warn(text);
            }
            // And the repeats of timers that fired before, due anyway.
            let repeats: Vec<Firing<'_>> = due
                .iter()
                .filter(|due| !all.iter().any(|timer| timer.id.value == due.timer.id.value))
                .copied()
                .collect();
            all.into_iter()
                .map(|timer| Firing { timer, repeat: None })
                .chain(repeats)
                .collect()
        } else {
            due.clone()
        };
        for Firing { timer, repeat } in fire {
            let by_hand = now_all && !due.iter().any(|due| due.timer.id.value == timer.id.value);
            // Another writer (a timer thread, `runbook check`) may have
            // fired it a moment ago; then it arrives as a foreign event.
            self.absorb();
            let now = self.ports.clock.now();
            match self.ports.sink.record_timer_fired(now, &timer.id.value, repeat)? {
                Some(event) => self.apply(&event),
                None => {
                    self.absorb();
                    continue;
                }
            }
            if by_hand {
                self.record(EventKind::NoteAdded {
                    text: crate::tr!(
                        &self.ports.lang,
                        EscalatedByHandNote,
                        timer = timer.id.value,
                        after = crate::i18n::period(&self.ports.lang, &timer.after.text)
                    ),
                    step: self.incident.current.clone(),
                })?;
            }
            self.notify_timer(timer, by_hand)?;
        }
        // Offer the step of the first timer that fired, here or in the
        // background, and has not been offered yet.
        let offer = loop {
            if self.unoffered.is_empty() {
                break None;
            }
            let id = self.unoffered.remove(0);
            let Some(timer) = self.runbook.timers.iter().find(|timer| timer.id.value == id) else {
                continue;
            };
            if let Some(goto) = &timer.goto
                && self.incident.current.as_deref() != Some(goto.value.as_str())
            {
                break Some((timer, goto.value.clone()));
            }
        };
        let Some((timer, goto)) = offer else {
            return Ok(None);
        };
        let Some(target) = self.runbook.step(&goto) else {
            return Ok(None);
        };
        match self.ask(
            self.incident.current.clone().as_deref(),
            Question::TimerOffer(timer, target),
        )? {
            Ok(decision) => {
                self.decided(&timer.id.value, "timer-offer", &decision)?;
                Ok((decision.value == Value::YesNo(true)).then_some(Flow::Goto(goto)))
            }
            Err(flow) => Ok(Some(flow)),
        }
    }

    /// Asks, once per walk, whether the people of each notice that went to
    /// nobody were told by hand, and journals what the operator says:
    /// `notification-sent` by hand (with how), or `notification-failed` by
    /// hand (not reached). Notify steps ask for themselves.
    ///
    /// A notice that failed with two notifiers is asked about once. A note
    /// or a file given at the question is kept and the question asked
    /// again; "later" leaves it to be told (`runbook told`). What else the
    /// operator does there (pause, abort, Ctrl-C, a severity, escalate) is
    /// returned, for the question it came before to act on.
    pub(super) fn ask_told(&mut self) -> Result<Option<Reply>, JournalFailed> {
        let mut due: Vec<crate::model::Undelivered> = Vec::new();
        for pending in &self.incident.undelivered {
            let EventKind::NotificationFailed {
                step: None,
                timer,
                to,
                ..
            } = &pending.failed
            else {
                continue;
            };
            if self.told_asked.contains(&pending.failed) {
                continue;
            }
            let same = |other: &crate::model::Undelivered| {
                matches!(&other.failed, EventKind::NotificationFailed { step: None, timer: t, to: people, .. }
                    if t == timer && people == to)
            };
            if due.iter().any(same) {
                // The same people, failed by another notifier: one question.
                self.told_asked.push(pending.failed.clone());
            } else {
                due.push(pending.clone());
            }
        }
        for pending in due {
            let people: Vec<&Contact> = pending
                .to()
                .iter()
                .filter_map(|id| self.runbook.contact(id))
                .collect();
            loop {
                self.ports.sink.sync()?;
                let context = Context {
                    runbook: self.runbook,
                    incident: &self.incident,
                };
                let reply = self
                    .ports
                    .operator
                    .ask(context, Question::Told(&pending, &people));
                match reply {
                    Reply::Answer(decision) => {
                        self.told_asked.push(pending.failed.clone());
                        let told = match decision.value {
                            Value::Result(StepResult::Done) => pending.told(decision.note, None),
                            Value::Result(StepResult::Failed) => pending.told(
                                None,
                                Some(decision.note.unwrap_or_else(|| "could not be reached".to_owned())),
                            ),
                            _ => None,
                        };
                        if let Some(told) = told {
                            self.record(told)?;
                        }
                        break;
                    }
                    Reply::Note(text) => {
                        self.record(EventKind::NoteAdded { text, step: None })?;
                    }
                    Reply::Attach(file) => self.attach(&file)?,
                    // Later, or nobody to ask: it stays on the list.
                    Reply::Unanswered => {
                        self.told_asked.push(pending.failed.clone());
                        break;
                    }
                    // Something happened beside the walk: it is shown and
                    // offered first, then this is asked again.
                    Reply::Woken => return Ok(Some(Reply::Woken)),
                    other => {
                        self.told_asked.push(pending.failed.clone());
                        return Ok(Some(other));
                    }
                }
            }
        }
        Ok(None)
    }

    pub(super) fn notify(
        &mut self,
        step: &'a Step,
        to: &[crate::model::Located<String>],
        message: Option<&crate::model::Text>,
    ) -> Result<Flow, JournalFailed> {
        let id = step.id.value.as_str();
        let contacts: Vec<String> = to.iter().map(|c| c.value.clone()).collect();
        let title = step.title.get(&self.ports.lang).to_owned();
        let subject = format!(
            "[{}] {}: {}",
            self.incident.id,
            self.runbook.title.get(&self.ports.lang),
            self.render(&title, Some(id))
        );
        let text = message.map_or(title, |message| message.get(&self.ports.lang).to_owned());
        let text = self.render(&text, Some(id));
        if self.ports.notifier.is_some() {
            self.deliver(Some(id), None, &contacts, subject, text)?;
            return Ok(self.after(step, &Progress::Notified));
        }
        // No notifier: a person makes the calls and says so, passing on
        // what a notifier would have sent.
        let (subject, text) = crate::engine::fire::marked(&self.incident, &subject, &text, &self.ports.lang);
        let people: Vec<&Contact> = contacts
            .iter()
            .filter_map(|id| self.runbook.contact(id))
            .collect();
        let decision = match self.ask(Some(id), Question::Notified(step, &people, &text))? {
            Ok(decision) => decision,
            Err(flow) => return Ok(flow),
        };
        self.decided(id, "notified", &decision)?;
        match decision.value {
            Value::Result(StepResult::Done) => {
                self.record(EventKind::NotificationSent {
                    step: Some(id.to_owned()),
                    timer: None,
                    to: contacts,
                    via: "by-hand".to_owned(),
                    subject,
                    message: text,
                    how: decision.note,
                })?;
            }
            // Not reached: on record, and the incident goes on, as with a
            // failed delivery.
            Value::Result(StepResult::Failed) => {
                self.record(EventKind::NotificationFailed {
                    step: Some(id.to_owned()),
                    timer: None,
                    to: contacts,
                    via: "by-hand".to_owned(),
                    subject,
                    message: text,
                    error: decision.note.unwrap_or_else(|| "could not be reached".to_owned()),
                })?;
            }
            _ => {}
        }
        Ok(self.after(step, &Progress::Notified))
    }
}
