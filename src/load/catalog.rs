//! Finding runbooks: the search path, first match wins, then the ones built
//! into the binary. Files writable by anyone but their owner are refused, as
//! OpenSSH refuses loose key files (see `load::trust`): a runbook runs shell
//! commands.

use super::summary::{self, Summary};
use super::trust::{Refusal, read_trusted};
use super::{Diagnostic, Level, Loaded, Origin, Source, decode, load};
use chrono::NaiveDate;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The runbooks compiled into the binary, as sources.
pub fn builtin_sources() -> impl Iterator<Item = Source> {
    bundled::BUNDLED
        .iter()
        .map(|(name, text)| Source::new(format!("<built-in>/{name}"), Origin::Builtin, *text))
}

/// Directories deeper than this under a search root are not searched.
const MAX_DEPTH: usize = 16;

/// Every `*.toml` under `path`, recursively and sorted; `path` itself when it
/// is a file. Hidden files and directories are skipped, and so are
/// symlinked directories (a link to `.` or `/` must not make the search
/// endless); symlinked files are read, and checked, like any other.
/// Anything else named `*.toml` (a directory, a FIFO, a device) is found
/// too, to be refused by name: skipped, it would let a built-in plan of the
/// same name run in its place.
pub fn find_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut dirs = vec![(path.to_owned(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            let named_like_a_runbook = path.extension().is_some_and(|ext| ext == "toml");
            if named_like_a_runbook && !(kind.is_symlink() && path.is_dir()) {
                found.push(path);
            } else if kind.is_dir() && depth < MAX_DEPTH {
                dirs.push((path, depth + 1));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads one runbook file found under `root`, refusing it unless it and its
/// directories can be trusted (see `load::trust`) and it is UTF-8 text.
pub fn read_file(path: &Path, root: &Path, today: NaiveDate) -> Result<Loaded, Refusal> {
    let name = path.display().to_string();
    let bytes = read_trusted(path, root, "the runbook")?;
    let source = decode(&name, Origin::File(path.to_owned()), bytes).map_err(Refusal::new)?;
    Ok(load(source, today))
}

/// Loads many files, on every core: validating a large tree is I/O and
/// parsing, and the files are independent.
/// `files` are (file, the search root it was found under).
pub fn read_files(files: &[(PathBuf, PathBuf)], today: NaiveDate) -> Vec<Result<Loaded, Refusal>> {
    crate::parallel::map(files, |(path, root)| read_file(path, root, today))
}

/// [`read_files`], handing each result to `each` in order as a batch of
/// them is done: memory holds a batch, not the whole tree (a thousand
/// runbooks loaded at once take tens of megabytes, and the page faults to
/// get them cost more than the allocator's reuse of a batch's).
pub fn read_files_each(
    files: &[(PathBuf, PathBuf)],
    today: NaiveDate,
    mut each: impl FnMut(Result<Loaded, Refusal>),
) {
    const BATCH: usize = 64;
    for batch in files.chunks(BATCH) {
        read_files(batch, today).into_iter().for_each(&mut each);
    }
}

/// The built-in runbooks, loaded and checked.
pub fn load_builtin(today: NaiveDate) -> Vec<Loaded> {
    crate::parallel::map(bundled::BUNDLED, |(name, text)| {
        load(
            Source::new(format!("<built-in>/{name}"), Origin::Builtin, *text),
            today,
        )
    })
}

/// Every runbook on the search path, first match per id winning.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The runbooks that won, in id order. A file that was refused or is
    /// invalid still claims its id, so that it is never silently replaced
    /// by a runbook further down the path.
    pub entries: Vec<Entry>,
    /// Search directories that could not be read.
    pub problems: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct Entry {
    pub id: String,
    /// Where it was found: a path, or `<built-in>/NAME.toml`.
    pub name: String,
    pub origin: Origin,
    /// The loaded runbook, or why the file was refused; a built-in runbook
    /// is loaded when first asked for (see [`Entry::file`]).
    file: OnceLock<Result<Loaded, Refusal>>,
    /// A built-in runbook's text, and the day its review is judged by.
    builtin: Option<(&'static str, NaiveDate)>,
    /// Later files with the same id, hidden by this one.
    pub shadows: Vec<String>,
}

impl Entry {
    fn new(id: String, name: String, origin: Origin, file: Result<Loaded, Refusal>) -> Entry {
        Entry {
            id,
            name,
            origin,
            file: OnceLock::from(file),
            builtin: None,
            shadows: Vec::new(),
        }
    }

    /// The loaded runbook, or why the file was refused. A file on the
    /// search path was read and checked when the catalog was made; a
    /// built-in runbook is read and checked now, the first time.
    pub fn file(&self) -> &Result<Loaded, Refusal> {
        self.file.get_or_init(|| {
            let (text, today) = self.builtin.unwrap_or(("", NaiveDate::MIN));
            Ok(load(Source::new(self.name.clone(), Origin::Builtin, text), today))
        })
    }

    /// The runbook, when it was read and has no errors.
    pub fn runbook(&self) -> Option<&crate::model::Runbook> {
        self.file()
            .as_ref()
            .ok()
            .and_then(|loaded| loaded.runbook.as_ref())
    }

    /// What `runbook list` shows of the runbook, when it has no errors. A
    /// built-in runbook not loaded yet is summarized from its top-level
    /// keys (see `load/summary.rs`): the test suite keeps built-in runbooks free
    /// of errors.
    pub fn summary(&self) -> Option<Summary> {
        if self.file.get().is_none()
            && let Some((text, _)) = self.builtin
            && let Some(summary) = summary::of_builtin(&self.name, text)
        {
            return Some(summary);
        }
        self.runbook().map(Summary::of)
    }

    /// Why there is no runbook: the refusal, or the errors.
    pub fn errors(&self) -> Vec<Diagnostic> {
        match self.file() {
            Ok(loaded) => loaded
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect(),
            Err(refusal) => refusal.diagnostics(),
        }
    }
}

impl Catalog {
    /// Searches `dirs` in order, then the built-in runbooks. Directories
    /// that do not exist are skipped.
    pub fn discover(dirs: &[PathBuf], today: NaiveDate) -> Catalog {
        Catalog::discover_where(dirs, today, |_| true)
    }

    /// Like [`Catalog::discover`], to look up the runbook `id`: every file
    /// on the search path is read (any may declare that id), but of the
    /// built-in runbooks, whose ids are their file names, only the one
    /// named `id`. The catalog holds `id` as `discover` would, and little
    /// else.
    pub fn discover_for(dirs: &[PathBuf], today: NaiveDate, id: &str) -> Catalog {
        Catalog::discover_where(dirs, today, |name| stem(name) == id)
    }

    fn discover_where(dirs: &[PathBuf], today: NaiveDate, builtin: impl Fn(&str) -> bool) -> Catalog {
        let mut catalog = Catalog::default();
        let mut files = Vec::new();
        for dir in dirs.iter().filter(|dir| dir.is_dir()) {
            match find_files(dir) {
                Ok(found) => files.extend(found.into_iter().map(|file| (file, dir.clone()))),
                Err(error) => catalog.problems.push(Diagnostic::file(
                    Level::Warning,
                    dir.display().to_string(),
                    format!("cannot read the runbook directory: {error}"),
                )),
            }
        }
        let found = files
            .iter()
            .zip(read_files(&files, today))
            .map(|((path, _), file)| {
                let name = path.display().to_string();
                let id = match &file {
                    Ok(loaded) => loaded.id.clone(),
                    Err(_) => stem(&name).to_owned(),
                };
                Entry::new(id, name, Origin::File(path.clone()), file)
            });
        // A built-in runbook's id is its file name (a test holds them to
        // it), so it claims its id without being read.
        let builtin = bundled::BUNDLED
            .iter()
            .filter(|(name, _)| builtin(name))
            .map(|(name, text)| Entry {
                id: stem(name).to_owned(),
                name: format!("<built-in>/{name}"),
                origin: Origin::Builtin,
                file: OnceLock::new(),
                builtin: Some((*text, today)),
                shadows: Vec::new(),
            });

        let mut seen = HashSet::new();
        for entry in found.chain(builtin) {
            if seen.insert(entry.id.clone()) {
                catalog.entries.push(entry);
            } else if let Some(winner) = catalog.entries.iter_mut().find(|winner| winner.id == entry.id) {
                winner.shadows.push(entry.name);
            }
        }
        catalog.entries.sort_by(|a, b| a.id.cmp(&b.id));
        catalog
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.id == id)
    }
}

fn stem(name: &str) -> &str {
    let file = name.rsplit('/').next().unwrap_or(name);
    file.strip_suffix(".toml").unwrap_or(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-11-28";

    fn today() -> NaiveDate {
        TODAY.parse().unwrap()
    }

    fn plan(id_line: &str) -> String {
        format!(
            "schema = 1\n{id_line}\ntitle = \"Local\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n"
        )
    }

    fn ids(catalog: &Catalog) -> Vec<&str> {
        catalog.entries.iter().map(|entry| entry.id.as_str()).collect()
    }

    #[test]
    fn every_built_in_runbook_is_named_by_its_id() {
        for loaded in load_builtin(today()) {
            assert_eq!(stem(&loaded.source.name), loaded.id, "{}", loaded.source.name);
        }
    }

    #[test]
    fn discover_for_reads_every_local_file_and_only_the_built_in_asked_for() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("other.toml"), plan("")).unwrap();
        let dirs = [root.path().to_path_buf()];

        let catalog = Catalog::discover_for(&dirs, today(), "data-loss");
        assert_eq!(ids(&catalog), ["data-loss", "other"]);
        assert_eq!(catalog.get("data-loss").unwrap().origin, Origin::Builtin);
        assert!(catalog.get("data-loss").unwrap().runbook().is_some());

        // A local file may claim a built-in's id under any name: it wins,
        // and hides the built-in, exactly as in the whole catalog.
        std::fs::write(root.path().join("ours.toml"), plan("id = \"data-loss\"")).unwrap();
        let one = Catalog::discover_for(&dirs, today(), "data-loss");
        let all = Catalog::discover(&dirs, today());
        for catalog in [&one, &all] {
            let entry = catalog.get("data-loss").unwrap();
            assert_eq!(entry.origin, Origin::File(root.path().join("ours.toml")));
            assert_eq!(entry.shadows, ["<built-in>/data-loss.toml"]);
        }
        assert_eq!(all.entries.len(), 7);
    }
}
