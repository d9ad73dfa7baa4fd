//! Renderers over the model, generic over `Write`: runbook outlines (text,
//! Markdown) and flowcharts (Mermaid, Graphviz). No terminal, no files.

mod graph;
mod outline;
mod wrap;

pub use graph::{dot, mermaid};
pub use outline::{markdown, text};
pub use wrap::wrap;
