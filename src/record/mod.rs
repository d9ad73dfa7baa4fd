//! The signed incident record and its archive: the canonical record built
//! from a finished incident's journal, its OpenSSH signature, the archive of
//! records on disk with its index and chain.
//!
//! Depends on `model` only, and touches no terminal: callers pass the time,
//! the events, the summary and the key in, and print what comes back.

pub mod allowed_signers;
pub mod archive;
pub mod canonical;
pub mod listing;
pub mod mirror;
mod said;
pub mod signing;

pub use archive::{Archive, ArchiveError, ArchiveLock, Audit, IndexEntry, Problem, ProblemKind};
pub use canonical::{DRAFT_FORMAT, FORMAT, Record, RecordError, Summary, build, canonical_bytes};
