//! Listing a large archive without holding it: each index line read as a
//! view of its bytes ([`IndexLine`]), and what must be remembered of the
//! lines already read kept small ([`Listed`]), so that `runbook records`
//! over a million records stays in tens of megabytes.
//!
//! What is remembered is what the listing must check: whether an incident
//! was listed before (a line listing it again is left out and named), and
//! which record files no line lists (a lost or short index), found by
//! listing the month directories once, without opening a record. An id of
//! the form every archived incident has (`INC-YYYYMMDD-NNNN`) costs a few
//! bytes; any other (an index edited by hand) is kept as text. Nothing here
//! writes, and reading takes no lock.

use super::archive::IndexEntry;
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// One index line, borrowing its text from the line's bytes: the fields of
/// [`IndexEntry`], read as leniently (a line that parses as one parses as
/// the other, which a test holds).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IndexLine<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub archived: DateTime<Utc>,
    #[serde(borrow)]
    pub runbook: Cow<'a, str>,
    #[serde(borrow)]
    pub severity: Cow<'a, str>,
    #[serde(borrow)]
    pub outcome: Cow<'a, str>,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub started: DateTime<Utc>,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub ended: DateTime<Utc>,
    pub duration_s: i64,
    pub on_time: bool,
    pub late_s: i64,
    pub drill: bool,
    #[serde(borrow)]
    pub sha256: Cow<'a, str>,
}

impl IndexLine<'_> {
    /// Reads one index line (without its `\n`).
    pub fn parse(line: &[u8]) -> Result<IndexLine<'_>, serde_json::Error> {
        serde_json::from_slice(line)
    }

    pub fn to_entry(&self) -> IndexEntry {
        IndexEntry {
            id: self.id.clone().into_owned(),
            archived: self.archived,
            runbook: self.runbook.clone().into_owned(),
            severity: self.severity.clone().into_owned(),
            outcome: self.outcome.clone().into_owned(),
            started: self.started,
            ended: self.ended,
            duration_s: self.duration_s,
            on_time: self.on_time,
            late_s: self.late_s,
            drill: self.drill,
            sha256: self.sha256.clone().into_owned(),
        }
    }
}

/// The incidents an index listed: where each was listed first, and the
/// month directory its record is in.
///
/// Ids of the usual form are kept by day, in a table indexed by their
/// number: the lines of an index come roughly in date order, so looking one
/// up touches memory that the line before touched, and a million of them
/// take 8 MB.
#[derive(Debug, Default)]
pub struct Listed {
    /// `YYYYMMDD` → [`Seen::pack`] by incident number (0: not listed).
    days: HashMap<u32, Vec<u64>>,
    /// Any other id.
    other: HashMap<Box<str>, Seen>,
    count: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    /// The line it was first listed on, from 1.
    line: usize,
    /// Its archive time's year and month, `YYYYMM`: its record is
    /// `YYYY/MM/ID.json`.
    month: u32,
}

impl Seen {
    fn pack(self) -> u64 {
        (self.line as u64) << 32 | u64::from(self.month)
    }

    fn unpack(packed: u64) -> Option<Seen> {
        (packed != 0).then_some(Seen {
            line: (packed >> 32) as usize,
            month: packed as u32,
        })
    }
}

impl Listed {
    /// Notes that `line` (its number, from 1) lists incident `id`, archived
    /// at `archived`; or, when an earlier line listed it already, returns
    /// that line's number and notes nothing.
    pub fn insert(&mut self, id: &str, archived: DateTime<Utc>, line: usize) -> Option<usize> {
        let seen = Seen {
            line: line.min(u32::MAX as usize),
            month: month_of(archived),
        };
        let first = match split(id) {
            Some((day, number)) => {
                let numbers = self.days.entry(day).or_default();
                if numbers.len() <= number {
                    numbers.resize(number + 1, 0);
                }
                match Seen::unpack(numbers[number]) {
                    Some(first) => first,
                    None => {
                        numbers[number] = seen.pack();
                        seen
                    }
                }
            }
            None => *self.other.entry(id.into()).or_insert(seen),
        };
        if first == seen {
            self.count += 1;
            None
        } else {
            Some(first.line)
        }
    }

    /// How many incidents were listed.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the record file `YYYY/MM/ID.json` is listed.
    fn lists(&self, id: &str, month: u32) -> bool {
        let seen = match split(id) {
            Some((day, number)) => self
                .days
                .get(&day)
                .and_then(|numbers| numbers.get(number))
                .and_then(|&packed| Seen::unpack(packed)),
            None => self.other.get(id).copied(),
        };
        seen.is_some_and(|seen| seen.month == month)
    }

    /// The record files under `archive` (`YYYY/MM/*.json`, as
    /// [`super::archive::Archive::record_files`] finds them) that are not
    /// listed, relative to `archive` and sorted. Only directory listings
    /// are read.
    pub fn unlisted(&self, archive: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(self.unlisted_among(&RecordFiles::list(archive)?))
    }

    /// Of `files`, those not listed, relative to the archive and sorted.
    pub fn unlisted_among(&self, files: &RecordFiles) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for month in &files.months {
            let mut here: Vec<PathBuf> = month
                .ids
                .iter()
                .filter(|&&(day, number)| {
                    let seen = self
                        .days
                        .get(&day)
                        .and_then(|numbers| numbers.get(number as usize));
                    let listed = seen.and_then(|&packed| Seen::unpack(packed));
                    listed.is_none_or(|listed| listed.month != month.month)
                })
                .map(|&(day, number)| month.dir.join(format!("INC-{day:08}-{number:04}.json")))
                .collect();
            for name in &month.other {
                let listed = name
                    .to_str()
                    .and_then(|name| name.strip_suffix(".json"))
                    .is_some_and(|id| self.lists(id, month.month));
                if !listed {
                    here.push(month.dir.join(name));
                }
            }
            here.sort();
            found.extend(here);
        }
        found
    }
}

/// The record files of an archive, as its month directories list them:
/// listing a large archive is most of the file system's work for `runbook
/// records`, and can be done while the index is read.
#[derive(Debug, Default)]
pub struct RecordFiles {
    months: Vec<Month>,
}

#[derive(Debug)]
struct Month {
    /// `YYYYMM`.
    month: u32,
    /// `YYYY/MM`, relative to the archive.
    dir: PathBuf,
    /// Records named by an id of the usual form: (`YYYYMMDD`, `NNNN`).
    ids: Vec<(u32, u32)>,
    /// Any other record file's name.
    other: Vec<OsString>,
}

impl RecordFiles {
    /// Lists `archive`'s month directories (none when it does not exist).
    pub fn list(archive: &Path) -> io::Result<RecordFiles> {
        let mut months = Vec::new();
        for (year, year_name) in numbered(archive, 4)? {
            for (month, month_name) in numbered(&archive.join(&year_name), 2)? {
                let dir = Path::new(&year_name).join(&month_name);
                let mut found = Month {
                    month: year * 100 + month,
                    dir,
                    ids: Vec::new(),
                    other: Vec::new(),
                };
                for entry in read_dir(&archive.join(&found.dir))? {
                    let name = entry?.file_name();
                    if !is_record_name(&name.to_string_lossy()) {
                        continue;
                    }
                    let id = name
                        .to_str()
                        .and_then(|name| name.strip_suffix(".json"))
                        .and_then(split);
                    match id {
                        Some((day, number)) => found.ids.push((day, number as u32)),
                        None => found.other.push(name),
                    }
                }
                months.push(found);
            }
        }
        Ok(RecordFiles { months })
    }
}

/// A record file's name, as [`super::archive::Archive::record_files`]
/// takes it: `*.json`, not hidden (a temporary file is).
fn is_record_name(name: &str) -> bool {
    name.ends_with(".json") && !name.starts_with('.')
}

/// The entries of `dir` named by `digits` digits, sorted, with their value;
/// none when `dir` does not exist.
fn numbered(dir: &Path, digits: usize) -> io::Result<Vec<(u32, String)>> {
    let mut found = Vec::new();
    for entry in read_dir(dir)? {
        let name = entry?.file_name();
        if let Some(name) = name.to_str()
            && name.len() == digits
            && name.bytes().all(|b| b.is_ascii_digit())
            && let Ok(value) = name.parse()
        {
            found.push((value, name.to_owned()));
        }
    }
    found.sort();
    Ok(found)
}

fn read_dir(dir: &Path) -> io::Result<Box<dyn Iterator<Item = io::Result<std::fs::DirEntry>>>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(Box::new(entries)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Box::new(std::iter::empty())),
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!("cannot list {}: {error}", dir.display()),
        )),
    }
}

fn month_of(archived: DateTime<Utc>) -> u32 {
    // Years before 0 or after 9999 have no 4-digit directory: no file
    // can match them.
    match u32::try_from(archived.year()) {
        Ok(year) if year <= 9999 => year * 100 + archived.month(),
        _ => u32::MAX,
    }
}

/// `INC-YYYYMMDD-NNNN` as (`YYYYMMDD`, `NNNN`), for ids in exactly that
/// form (digits only); `None` for any other text.
fn split(id: &str) -> Option<(u32, usize)> {
    let rest = id.strip_prefix("INC-")?.as_bytes();
    if rest.len() != 13 || rest[8] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |value, &digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + u32::from(digit - b'0'))
        })
    };
    Some((number(&rest[..8])?, number(&rest[9..])? as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"archived":"2026-11-29T10:00:00Z","drill":false,"duration_s":1510,"ended":"2026-11-28T09:25:10Z","id":"INC-20261128-0001","late_s":0,"on_time":true,"outcome":"resolved","runbook":"disk-full","severity":"sev2","sha256":"00","started":"2026-11-28T09:00:00Z"}"#;

    #[test]
    fn a_line_reads_as_an_index_entry_reads() {
        let lines = [
            LINE.to_owned(),
            LINE.replace("disk-full", "disk\\\"full\\u00e9"),
            format!("{{\"extra\":1,{}", &LINE[1..]),
            LINE.replace("\"drill\":false,", ""),
            LINE.replace("1510", "\"1510\""),
            LINE.replace("2026-11-29T10:00:00Z", "yesterday"),
            LINE.replace("2026-11-29T10:00:00Z", "2026-11-29T10:00:00.5+08:00"),
            LINE.replace("2026-11-29T10:00:00Z", "2026-11-29t10:00:00z"),
            LINE.replace("2026-11-29T10:00:00Z", "2026-02-30T10:00:00Z"),
            LINE.replace("2026-11-29T10:00:00Z", "2026-11-29T24:00:00Z"),
            LINE.replace("2026-11-29T10:00:00Z", "2016-12-31T23:59:60Z"),
            LINE.replace("2026-11-29T10:00:00Z", "2026-11-29T10:00:00\\u005a"),
            LINE.replace("\"sha256\":\"00\"", "\"sha256\":null"),
            "not json".to_owned(),
            "{}".to_owned(),
        ];
        for line in lines {
            let entry: Result<IndexEntry, _> = serde_json::from_str(&line);
            let view = IndexLine::parse(line.as_bytes());
            assert_eq!(
                entry.as_ref().ok(),
                view.as_ref().ok().map(IndexLine::to_entry).as_ref(),
                "{line}"
            );
        }
    }

    #[test]
    fn ids_pack_only_in_their_usual_form() {
        assert_eq!(split("INC-20261128-0001"), Some((20261128, 1)));
        for other in [
            "INC-20261128-1",
            "INC-2026112x-0001",
            "inc-20261128-0001",
            "INC-20261128-00001",
            "INC-20261128+0001",
        ] {
            assert_eq!(split(other), None, "{other}");
        }
    }

    #[test]
    fn an_incident_listed_again_is_named_with_its_first_line() {
        let mut listed = Listed::default();
        let time = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            listed.insert("INC-20261128-0001", time("2026-11-29T10:00:00Z"), 1),
            None
        );
        assert_eq!(listed.insert("odd", time("2026-11-29T10:00:00Z"), 2), None);
        assert_eq!(
            listed.insert("INC-20261128-0001", time("2026-12-29T10:00:00Z"), 3),
            Some(1)
        );
        assert_eq!(listed.insert("odd", time("2026-11-29T10:00:00Z"), 4), Some(2));
        assert_eq!(listed.len(), 2);
        assert!(listed.lists("INC-20261128-0001", 202611));
        assert!(!listed.lists("INC-20261128-0001", 202612));
        assert!(listed.lists("odd", 202611));
    }

    #[test]
    fn unlisted_record_files_are_found_by_listing_the_month_directories() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path();
        for file in [
            "2026/11/INC-20261128-0001.json",
            "2026/11/INC-20261128-0001.json.sig",
            "2026/11/INC-20261128-0002.json",
            "2026/11/.INC-20261128-0003.json.tmp",
            "2026/12/INC-20261128-0001.json",
            "2026/x1/INC-20261128-0004.json",
            "202/11/INC-20261128-0005.json",
        ] {
            let path = archive.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}").unwrap();
        }
        let mut listed = Listed::default();
        listed.insert("INC-20261128-0001", "2026-11-29T10:00:00Z".parse().unwrap(), 1);
        assert_eq!(
            listed.unlisted(archive).unwrap(),
            [
                PathBuf::from("2026/11/INC-20261128-0002.json"),
                PathBuf::from("2026/12/INC-20261128-0001.json"),
            ]
        );
        assert_eq!(
            Listed::default().unlisted(&archive.join("none")).unwrap(),
            Vec::<PathBuf>::new()
        );
    }
}
