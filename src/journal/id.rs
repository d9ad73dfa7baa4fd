//! Incident ids, `INC-YYYYMMDD-NNNN`, allocated by exclusively creating the
//! incident's directory: `mkdir` either creates it or fails with
//! `AlreadyExists`, atomically, so processes starting at the same moment each
//! get their own id without any lock.
//!
//! What survives a crash: once [`allocate`] returns, the new directory's
//! entry has been fsynced into `incidents/` (and `incidents/` and any parents
//! it had to create into theirs), so the id is never handed out again. A crash before that may leave an empty directory (no lock, no
//! journal): that number is simply not used. Numbers continue after the
//! highest one present for the date, in `incidents/` or among the records
//! archived that month, so an id is not reused when incident directories
//! are removed after archiving; past `9999`, the lowest number unused in
//! both is taken.

use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

const PREFIX: &str = "INC-";
const MAX_NUMBER: u32 = 9999;

/// Allocates the next id for `date` in `incidents_dir` (created, with its
/// parents, mode 0700, if missing) and creates its directory (mode 0700).
/// The ids of records in `archived` (`ID.json`; the archive's directory for
/// the month of `date`, which may not exist) are taken too.
pub fn allocate(incidents_dir: &Path, date: NaiveDate, archived: &Path) -> io::Result<(String, PathBuf)> {
    let missing: Vec<&Path> = incidents_dir
        .ancestors()
        .take_while(|dir| !dir.as_os_str().is_empty() && !dir.is_dir())
        .collect();
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(incidents_dir)?;
    for created in missing {
        match created.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => sync_dir(parent)?,
            _ => sync_dir(Path::new("."))?,
        }
    }
    let day = date.format("%Y%m%d").to_string();
    // An archive that cannot be read (or is not there) must not keep an
    // incident from starting.
    let mut used = numbers(archived, &day).unwrap_or_default();
    used.extend(numbers(incidents_dir, &day)?);
    let highest = used.last().copied().unwrap_or(0);
    // After the highest, as people expect; past the last number (someone
    // made `-9999` by hand), the lowest nobody used, rather than no
    // incident at all for the rest of the day.
    let candidates = (highest + 1..=MAX_NUMBER).chain((1..highest).filter(|number| !used.contains(number)));
    for number in candidates {
        let id = format!("{PREFIX}{day}-{number:04}");
        let dir = incidents_dir.join(&id);
        match DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                sync_dir(incidents_dir)?;
                return Ok((id, dir));
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other(format!(
        "no incident number left for {date}: all {MAX_NUMBER} are taken in {} and {}",
        incidents_dir.display(),
        archived.display()
    )))
}

/// Whether `s` is an incident id: `INC-`, a real date as `YYYYMMDD`, `-`,
/// and four digits from `0001`.
pub fn is_incident_id(s: &str) -> bool {
    parse(s).is_some()
}

/// The day (`YYYYMMDD`) and number of an incident id.
fn parse(s: &str) -> Option<(&str, u32)> {
    let (day, number) = s.strip_prefix(PREFIX)?.split_once('-')?;
    let digits = |text: &str, len| text.len() == len && text.bytes().all(|b| b.is_ascii_digit());
    if !digits(day, 8) || !digits(number, 4) {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y%m%d").ok()?;
    let number = number.parse().ok().filter(|&n| n > 0)?;
    Some((day, number))
}

/// The numbers used for `day` in `dir`, in order: by an incident
/// directory `ID` or a record `ID.json`.
fn numbers(dir: &Path, day: &str) -> io::Result<BTreeSet<u32>> {
    let mut numbers = BTreeSet::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let id = name
            .to_str()
            .map(|name| name.strip_suffix(".json").unwrap_or(name));
        if let Some((used_day, number)) = id.and_then(parse)
            && used_day == day
        {
            numbers.insert(number);
        }
    }
    Ok(numbers)
}

pub(crate) use crate::file_util::sync_dir;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Arc, Barrier};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// An archive month directory that does not exist.
    fn no_archive(home: &tempfile::TempDir) -> PathBuf {
        home.path().join("archive/2026/11")
    }

    #[test]
    fn ids_count_from_0001_per_date() {
        let home = tempfile::tempdir().unwrap();
        let incidents = home.path().join("data/incidents");
        let none = no_archive(&home);
        let (first, dir) = allocate(&incidents, day("2026-11-28"), &none).unwrap();
        assert_eq!(first, "INC-20261128-0001");
        assert_eq!(dir, incidents.join("INC-20261128-0001"));
        assert!(dir.is_dir());
        for made in [&incidents, &dir, &home.path().join("data")] {
            assert_eq!(fs::metadata(made).unwrap().permissions().mode() & 0o777, 0o700);
        }
        assert_eq!(
            allocate(&incidents, day("2026-11-28"), &none).unwrap().0,
            "INC-20261128-0002"
        );
        assert_eq!(
            allocate(&incidents, day("2026-11-29"), &none).unwrap().0,
            "INC-20261129-0001"
        );
        assert_eq!(
            allocate(&incidents, day("2026-11-28"), &none).unwrap().0,
            "INC-20261128-0003"
        );
    }

    #[test]
    fn numbers_continue_after_the_highest_and_skip_taken_names() {
        let home = tempfile::tempdir().unwrap();
        fs::create_dir(home.path().join("INC-20261128-0005")).unwrap();
        fs::write(home.path().join("INC-20261128-0006"), "").unwrap();
        assert_eq!(
            allocate(home.path(), day("2026-11-28"), &no_archive(&home))
                .unwrap()
                .0,
            "INC-20261128-0007"
        );
    }

    #[test]
    fn past_the_last_number_the_lowest_unused_one_is_taken() {
        let home = tempfile::tempdir().unwrap();
        let incidents = home.path().join("incidents");
        let month = home.path().join("archive/2026/11");
        fs::create_dir_all(&month).unwrap();
        fs::create_dir_all(incidents.join("INC-20261128-9999")).unwrap();
        fs::create_dir_all(incidents.join("INC-20261128-0001")).unwrap();
        fs::write(month.join("INC-20261128-0002.json"), "").unwrap();
        let next = || allocate(&incidents, day("2026-11-28"), &month).unwrap().0;
        assert_eq!(next(), "INC-20261128-0003");
        assert_eq!(next(), "INC-20261128-0004");
    }

    #[test]
    fn ids_of_archived_records_are_not_handed_out_again() {
        let home = tempfile::tempdir().unwrap();
        let incidents = home.path().join("incidents");
        let month = home.path().join("archive/2026/11");
        fs::create_dir_all(&month).unwrap();
        // Archived, then its incident directory removed; others are other days.
        for name in [
            "INC-20261128-0004.json",
            "INC-20261128-0004.json.sig",
            "INC-20261127-0009.json",
        ] {
            fs::write(month.join(name), "").unwrap();
        }
        assert_eq!(
            allocate(&incidents, day("2026-11-28"), &month).unwrap().0,
            "INC-20261128-0005"
        );
        assert_eq!(
            allocate(&incidents, day("2026-11-27"), &month).unwrap().0,
            "INC-20261127-0010"
        );
    }

    #[test]
    fn twenty_threads_at_once_get_twenty_ids() {
        let home = tempfile::tempdir().unwrap();
        let incidents = Arc::new(home.path().join("incidents"));
        let none = Arc::new(no_archive(&home));
        let barrier = Arc::new(Barrier::new(20));
        let threads: Vec<_> = (0..20)
            .map(|_| {
                let (incidents, barrier, none) =
                    (Arc::clone(&incidents), Arc::clone(&barrier), Arc::clone(&none));
                std::thread::spawn(move || {
                    barrier.wait();
                    allocate(&incidents, day("2026-11-28"), &none).unwrap()
                })
            })
            .collect();
        let allocated: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let ids: BTreeSet<_> = allocated.iter().map(|(id, _)| id.clone()).collect();
        let dirs: BTreeSet<_> = allocated.iter().map(|(_, dir)| dir.clone()).collect();
        assert_eq!((ids.len(), dirs.len()), (20, 20));
        let expected: BTreeSet<_> = (1..=20).map(|n| format!("INC-20261128-{n:04}")).collect();
        assert_eq!(ids, expected);
        assert!(dirs.iter().all(|dir| dir.is_dir()));
        assert_eq!(fs::read_dir(&*incidents).unwrap().count(), 20);
    }

    #[test]
    fn recognizes_ids() {
        assert!(is_incident_id("INC-20261128-0001"));
        assert!(is_incident_id("INC-20240229-9999"));
        for not in [
            "INC-20261128-0000",
            "INC-20261128-001",
            "INC-20261128-00001",
            "INC-20261131-0001",
            "INC-2026112-80001",
            "inc-20261128-0001",
            "INC-20261128-0001/",
            "INC-2026+128-0001",
            "",
        ] {
            assert!(!is_incident_id(not), "{not}");
        }
    }
}
