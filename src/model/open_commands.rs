//! Which `command-started` a `command-finished` ends: the one rule every
//! reader of a journal pairs them by (the incident's fold, the record, its
//! report, the output pager), so that they cannot disagree.
//!
//! A result names its step and, since results name their host, the ssh
//! destination it ran on (`on`, absent for here); it ends the command of
//! that step started last on that host. A journal written before results
//! named their host has one open per step at a time, started last: a
//! result with no start on its host ends that one.

use serde::Serialize;

/// A command journaled as started with no result yet, and what its reader
/// keeps of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenCommand<T> {
    pub step: String,
    /// Its ssh destination; `None` for here.
    pub on: Option<String>,
    pub kept: T,
}

/// Commands started and not finished, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OpenCommands<T> {
    open: Vec<OpenCommand<T>>,
}

impl<T> Default for OpenCommands<T> {
    fn default() -> Self {
        OpenCommands { open: Vec::new() }
    }
}

impl<T> OpenCommands<T> {
    /// A `command-started` of `step` on `on`. One still open on the same
    /// step and host was cut short (its runner died, and this runs it
    /// again): it stays without a result.
    pub fn start(&mut self, step: &str, on: Option<&str>, kept: T) {
        self.open
            .retain(|open| !(open.step == step && open.on.as_deref() == on));
        self.open.push(OpenCommand {
            step: step.to_owned(),
            on: on.map(str::to_owned),
            kept,
        });
    }

    /// A `command-finished` of `step` naming `on`: the command it ends,
    /// no longer open; `None` when none of its step is (a result with no
    /// start stands alone).
    pub fn finish(&mut self, step: &str, on: Option<&str>) -> Option<OpenCommand<T>> {
        let at = self
            .open
            .iter()
            .rposition(|open| open.step == step && open.on.as_deref() == on)
            .or_else(|| self.open.iter().rposition(|open| open.step == step))?;
        Some(self.open.remove(at))
    }

    /// The command of `step` started last and still open.
    pub fn last_of(&self, step: &str) -> Option<&OpenCommand<T>> {
        self.open.iter().rev().find(|open| open.step == step)
    }

    /// The commands of `step` still open, oldest first.
    pub fn of<'s>(&'s self, step: &'s str) -> impl Iterator<Item = &'s OpenCommand<T>> + 's {
        self.open.iter().filter(move |open| open.step == step)
    }

    pub fn iter(&self) -> impl Iterator<Item = &OpenCommand<T>> {
        self.open.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Forgets them all: whatever ran is over, or was stopped.
    pub fn clear(&mut self) {
        self.open.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_ends_the_start_on_its_host_whatever_the_order() {
        let mut open = OpenCommands::default();
        open.start("restart", Some("web1"), 1);
        open.start("restart", Some("web2"), 2);
        open.start("restart", None, 3);
        assert_eq!(open.finish("restart", Some("web2")).map(|o| o.kept), Some(2));
        assert_eq!(open.finish("restart", None).map(|o| o.kept), Some(3));
        assert_eq!(open.finish("restart", Some("web1")).map(|o| o.kept), Some(1));
        assert!(open.is_empty());
        assert_eq!(open.finish("restart", Some("web1")), None);
    }

    #[test]
    fn a_result_that_names_no_host_ends_the_last_start_of_its_step() {
        // As journals were written before results named their host.
        let mut open = OpenCommands::default();
        open.start("check", None, 1);
        open.start("restart", Some("web1"), 2);
        assert_eq!(open.finish("restart", None).map(|o| o.kept), Some(2));
        assert_eq!(open.finish("check", None).map(|o| o.kept), Some(1));
    }

    #[test]
    fn a_start_run_again_replaces_the_one_cut_short() {
        let mut open = OpenCommands::default();
        open.start("restart", Some("web1"), 1);
        open.start("restart", Some("web2"), 2);
        open.start("restart", Some("web1"), 3);
        let hosts: Vec<Option<&str>> = open.of("restart").map(|o| o.on.as_deref()).collect();
        assert_eq!(hosts, [Some("web2"), Some("web1")]);
        assert_eq!(open.finish("restart", Some("web1")).map(|o| o.kept), Some(3));
        assert_eq!(open.len(), 1);
    }
}
