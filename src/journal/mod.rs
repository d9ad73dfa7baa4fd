//! The incident journal: append-only, fsynced, hash-chained.
