//! luoshi-extract: from the bytes of a meeting communiqué to its task tree.
//!
//! The pipeline is `decode` (bytes → text: UTF-8/16, GB18030, Big5, HTML,
//! .docx) → `normalize` (noise removed, punctuation folded, an aligned
//! Simplified view) → `layout` (lines, boilerplate, sentences, frames) →
//! `meeting` and `rules` (metadata, directives, the tree) → `model` (the
//! JSON contract).
//!
//! Architecture invariant: this crate does no I/O and knows nothing of
//! storage, HTTP or the command line. Extraction never fails on text: a
//! messy document yields a result and warnings; only undecodable bytes are
//! an error.

mod chars;
mod convert;
mod dates;
pub mod decode;
mod due;
mod extract;
pub mod html;
mod layout;
mod meeting;
pub mod model;
mod normalize;
mod rules;

pub use decode::{DecodeError, Source, SourceKind, decode};
pub use extract::{clean_text, extract, extract_bytes, extract_text};

/// Builds the conversion tables ahead of the first document (a few ms).
pub fn warm() {
    convert::warm();
}
pub use model::{Due, Extraction, Meeting, Script, Task, TaskKind, Warning};
