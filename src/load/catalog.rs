//! Finding runbooks: the search path, first match wins, then the ones built
//! into the binary. Files writable by anyone but their owner are refused, as
//! OpenSSH refuses loose key files: a runbook runs shell commands.

use super::{Diagnostic, Level, Loaded, Origin, Source, decode, load};
use chrono::NaiveDate;
use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The runbooks compiled into the binary, as sources.
pub fn builtin_sources() -> impl Iterator<Item = Source> {
    bundled::BUNDLED
        .iter()
        .map(|(name, text)| Source::new(format!("<built-in>/{name}"), Origin::Builtin, *text))
}

/// Larger files are refused rather than read: no plan is this long, and a
/// wrong path (a log, a disk image) should fail fast.
pub const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// The mode bits of a path that group or others may write, if any.
pub fn loose_permissions(path: &Path) -> std::io::Result<Option<u32>> {
    let mode = std::fs::metadata(path)?.permissions().mode();
    Ok((mode & 0o022 != 0).then_some(mode & 0o7777))
}

/// Every `*.toml` under `path`, recursively and sorted; `path` itself when it
/// is a file. Hidden files and directories are skipped.
pub fn find_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut dirs = vec![path.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let hidden = path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('.'));
            if hidden {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "toml") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads one runbook file, refusing it when others may write to it or to
/// the directory that holds it.
pub fn read_file(path: &Path, today: NaiveDate) -> Result<Loaded, Diagnostic> {
    let name = path.display().to_string();
    let io_error = |error: std::io::Error| {
        Diagnostic::file(Level::Error, &name, format!("cannot read the runbook: {error}"))
            .with_hint("check that the path exists and is readable")
    };
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    for checked in [path, dir] {
        if let Some(mode) = loose_permissions(checked).map_err(io_error)? {
            let what = if checked == path {
                "the runbook"
            } else {
                "its directory"
            };
            return Err(Diagnostic::file(
                Level::Error,
                &name,
                format!(
                    "refused: {what} {} is writable by group or others (mode {mode:04o})",
                    checked.display()
                ),
            )
            .with_hint(format!(
                "a runbook runs commands; run `chmod go-w {}`",
                checked.display()
            )));
        }
    }
    // Only regular files: reading a FIFO or a device could block forever.
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        return Err(Diagnostic::file(Level::Error, &name, "not a regular file")
            .with_hint("name a runbook file (*.toml)"));
    }
    if metadata.len() > MAX_SIZE {
        return Err(Diagnostic::file(
            Level::Error,
            &name,
            format!(
                "the file is {} bytes; runbooks are at most {MAX_SIZE} bytes",
                metadata.len()
            ),
        )
        .with_hint("split the plan into several runbooks"));
    }
    let bytes = std::fs::read(path).map_err(io_error)?;
    let source = decode(&name, Origin::File(path.to_owned()), bytes)?;
    Ok(load(source, today))
}

/// Loads many files, on every core: validating a large tree is I/O and
/// parsing, and the files are independent.
pub fn read_files(paths: &[PathBuf], today: NaiveDate) -> Vec<Result<Loaded, Diagnostic>> {
    parallel_map(paths, |path| read_file(path, today))
}

/// The built-in runbooks, loaded and checked.
pub fn load_builtin(today: NaiveDate) -> Vec<Loaded> {
    parallel_map(bundled::BUNDLED, |(name, text)| {
        load(
            Source::new(format!("<built-in>/{name}"), Origin::Builtin, *text),
            today,
        )
    })
}

/// `items.iter().map(f)`, split over the available cores, in order. A panic
/// in `f` is passed on, never turned into a missing result.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if items.len() < 4 || threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Every runbook on the search path, first match per id winning.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The runbooks that won, in id order; invalid ones keep their errors.
    pub entries: Vec<Entry>,
    /// Files that could not be read or were refused.
    pub problems: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct Entry {
    pub id: String,
    pub loaded: Loaded,
    /// Later files with the same id, hidden by this one.
    pub shadows: Vec<String>,
}

impl Catalog {
    /// Searches `dirs` in order, then the built-in runbooks. Directories
    /// that do not exist are skipped.
    pub fn discover(dirs: &[PathBuf], today: NaiveDate) -> Catalog {
        let mut catalog = Catalog::default();
        let mut paths = Vec::new();
        for dir in dirs.iter().filter(|dir| dir.is_dir()) {
            match find_files(dir) {
                Ok(found) => paths.extend(found),
                Err(error) => catalog.problems.push(Diagnostic::file(
                    Level::Warning,
                    dir.display().to_string(),
                    format!("cannot read the runbook directory: {error}"),
                )),
            }
        }
        let mut loaded = Vec::new();
        for result in read_files(&paths, today) {
            match result {
                Ok(file) => loaded.push(file),
                // Listing goes on without the file; validating it fails.
                Err(problem) => catalog.problems.push(Diagnostic {
                    level: Level::Warning,
                    ..problem
                }),
            }
        }
        loaded.extend(load_builtin(today));

        let mut seen = HashSet::new();
        for file in loaded {
            let id = match &file.runbook {
                Some(runbook) => runbook.id.value.clone(),
                None => file.source.stem().to_owned(),
            };
            if seen.insert(id.clone()) {
                catalog.entries.push(Entry {
                    id,
                    loaded: file,
                    shadows: Vec::new(),
                });
            } else if let Some(winner) = catalog.entries.iter_mut().find(|entry| entry.id == id) {
                winner.shadows.push(file.source.name);
            }
        }
        catalog.entries.sort_by(|a, b| a.id.cmp(&b.id));
        catalog
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.id == id)
    }
}
