//! Normalisation: from the characters of a source to the two aligned views
//! the rules work on.
//!
//! * `display` is the text with web noise removed (pinyin annotations,
//!   `???` garbage and mojibake, zero-width and replacement characters,
//!   indentation) and punctuation folded to the full-width forms Chinese
//!   text uses. It stays in the document's own script; titles and texts are
//!   cut from it.
//! * `simp` is `display` converted to Simplified characters with OpenCC's
//!   phrase dictionaries (`hanconv`), one character for one, so that every
//!   rule is written once and works identically on Traditional input.
//!
//! Both views carry `pos`: for each character, its offset (in Unicode scalar
//! values) in the input exactly as given, which is what spans point into.

use crate::chars::{is_cjk, is_han, is_junk, is_pinyin_letter, is_space, is_tone_letter};
use crate::model::Script;

/// Counts of the noise that was removed, for warnings.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NoiseStats {
    pub pinyin: usize,
    pub garbage: usize,
}

/// The aligned views of one document.
#[derive(Debug)]
pub struct Normalized {
    pub display: Vec<char>,
    pub simp: Vec<char>,
    pub pos: Vec<u32>,
    pub noise: NoiseStats,
    pub script: Script,
}

/// Removes noise from `raw` (characters with their source offsets) and folds
/// punctuation. The result's offsets are a subsequence of the input's.
pub fn clean(raw: &[(char, u32)]) -> (Vec<char>, Vec<u32>, NoiseStats) {
    let (out, pos, noise, _) = clean_with_breaks(raw);
    (out, pos, noise)
}

/// `clean`, also telling which line breaks end a paragraph: followed by a
/// blank line or by an indented line (indices into the output).
fn clean_with_breaks(raw: &[(char, u32)]) -> (Vec<char>, Vec<u32>, NoiseStats, Vec<usize>) {
    let mut breaks: Vec<usize> = Vec::new();
    let mut out: Vec<char> = Vec::with_capacity(raw.len());
    let mut pos: Vec<u32> = Vec::with_capacity(raw.len());
    let mut noise = NoiseStats::default();
    // Full-width parentheses opened and not yet closed, so that `(2)` after
    // `（` closes in the same width.
    let mut open_paren = 0usize;
    let n = raw.len();
    let at = |k: usize| raw.get(k).map(|p| p.0);
    let mut i = 0;
    while i < n {
        let (c, p) = raw[i];
        // The common case: an ideograph needs nothing done.
        if crate::chars::is_han(c) {
            out.push(c);
            pos.push(p);
            i += 1;
            continue;
        }
        let prev = out.last().copied();
        // Pinyin annotation after a Han character: 會(huì)議.
        if (c == '(' || c == '（')
            && prev.is_some_and(is_han)
            && let Some(close) = pinyin_annotation_end(raw, i)
        {
            noise.pinyin += 1;
            i = close + 1;
            continue;
        }
        if c == '?' || c == '？' {
            let run = raw[i..].iter().take_while(|q| q.0 == c).count();
            let skip = run >= 2 && (c == '?' || run >= 3);
            // A lone `?` glued to a stray ASCII letter between Han characters
            // is a mis-decoded character too (出席?h直).
            let letter = at(i + run).filter(char::is_ascii_alphabetic);
            if letter.is_some()
                && at(i + run + 1).is_none_or(|d| !d.is_ascii_alphabetic())
                && (run >= 2 || (c == '?' && prev.is_some_and(is_han)))
            {
                noise.garbage += 1;
                i += run + 1;
                continue;
            }
            if skip {
                noise.garbage += 1;
                i += run;
                continue;
            }
        }
        if is_junk(c) || c == '\r' {
            if c != '\r' {
                noise.garbage += 1;
            }
            i += 1;
            continue;
        }
        if is_space(c) {
            // Indentation, trailing blanks and blanks beside CJK punctuation
            // carry nothing; one blank between words is kept.
            let next = raw[i..]
                .iter()
                .map(|q| q.0)
                .find(|&d| !is_space(d) && !is_junk(d));
            let keep = match (prev, next) {
                (None | Some('\n') | Some(' '), _) | (_, None | Some('\n')) => false,
                (Some(a), Some(b)) => !(is_fullwidth_punct(a) || is_fullwidth_punct(b)),
            };
            if keep {
                out.push(' ');
                pos.push(p);
            }
            i += 1;
            continue;
        }
        if c == '\n' {
            while out.last() == Some(&' ') {
                out.pop();
                pos.pop();
            }
            if !matches!(out.last(), None | Some('\n')) {
                out.push('\n');
                pos.push(p);
            }
            // A blank line or an indented line after it: a paragraph ends.
            let after = raw[i + 1..]
                .iter()
                .map(|q| q.0)
                .find(|&d| d != '\r' && !is_junk(d));
            if after.is_some_and(|d| d == '\n' || is_space(d))
                && out.last() == Some(&'\n')
                && breaks.last() != Some(&(out.len() - 1))
            {
                breaks.push(out.len() - 1);
            }
            i += 1;
            continue;
        }
        let next = at(i + 1);
        let mut folded = fold(c, prev, next);
        match folded {
            '（' => open_paren += 1,
            ')' if open_paren > 0 => folded = '）',
            _ => {}
        }
        if folded == '）' {
            open_paren = open_paren.saturating_sub(1);
        }
        // Doubled punctuation (，，  。。) is a typing slip; …… and —— are not.
        if matches!(folded, '，' | '。' | '；' | '：' | '、' | '！' | '？') && prev == Some(folded)
        {
            i += 1;
            continue;
        }
        out.push(folded);
        pos.push(p);
        i += 1;
    }
    while matches!(out.last(), Some('\n' | ' ')) {
        out.pop();
        pos.pop();
    }
    breaks.retain(|&b| b < out.len());
    (out, pos, noise, breaks)
}

fn is_fullwidth_punct(c: char) -> bool {
    is_cjk(c) && !is_han(c)
}

/// Folds ASCII and full-width forms to the forms Chinese text uses: ASCII
/// punctuation beside Chinese becomes full-width, full-width letters and
/// digits become ASCII.
fn fold(c: char, prev: Option<char>, next: Option<char>) -> char {
    let near_cjk = prev.is_some_and(is_cjk) || next.is_some_and(is_cjk);
    match c {
        ',' if near_cjk => '，',
        ';' if near_cjk => '；',
        '!' if near_cjk => '！',
        '?' if near_cjk => '？',
        ':' if near_cjk && !(prev.is_some_and(|p| p.is_ascii_digit())) => '：',
        '(' if near_cjk => '（',
        ')' if near_cjk => '）',
        '.' if prev.is_some_and(|p| is_han(p) || matches!(p, '”' | '’' | '）'))
            && next.is_none_or(|n| is_cjk(n) || n == '\n' || is_space(n)) =>
        {
            '。'
        }
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// When `raw[open]` opens a pinyin annotation such as `(huì)`, the index of
/// its closing parenthesis. Real parentheses — (扩大), (GDP), (2) — are not
/// annotations.
fn pinyin_annotation_end(raw: &[(char, u32)], open: usize) -> Option<usize> {
    let mut letters = 0usize;
    let mut tone = false;
    for (k, &(c, _)) in raw.iter().enumerate().skip(open + 1).take(12) {
        match c {
            ')' | '）' => {
                if letters == 0 {
                    return None;
                }
                let inner: String = raw[open + 1..k].iter().map(|q| q.0).collect();
                return (tone || plausible_toneless_syllable(inner.trim())).then_some(k);
            }
            ' ' | '\'' | '’' => {}
            c if is_pinyin_letter(c) => {
                letters += 1;
                tone |= is_tone_letter(c);
            }
            _ => return None,
        }
    }
    None
}

fn plausible_toneless_syllable(s: &str) -> bool {
    let len = s.chars().count();
    (1..=6).contains(&len)
        && s.chars().all(|c| c.is_ascii_lowercase() || c == 'ü')
        && s.chars()
            .any(|c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'v' | 'ü'))
        && (s.ends_with(['a', 'e', 'i', 'o', 'u', 'v', 'ü', 'n', 'r']) || s.ends_with("ng"))
}

/// Line breaks inside sentences, as text copied from a PDF or a fixed-width
/// page has them: a line that ends in a comma, or that fills the page's
/// width (the length most unfinished lines share) without finishing its
/// sentence, continues on the next line.
fn soft_wraps(display: &[char], breaks: &[usize]) -> Vec<usize> {
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, &c) in display.iter().enumerate() {
        if c == '\n' {
            lines.push((start, i));
            start = i + 1;
        }
    }
    let unfinished = |&(a, b): &(usize, usize)| {
        b > a
            && !matches!(
                display[b - 1],
                '。' | '！' | '？' | '：' | '；' | '”' | '’' | '」' | '）' | '…'
            )
    };
    // The wrap width: the most common length of unfinished lines.
    let mut counts = std::collections::HashMap::new();
    for l in lines.iter().filter(|l| unfinished(l) && l.1 - l.0 >= 16) {
        *counts.entry(l.1 - l.0).or_insert(0usize) += 1;
    }
    let width = counts
        .into_iter()
        .filter(|&(_, n)| n >= 3)
        .max_by_key(|&(w, n)| (n, w))
        .map(|(w, _)| w);
    // In a page of fixed width, a full line goes on unless a blank or an
    // indented line follows, even when it happens to end a sentence.
    let full = |&(a, b): &(usize, usize)| width.is_some_and(|w| b - a + 2 >= w && b - a <= w + 2);
    lines
        .iter()
        .filter(|l| breaks.binary_search(&l.1).is_err())
        .filter(|l| {
            (unfinished(l) && matches!(display[l.1 - 1], '，' | '、'))
                || (full(l) && (unfinished(l) || !breaks.is_empty()))
        })
        .map(|l| l.1)
        .collect()
}

/// Runs the whole normalisation over raw characters.
pub fn normalize(raw: &[(char, u32)]) -> Normalized {
    let (mut display, mut pos, noise, breaks) = clean_with_breaks(raw);
    let wraps = soft_wraps(&display, &breaks);
    if !wraps.is_empty() {
        let mut k = 0;
        let mut i = 0;
        display.retain(|_| {
            let keep = wraps.get(k) != Some(&i);
            if !keep {
                k += 1;
            }
            i += 1;
            keep
        });
        let (mut k, mut i) = (0, 0);
        pos.retain(|_| {
            let keep = wraps.get(k) != Some(&i);
            if !keep {
                k += 1;
            }
            i += 1;
            keep
        });
    }
    let (simp, traditional, simplified) = crate::convert::to_simplified(&display);
    Normalized {
        script: script_of(traditional, simplified),
        display,
        simp,
        pos,
        noise,
    }
}

/// The script from the counts of Traditional characters and of characters
/// only Simplified text uses: a few conversion slips (并, 于) leave a
/// Traditional text Traditional.
fn script_of(traditional: usize, simplified: usize) -> Script {
    let total = traditional + simplified;
    if total == 0 {
        return Script::Hans;
    }
    let share = traditional as f64 / total as f64;
    if share >= 0.8 {
        Script::Hant
    } else if share <= 0.2 {
        Script::Hans
    } else {
        Script::Mixed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> String {
        let raw: Vec<(char, u32)> = s.chars().zip(0..).collect();
        clean(&raw).0.into_iter().collect()
    }

    #[test]
    fn removes_pinyin_keeps_real_parentheses() {
        assert_eq!(run("會(huì)議召開(擴大)會議"), "會議召開（擴大）會議");
        assert_eq!(
            run("成渝(興隆湖)綜合性科學中心"),
            "成渝（興隆湖）綜合性科學中心"
        );
        assert_eq!(run("印發(fā)的"), "印發的");
        assert_eq!(run("鐘鎮(zhèn)懷"), "鐘鎮懷");
        assert_eq!(run("增长(GDP)和(2)"), "增长（GDP）和（2）");
        assert_eq!(run("县长(zhang)讲话"), "县长讲话");
        assert_eq!(run("经济(app)"), "经济（app）");
    }

    #[test]
    fn removes_question_mark_garbage_and_mojibake() {
        assert_eq!(run("??? □記者 趙霞"), "記者 趙霞");
        assert_eq!(run("出席??h直有關"), "出席直有關");
        assert_eq!(run("是不是？"), "是不是？");
    }

    #[test]
    fn folds_punctuation_and_whitespace() {
        assert_eq!(
            run("　　会议指出,要加强;要落实."),
            "会议指出，要加强；要落实。"
        );
        assert_eq!(run("增长3.5%,完成10:30"), "增长3.5%，完成10:30");
        assert_eq!(run("要加强，，落实。。"), "要加强，落实。");
        assert_eq!(run("省略……破折——"), "省略……破折——");
        assert_eq!(run("a\r\n\r\n\r\nb  \n"), "a\nb");
        assert_eq!(run("ＧＤＰ１２"), "GDP12");
    }

    #[test]
    fn offsets_point_at_the_source() {
        let s = "會(huì)議,要";
        let raw: Vec<(char, u32)> = s.chars().zip(0..).collect();
        let (out, pos, noise) = clean(&raw);
        assert_eq!(out, vec!['會', '議', '，', '要']);
        assert_eq!(pos, vec![0, 6, 7, 8]);
        assert_eq!(noise.pinyin, 1);
    }

    #[test]
    fn simplified_view_is_aligned() {
        let d: Vec<char> = "會議指出，要堅決並于".chars().collect();
        let s = crate::convert::to_simplified(&d).0;
        assert_eq!(s.iter().collect::<String>(), "会议指出，要坚决并于");
    }

    #[test]
    fn script_detection() {
        let det = |t: &str| {
            let d: Vec<char> = t.chars().collect();
            let (_, t, s) = crate::convert::to_simplified(&d);
            script_of(t, s)
        };
        assert_eq!(
            det("会议指出，要坚决扛起建设国家战略腹地这个重大使命。"),
            Script::Hans
        );
        assert_eq!(
            det("會議指出，要堅決扛起建設國家戰略腹地這個重大使命，並于"),
            Script::Hant
        );
        assert_eq!(
            det("会议指出要坚决扛起。會議指出要堅決扛起建設"),
            Script::Mixed
        );
        assert_eq!(det("12345"), Script::Hans);
    }
}
