//! Renderers over the model, generic over `Write`: runbook outlines (text,
//! Markdown) and flowcharts (Mermaid, Graphviz). No terminal, no files.
//!
//! Every renderer writes through a [`SafeWriter`], so that nothing a
//! runbook holds reaches the output as a control character, whatever field
//! it hides in; runbook text is also sanitized where it is escaped for the
//! output format, so that the escapes are themselves escaped right.
//!
//! [`SafeWriter`]: crate::sanitize::SafeWriter

mod graph;
mod label;
mod outline;
mod record;
mod wrap;

pub use graph::{dot, mermaid};
pub use label::branch_label;
pub use outline::{markdown, text};
pub use record::{Report as IncidentReport, Standing, Verification};
pub use wrap::{wrap, wrap_hanging};
