//! The walk's prompts: menus, checklists and text answers that keep
//! listening while they wait.
//!
//! dialoguer's prompts block in a read nobody can wake, so a timer that
//! fired, a note from another terminal or a retried notification showed
//! only after the next answer. These prompts hold the terminal in raw mode
//! (output left as it was), wait for a key at most [`TICK`] at a time, and
//! in between redraw their first line (the next timer's countdown) and ask
//! [`Prompter::news`] whether something happened beside the walk: then they
//! clear themselves and return [`Answer::Woken`], so that the engine takes
//! it in, shows it, offers what fired, and asks again. They draw with
//! dialoguer's theme, so they look like the other prompts.
//!
//! No single stray key picks an answer: Space never picks (in a checklist
//! it ticks), keys the prompt does not name do nothing, and keys typed
//! before a prompt was drawn are discarded ([`discard_typeahead`]).

use crate::model::SECRET_MARKER;
use console::{Key, Term, measure_text_width, style};
use dialoguer::theme::{ColorfulTheme, Theme};
use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// How long a prompt waits for a key before it looks around.
const TICK: Duration = Duration::from_millis(200);

/// Where prompts draw, and what they watch while they wait.
pub struct Prompter<'a> {
    pub term: &'a Term,
    pub theme: &'a ColorfulTheme,
    /// Whether something was journaled beside the walk that is not shown
    /// yet.
    pub news: &'a dyn Fn() -> bool,
    /// A line above the prompt that changes with time (the next timer's
    /// countdown), redrawn every second.
    pub status: &'a dyn Fn() -> Option<String>,
}

/// How a prompt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Given(T),
    /// Esc: nothing given; ask again.
    Escaped,
    /// Something happened beside the walk: show it, then ask again.
    Woken,
}

/// What a key did to a prompt.
enum Turn<T> {
    Stay,
    Redraw,
    Done(Answer<T>),
}

/// A menu of `items`, the cursor on `start`. `shortcuts` move the cursor
/// (`y` to the answer that does it) without picking; only Enter picks.
impl Prompter<'_> {
    pub fn menu(
        &self,
        prompt: &str,
        items: &[String],
        start: usize,
        shortcuts: &[(char, usize)],
        hint: Option<&str>,
    ) -> io::Result<Answer<usize>> {
        let start = start.min(items.len().saturating_sub(1));
        let frame = |cursor: &usize| {
            let mut lines = vec![format_with(|f| self.theme.format_select_prompt(f, prompt))];
            for (index, item) in items.iter().enumerate() {
                lines.push(format_with(|f| {
                    self.theme.format_select_prompt_item(f, item, index == *cursor)
                }));
            }
            lines.extend(hint.map(|hint| style(hint).dim().to_string()));
            lines
        };
        let on_key = |cursor: &mut usize, key: Key| {
            let moved = match key {
                Key::Enter => return Turn::Done(Answer::Given(*cursor)),
                Key::Escape => return Turn::Done(Answer::Escaped),
                Key::ArrowDown | Key::Tab | Key::Char('j') => (*cursor + 1) % items.len(),
                Key::ArrowUp | Key::BackTab | Key::Char('k') => (*cursor + items.len() - 1) % items.len(),
                Key::Char(c) => shortcuts
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(&c))
                    .map_or(*cursor, |(_, index)| *index),
                _ => return Turn::Stay,
            };
            if moved == *cursor {
                Turn::Stay
            } else {
                *cursor = moved;
                Turn::Redraw
            }
        };
        let picked = self.run(false, start, on_key, frame)?;
        if let Answer::Given(index) = &picked {
            self.term.write_line(&format_with(|f| {
                self.theme
                    .format_select_prompt_selection(f, prompt, &items[*index])
            }))?;
        }
        Ok(picked)
    }

    /// A checklist of `items`, none ticked: Space ticks, Enter takes what is
    /// ticked.
    pub fn checklist(&self, prompt: &str, items: &[String]) -> io::Result<Answer<Vec<usize>>> {
        let frame = |(cursor, ticked): &(usize, Vec<bool>)| {
            let mut lines = vec![format_with(|f| self.theme.format_multi_select_prompt(f, prompt))];
            for (index, item) in items.iter().enumerate() {
                lines.push(format_with(|f| {
                    self.theme
                        .format_multi_select_prompt_item(f, item, ticked[index], index == *cursor)
                }));
            }
            lines
        };
        let on_key = |(cursor, ticked): &mut (usize, Vec<bool>), key: Key| {
            match key {
                Key::Enter => {
                    let chosen: Vec<usize> = (0..items.len()).filter(|&index| ticked[index]).collect();
                    return Turn::Done(Answer::Given(chosen));
                }
                Key::Escape => return Turn::Done(Answer::Escaped),
                Key::ArrowDown | Key::Tab | Key::Char('j') => *cursor = (*cursor + 1) % items.len(),
                Key::ArrowUp | Key::BackTab | Key::Char('k') => {
                    *cursor = (*cursor + items.len() - 1) % items.len();
                }
                Key::Char(' ') => ticked[*cursor] = !ticked[*cursor],
                _ => return Turn::Stay,
            }
            Turn::Redraw
        };
        let answer = self.run(false, (0, vec![false; items.len()]), on_key, frame)?;
        if let Answer::Given(chosen) = &answer {
            let names: Vec<&str> = chosen.iter().map(|&index| items[index].as_str()).collect();
            self.term.write_line(&format_with(|f| {
                self.theme.format_multi_select_prompt_selection(f, prompt, &names)
            }))?;
        }
        Ok(answer)
    }

    /// A line of text; Enter on nothing takes `default`. `check` says what is
    /// wrong with an answer, which is then shown under it and not taken.
    /// `hint` follows the prompt while it asks, not on the answered line.
    /// `hidden`: what is typed is not shown (a secret), and the answered
    /// line shows [`SECRET_MARKER`] instead.
    pub fn text(
        &self,
        prompt: &str,
        hint: &str,
        default: Option<&str>,
        hidden: bool,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> io::Result<Answer<String>> {
        let asking = format!("{prompt} {}", style(hint).dim());
        let frame = |(typed, problem): &(String, Option<String>)| {
            let mut lines = Vec::new();
            lines.extend(
                problem
                    .as_ref()
                    .map(|problem| format_with(|f| self.theme.format_error(f, problem))),
            );
            lines.push(format!(
                "{}{}",
                format_with(|f| self.theme.format_input_prompt(f, &asking, default)),
                if hidden {
                    String::new()
                } else {
                    super::sanitize_line(typed).into_owned()
                }
            ));
            lines
        };
        let on_key = |(typed, problem): &mut (String, Option<String>), key: Key| {
            match key {
                Key::Enter => {
                    let value = match default {
                        Some(default) if typed.is_empty() => default.to_owned(),
                        _ => typed.clone(),
                    };
                    match check(&value) {
                        Ok(()) => return Turn::Done(Answer::Given(value)),
                        Err(error) => *problem = Some(error),
                    }
                }
                Key::Escape => return Turn::Done(Answer::Escaped),
                Key::Backspace => {
                    typed.pop();
                }
                Key::Char(c) if !c.is_control() => typed.push(c),
                _ => return Turn::Stay,
            }
            Turn::Redraw
        };
        let answer = self.run(true, (String::new(), None), on_key, frame)?;
        if let Answer::Given(value) = &answer {
            let shown = if hidden {
                SECRET_MARKER.into()
            } else {
                super::sanitize_line(value)
            };
            self.term.write_line(&format_with(|f| {
                self.theme.format_input_prompt_selection(f, prompt, &shown)
            }))?;
        }
        Ok(answer)
    }

    /// The loop every prompt shares: draws `frame(&state)` under the status
    /// line, feeds keys to `on_key`, and redraws once no more keys wait (a
    /// paste is one redraw, not one a character); between keys it looks for
    /// news and keeps the status line current. `cursor_at_end`: the cursor
    /// stays at the end of the last line (text) instead of hidden (menus).
    fn run<T, S>(
        &self,
        cursor_at_end: bool,
        mut state: S,
        mut on_key: impl FnMut(&mut S, Key) -> Turn<T>,
        frame: impl Fn(&S) -> Vec<String>,
    ) -> io::Result<Answer<T>> {
        discard_typeahead();
        let raw = RawMode::enter();
        if !cursor_at_end {
            let _ = self.term.hide_cursor();
        }
        let draw = |status: &Option<String>, lines: Vec<String>| -> io::Result<Drawn> {
            let mut all: Vec<String> = status
                .iter()
                .map(|line| style(line).yellow().to_string())
                .collect();
            all.extend(lines);
            Drawn::draw(self.term, all, cursor_at_end)
        };
        let mut status = (self.status)();
        let mut drawn = draw(&status, frame(&state))?;
        let mut last_status = Instant::now();
        let mut dirty = false;
        let answer = loop {
            let key = match &raw {
                Some(_) if !ready(if dirty { Duration::ZERO } else { TICK })? => None,
                _ => Some(self.term.read_key()),
            };
            match key {
                Some(Ok(key)) => {
                    match on_key(&mut state, key) {
                        Turn::Done(answer) => break answer,
                        Turn::Redraw => dirty = true,
                        Turn::Stay => {}
                    }
                    if raw.is_some() {
                        continue;
                    }
                }
                Some(Err(error)) => {
                    drawn.clear(self.term)?;
                    let _ = self.term.show_cursor();
                    return Err(error);
                }
                None if (self.news)() => break Answer::Woken,
                None => {}
            }
            if last_status.elapsed() >= Duration::from_secs(1) {
                last_status = Instant::now();
                let now = (self.status)();
                dirty |= now != status;
                status = now;
            }
            if dirty {
                drawn.clear(self.term)?;
                drawn = draw(&status, frame(&state))?;
                dirty = false;
            }
        };
        drawn.clear(self.term)?;
        let _ = self.term.show_cursor();
        drop(raw);
        Ok(answer)
    }
}

/// What a prompt drew, to take it off the screen again.
struct Drawn {
    /// Screen rows, counting the ones long lines wrap onto.
    rows: usize,
    cursor_at_end: bool,
}

impl Drawn {
    fn draw(term: &Term, lines: Vec<String>, cursor_at_end: bool) -> io::Result<Drawn> {
        let columns = usize::from(term.size().1).max(1);
        let rows = lines
            .iter()
            .map(|line| measure_text_width(line).max(1).div_ceil(columns))
            .sum();
        let last = lines.len().saturating_sub(1);
        for (index, line) in lines.iter().enumerate() {
            if cursor_at_end && index == last {
                term.write_str(line)?;
            } else {
                term.write_line(line)?;
            }
        }
        term.flush()?;
        Ok(Drawn { rows, cursor_at_end })
    }

    fn clear(&self, term: &Term) -> io::Result<()> {
        if self.cursor_at_end {
            // The cursor is on the last row drawn, not under it.
            term.clear_line()?;
            term.clear_last_lines(self.rows.saturating_sub(1))
        } else {
            term.clear_last_lines(self.rows)
        }
    }
}

/// Whether a key is waiting on stdin, after waiting up to `timeout`.
fn ready(timeout: Duration) -> io::Result<bool> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    #[allow(clippy::disallowed_methods)] // polled, then read by console's key reader
    let stdin = std::io::stdin();
    let timeout = Timespec {
        tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    match poll(&mut fds, Some(&timeout)) {
        Ok(count) => Ok(count > 0),
        // A signal (a resize, Ctrl-C's handler) ends the wait early.
        Err(rustix::io::Errno::INTR) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// The terminal in raw mode for as long as this lives, output processing
/// kept (newlines still return the carriage): keys arrive one by one and
/// are not echoed, so a prompt can wait for one with a timeout.
struct RawMode {
    saved: rustix::termios::Termios,
}

impl RawMode {
    /// `None` when stdin is not a terminal (the prompt then just reads).
    fn enter() -> Option<RawMode> {
        use rustix::termios::{OptionalActions, tcgetattr, tcsetattr};
        #[allow(clippy::disallowed_methods)] // its modes only; keys are read by console
        let stdin = std::io::stdin();
        let saved = tcgetattr(stdin.as_fd()).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        raw.output_modes = saved.output_modes;
        tcsetattr(stdin.as_fd(), OptionalActions::Drain, &raw).ok()?;
        Some(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        use rustix::termios::{OptionalActions, tcsetattr};
        #[allow(clippy::disallowed_methods)] // restores its modes
        let stdin = std::io::stdin();
        let _ = tcsetattr(stdin.as_fd(), OptionalActions::Drain, &self.saved);
    }
}

/// Throws away what was typed at the terminal and not yet read: keys
/// pressed while a command ran answer nothing that was not on the screen.
fn discard_typeahead() {
    #[allow(clippy::disallowed_methods)] // only flushes the terminal's queue, reads nothing
    let stdin = std::io::stdin();
    if std::io::IsTerminal::is_terminal(&stdin) {
        let _ = rustix::termios::tcflush(&stdin, rustix::termios::QueueSelector::IFlush);
    }
}

fn format_with(write: impl FnOnce(&mut String) -> std::fmt::Result) -> String {
    let mut out = String::new();
    let _ = write(&mut out);
    out
}
