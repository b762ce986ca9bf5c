//! Assembly: runs the passes over one source and builds the document model.

use crate::decode::{self, DecodeError, Source, SourceKind};
use crate::layout::{self, Range};
use crate::model::{Extraction, Script, Task, TaskKind, Warning};
use crate::normalize::{self, Normalized};
use crate::rules::{self, Directive};
use crate::{due, html, meeting};

/// Decodes `bytes` and extracts the document.
pub fn extract_bytes(bytes: &[u8]) -> Result<Extraction, DecodeError> {
    Ok(extract(&decode::decode(bytes)?))
}

/// Extracts a plain-text document.
pub fn extract_text(text: &str) -> Extraction {
    extract(&Source {
        text: text.to_owned(),
        kind: SourceKind::Text,
        encoding: "UTF-8",
        tables: Vec::new(),
    })
}

fn raw_chars(kind: SourceKind, text: &str) -> Vec<(char, u32)> {
    match kind {
        SourceKind::Html => html::html_text(text),
        SourceKind::Text | SourceKind::Docx => {
            let mut raw = Vec::with_capacity(text.chars().count());
            raw.extend(text.chars().zip(0u32..));
            raw
        }
    }
}

/// The text of a stretch of the source with noise removed and punctuation
/// folded: what a task's `text` is made of its `span`. A task is one
/// sentence, so a line break inside it is a wrap, and goes too.
pub fn clean_text(kind: SourceKind, text: &str) -> String {
    let (chars, _, _) = normalize::clean(&raw_chars(kind, text));
    let kept: Vec<char> = chars.into_iter().filter(|&c| c != '\n').collect();
    crate::chars::collect(&kept)
}

fn string(c: &[char], r: Range) -> String {
    crate::chars::collect(&c[r.0..r.1])
}

/// Extracts the meeting and the task tree of a decoded source.
pub fn extract(src: &Source) -> Extraction {
    let raw = raw_chars(src.kind, &src.text);
    let Normalized {
        display,
        simp,
        pos,
        noise,
        script,
    } = normalize::normalize(&raw);
    let lines = layout::lines(&simp);
    let line_sentences: Vec<Vec<layout::Sentence>> = lines
        .iter()
        .map(|l| {
            if l.boilerplate {
                Vec::new()
            } else {
                layout::sentences(&simp, l.range)
            }
        })
        .collect();
    let info = meeting::meeting(&simp, &display, &lines, &line_sentences);

    let mut directives: Vec<Directive> = Vec::new();
    let mut last_content: Option<Range> = None;
    let last_line = lines.iter().rposition(|l| !l.boilerplate);
    for (li, line) in lines.iter().enumerate() {
        // A heading holds no task; the last line may be a truncated sentence.
        let heading = line.heading && Some(li) != last_line;
        let in_table = src
            .tables
            .iter()
            .any(|&(a, b)| (a..b).contains(&(pos[line.range.0] as usize)));
        if line.boilerplate || heading || in_table || Some(li) == info.title_line {
            continue;
        }
        // A table row or a caption at the end is not a cut-off sentence.
        if !line.heading {
            last_content = Some(line.range);
        }
        for (para, sentences) in paragraphs(line.range, &line_sentences[li]) {
            let found = rules::paragraph(&simp, para, sentences, directives.len());
            directives.extend(found);
        }
    }
    // The source's characters, where they are not the raw ones already.
    let src_chars: Vec<char> = if src.kind == SourceKind::Html {
        src.text.chars().collect()
    } else {
        Vec::new()
    };
    let span_of = |r: Range| -> [usize; 2] {
        let start = pos[r.0] as usize;
        let last = pos[r.1 - 1] as usize;
        // An HTML entity stands for one character but spans several.
        let end = if src.kind == SourceKind::Html && src_chars.get(last) == Some(&'&') {
            src_chars[last..]
                .iter()
                .take(12)
                .position(|&c| c == ';')
                .map_or(last + 1, |p| last + p + 1)
        } else {
            last + 1
        };
        [start, end]
    };
    let mut actors: Vec<Vec<Range>> = directives.iter().map(|d| rules::actors(&simp, d)).collect();
    // 各有关部门要甲；要乙；要丙 : the subject carries over the semicolons.
    for i in 1..directives.len() {
        if actors[i].is_empty() && directives[i].sentence == directives[i - 1].sentence {
            actors[i] = actors[i - 1].clone();
        }
    }
    let tasks: Vec<Task> = directives
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let span = span_of(d.range);
            // The display view is the source with noise removed: the
            // span's text, cleaned, is exactly this (checked by proptest).
            let text = span_text(src, &raw, &src_chars, span, string(&display, d.range));
            let title = if d.title.1 > d.title.0 {
                string(&display, d.title)
            } else {
                text.clone()
            };
            Task {
                id: task_id(i + 1),
                parent: d.parent.map(|p| task_id(p + 1)),
                kind: if d.has_children {
                    TaskKind::Theme
                } else {
                    TaskKind::Task
                },
                cue: string(&display, d.cue.words),
                title,
                text,
                span,
                actors: actors[i].iter().map(|&r| string(&display, r)).collect(),
                due: due::find(
                    &simp[d.range.0..d.range.1],
                    &display[d.range.0..d.range.1],
                    info.year,
                ),
            }
        })
        .collect();
    let mut warnings = Vec::new();
    if let Some(r) = last_content {
        let last = simp[r.1 - 1];
        if !(crate::chars::is_sentence_end(last) || matches!(last, '”' | '’' | '」' | '）' | '…'))
        {
            warnings.push(Warning {
                code: "truncated",
                message: "文件在句子中间结束，可能不完整。".into(),
            });
        }
    }
    if noise.pinyin > 0 {
        warnings.push(Warning {
            code: "pinyin_removed",
            message: format!("已去除 {} 处拼音注音。", noise.pinyin),
        });
    }
    if noise.garbage > 0 {
        warnings.push(Warning {
            code: "garbage_removed",
            message: format!("已去除 {} 处乱码或无效字符。", noise.garbage),
        });
    }
    if script == Script::Mixed {
        warnings.push(Warning {
            code: "mixed_script",
            message: "文件繁简混排，已按简体识别。".into(),
        });
    }
    if info.unresolved_relative {
        warnings.push(Warning {
            code: "date_relative",
            message: "会议日期写作“昨天/今天”，页面上没有发布日期，无法确定。".into(),
        });
    }
    if tasks.is_empty() {
        warnings.push(Warning {
            code: "no_tasks",
            message: "未找到任务：文中没有以“要”“必须”等引出的部署。".into(),
        });
    }
    Extraction {
        script,
        meeting: info.meeting,
        tasks,
        warnings,
    }
}

/// The text of a task: its span with noise removed (`clean_text`). The
/// display view already holds that unless a character at whose cleaning
/// the neighbourhood matters (ASCII punctuation, blanks, parentheses,
/// markup) is in the span; only then is the span cleaned again on its own.
fn span_text(
    src: &Source,
    raw: &[(char, u32)],
    src_chars: &[char],
    span: [usize; 2],
    display: String,
) -> String {
    let sensitive = |c: char| {
        !crate::chars::is_han(c)
            && (c.is_ascii_punctuation()
                || c.is_whitespace()
                || crate::chars::is_junk(c)
                || matches!(c, '（' | '）' | '？'))
    };
    let first_is_punct = |c: char| !crate::chars::is_han(c) && !c.is_alphanumeric();
    let piece: String = match src.kind {
        SourceKind::Html => {
            let p = &src_chars[span[0]..span[1]];
            if !p.first().is_some_and(|&c| first_is_punct(c)) && !p.iter().any(|&c| sensitive(c)) {
                return display;
            }
            p.iter().collect()
        }
        SourceKind::Text | SourceKind::Docx => {
            let p = &raw[span[0]..span[1]];
            if !p.first().is_some_and(|c| first_is_punct(c.0)) && !p.iter().any(|c| sensitive(c.0))
            {
                return display;
            }
            p.iter().map(|c| c.0).collect()
        }
    };
    clean_text(src.kind, &piece)
}

/// `t1`, `t2` … (called for every task and parent: no formatting machinery).
fn task_id(i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    let mut n = i;
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(1 + digits.len() - k);
    s.push('t');
    s.extend(digits[k..].iter().map(|&d| char::from(d)));
    s
}

/// Cuts a line into logical paragraphs: a sentence that opens with a frame
/// (会议强调， / 张三指出，) starts a new one, so a page that lost its line
/// breaks still groups its directives as written.
fn paragraphs(line: Range, sentences: &[layout::Sentence]) -> Vec<(Range, &[layout::Sentence])> {
    let mut out = Vec::new();
    let mut first = 0;
    for (i, s) in sentences.iter().enumerate() {
        if i > first && s.frame.is_some() {
            out.push(((sentences[first].range.0, s.range.0), &sentences[first..i]));
            first = i;
        }
    }
    if first < sentences.len() {
        out.push(((sentences[first].range.0, line.1), &sentences[first..]));
    }
    out
}
