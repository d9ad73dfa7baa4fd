//! A menu for answers that change a server (run a command, run it again):
//! no single stray key picks the answer that does.
//!
//! dialoguer's `Select` takes Space as well as Enter and starts where it is
//! told, so one Space at "Run this command?" ran `systemctl restart`. This
//! menu starts on the answer that changes nothing, ignores Space and every
//! key it does not name, and takes the choice only on Enter; `y` and `n`
//! move to the answer they stand for without taking it. Keys typed before
//! it is drawn are discarded ([`discard_typeahead`]).

use console::{Key, Term, style};
use dialoguer::theme::{ColorfulTheme, Theme};

/// What the operator did at a guarded menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picked {
    /// The index of an answer.
    Item(usize),
    /// Esc: nothing picked; ask again.
    Nothing,
}

/// Asks `prompt` with `items`, the cursor on the first. `yes` is the index
/// `y` moves to, `no` the one `n` moves to. An error is Ctrl-C or a lost
/// terminal.
pub fn select(
    term: &Term,
    theme: &ColorfulTheme,
    prompt: &str,
    items: &[String],
    (yes, no): (usize, usize),
    hint: &str,
) -> std::io::Result<Picked> {
    discard_typeahead();
    let mut cursor = 0;
    let _ = term.hide_cursor();
    let drawn = draw(term, theme, prompt, items, cursor, hint)?;
    let result = loop {
        let key = match term.read_key() {
            Ok(key) => key,
            Err(error) => break Err(error),
        };
        let moved = match key {
            Key::Enter => break Ok(Picked::Item(cursor)),
            Key::Escape => break Ok(Picked::Nothing),
            Key::CtrlC => break Err(std::io::Error::from(std::io::ErrorKind::Interrupted)),
            Key::ArrowDown | Key::Tab | Key::Char('j') => (cursor + 1) % items.len(),
            Key::ArrowUp | Key::BackTab | Key::Char('k') => (cursor + items.len() - 1) % items.len(),
            Key::Char('y' | 'Y') => yes,
            Key::Char('n' | 'N') => no,
            _ => cursor,
        };
        if moved != cursor {
            cursor = moved;
            term.clear_last_lines(drawn)?;
            draw(term, theme, prompt, items, cursor, hint)?;
        }
    };
    let _ = term.show_cursor();
    term.clear_last_lines(drawn)?;
    if let Ok(Picked::Item(index)) = result {
        let mut line = String::new();
        let _ = theme.format_select_prompt_selection(&mut line, prompt, &items[index]);
        term.write_line(&line)?;
    }
    result
}

/// Draws the menu; the number of lines drawn.
fn draw(
    term: &Term,
    theme: &ColorfulTheme,
    prompt: &str,
    items: &[String],
    cursor: usize,
    hint: &str,
) -> std::io::Result<usize> {
    let mut line = String::new();
    let _ = theme.format_select_prompt(&mut line, prompt);
    term.write_line(&line)?;
    for (index, item) in items.iter().enumerate() {
        let mut line = String::new();
        let _ = theme.format_select_prompt_item(&mut line, item, index == cursor);
        term.write_line(&line)?;
    }
    term.write_line(&style(hint).dim().to_string())?;
    Ok(items.len() + 2)
}

/// Throws away what was typed at the terminal and not yet read: keys
/// pressed while a command ran answer nothing that was not on the screen.
pub fn discard_typeahead() {
    #[allow(clippy::disallowed_methods)] // only flushes the terminal's queue, reads nothing
    let stdin = std::io::stdin();
    if std::io::IsTerminal::is_terminal(&stdin) {
        let _ = rustix::termios::tcflush(&stdin, rustix::termios::QueueSelector::IFlush);
    }
}
