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
//!
//! ```
//! let doc = luoshi_extract::extract_text(
//!     "3月5日，省委常委会召开会议。会议指出，要抓好春耕生产，确保粮食安全。要加强水利建设，年底前完工。",
//! );
//! assert_eq!(doc.meeting.body.as_deref(), Some("省委常委会"));
//! assert_eq!(doc.tasks[0].title, "抓好春耕生产");
//! assert_eq!(doc.tasks[1].parent.as_deref(), Some("t1"));
//! assert_eq!(doc.tasks[1].due.as_ref().map(|d| d.text.as_str()), Some("年底前"));
//!
//! // Every task points at its sentence in the input as given.
//! let input: Vec<char> = "会议指出，要抓好春耕生产。".chars().collect();
//! let [a, b] = luoshi_extract::extract_text("会议指出，要抓好春耕生产。").tasks[0].span;
//! assert_eq!(input[a..b].iter().collect::<String>(), "要抓好春耕生产。");
//! ```

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

/// `text` in Simplified script, one character for one: the conversion the
/// extractor itself uses, for script-insensitive comparisons elsewhere
/// (similar problems in the problem list).
///
/// ```
/// assert_eq!(luoshi_extract::simplified("會議強調"), "会议强调");
/// ```
pub fn simplified(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    convert::to_simplified(&chars).0.into_iter().collect()
}
pub use model::{Due, Extraction, Meeting, Script, Task, TaskKind, Warning};
