//! The document model that extraction produces: the JSON contract of
//! `luoshi extract` (see PRODUCT.md, "The extraction contract").
//!
//! Field names and value forms are a compatibility promise to every consumer
//! of the JSON; add fields, never rename them.

use serde::Serialize;

/// Which Chinese script a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    /// Simplified characters.
    Hans,
    /// Traditional characters (machine-conversion slips tolerated).
    Hant,
    /// Both in substantial amounts.
    Mixed,
}

impl Script {
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Hans => "hans",
            Script::Hant => "hant",
            Script::Mixed => "mixed",
        }
    }
}

/// A node of the task tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// A directive that heads a group of tasks (总体要求).
    Theme,
    /// A concrete task (具体任务).
    Task,
}

/// What the document says about the meeting it reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Meeting {
    /// The headline of the report, in the document's script.
    pub title: Option<String>,
    /// `YYYY-MM-DD`, `--MM-DD` or `---DD`: the day the meeting was held.
    pub date: Option<String>,
    /// The convening body as written, e.g. 省委常委会.
    pub body: Option<String>,
    /// Who chaired (主持) the meeting.
    pub chair: Option<String>,
}

/// A time limit named in a task, as written and normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The original words, e.g. 6月底前.
    pub text: String,
    /// The last day the words allow: `YYYY-MM-DD`, or `--MM-DD` when the
    /// year cannot be known; null when the words name no day (e.g. 长期).
    pub date: Option<String>,
    /// A named period when the words give one: `Q1`…`Q4`, `H1`, `H2`, `year`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<&'static str>,
}

/// One extracted directive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    /// `t1`, `t2`, … in document order.
    pub id: String,
    /// The id of the theme this task belongs to.
    pub parent: Option<String>,
    pub kind: TaskKind,
    /// The obligation cue as written, e.g. 要, 必须, 一要, 会议要求.
    pub cue: String,
    /// The headline clause, in the document's script.
    pub title: String,
    /// The whole directive sentence with noise removed, in the document's script.
    pub text: String,
    /// `[start, end)` in Unicode scalar values into the input as given.
    pub span: [usize; 2],
    /// Who must act, as written (全省上下, 各有关部门, 省发改委…).
    pub actors: Vec<String>,
    /// The time limit, when the task names one.
    pub due: Option<Due>,
}

/// Something the extractor noticed and worked around.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Stable English code, e.g. `truncated`.
    pub code: &'static str,
    /// What it means, in Chinese.
    pub message: String,
}

/// The result of extracting one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extraction {
    pub script: Script,
    pub meeting: Meeting,
    pub tasks: Vec<Task>,
    pub warnings: Vec<Warning>,
}
