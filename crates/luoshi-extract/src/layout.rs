//! Layout: lines, boilerplate, paragraphs, sentences and segments over the
//! Simplified view. Everything is an index range into that view.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::chars::{is_clause_end, is_sentence_end, list_number, quote_open};

/// `[start, end)` into the normalised views.
pub type Range = (usize, usize);

/// A line of the normalised text, with what the layout made of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub range: Range,
    /// Share footers, bylines, captions, navigation, editor lines,
    /// related-news links.
    pub boilerplate: bool,
    /// A short line with no sentence in it: a headline, a subtitle, a link.
    /// It holds no task unless it opens with a cue or a list number.
    pub heading: bool,
}

/// Splits the view into lines (without their `\n`) and marks boilerplate.
pub fn lines(simp: &[char]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in simp.iter().enumerate() {
        if c == '\n' {
            out.push((start, i));
            start = i + 1;
        }
    }
    if start < simp.len() {
        out.push((start, simp.len()));
    }
    out.into_iter()
        .filter(|r| r.1 > r.0)
        .map(|range| {
            let line = &simp[range.0..range.1];
            Line {
                range,
                boilerplate: is_boilerplate(line),
                heading: is_heading(line),
            }
        })
        .collect()
}

fn is_heading(line: &[char]) -> bool {
    // Prose has clauses; a headline, a link or a table row has none.
    if line.len() > 50
        || line
            .iter()
            .any(|&c| is_sentence_end(c) || matches!(c, '，' | '；'))
    {
        return false;
    }
    // 三、要以钉钉子精神纠治“四风” : a numbered heading that directs.
    let numbered = line
        .iter()
        .take_while(|&&c| list_number(c).is_some())
        .count();
    let line = if numbered > 0 && line.get(numbered) == Some(&'、') {
        &line[numbered + 1..]
    } else {
        line
    };
    let opens_task = matches!(line.first(), Some('要' | '必' | '务' | '（'))
        || line.get(1).is_some_and(|&c| matches!(c, '要' | '是'))
            && line.first().is_some_and(|&c| list_number(c).is_some());
    !opens_task
}

/// Markers of web-page furniture. A line that carries one and has no
/// sentence in it is not part of the communiqué.
const BOILER_MARKERS: &[&str] = &[
    "分享",
    "责任编辑",
    "编辑：",
    "编辑:",
    "校对",
    "审核：",
    "来源：",
    "来源:",
    "作者：",
    "原标题",
    "纠错",
    "扫一扫",
    "扫码",
    "打印",
    "关闭窗口",
    "字号",
    "字体",
    "当前位置",
    "您的位置",
    "首页",
    "版权所有",
    "Copyright",
    "copyright",
    "ICP",
    "上一篇",
    "下一篇",
    "相关新闻",
    "相关阅读",
    "记者",
    "通讯员",
    "报道",
    "图为",
    "摄）",
    "摄)",
    "▲",
    "发布时间",
    "发布日期",
    "浏览次数",
    "阅读量",
    "点击",
    "微信",
    "微博",
    "收藏",
    "【",
    "本报讯",
    "讯（",
    "网讯",
];

/// Markers that make even a short line with a full stop furniture.
const STRONG_MARKERS: &[&str] = &[
    "分享",
    "责任编辑",
    "编辑：",
    "来源：",
    "扫一扫",
    "纠错",
    "打印",
    "首页",
    "当前位置",
    "您的位置",
    "版权所有",
    "Copyright",
    "上一篇",
    "下一篇",
    "发布时间",
];

/// Both marker lists in one automaton; a match at index `BOILER_MARKERS.len()`
/// or above is a strong marker.
static MARKERS: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(BOILER_MARKERS.iter().chain(STRONG_MARKERS)).ok());

fn is_boilerplate(line: &[char]) -> bool {
    let has_sentence = line.iter().any(|&c| is_sentence_end(c));
    let short = line.len() <= 40;
    if has_sentence && !short {
        // Body text; only a long photo caption looks like it.
        return matches!(line.first(), Some('▲')) || line.starts_with(&['图', '为']);
    }
    let s = crate::chars::collect(line);
    let (mut marked, mut strong) = (false, false);
    if let Some(ac) = MARKERS.as_ref() {
        for m in ac.find_overlapping_iter(&s) {
            marked = true;
            strong |= m.pattern().as_usize() >= BOILER_MARKERS.len();
        }
    }
    // Photo captions: 图为会议现场。（记者 李四 摄）
    let caption = line.starts_with(&['图', '为'])
        || line.first() == Some(&'▲')
        || (short
            && line
                .windows(2)
                .any(|w| w[0] == '摄' && matches!(w[1], '）' | ')')));
    // Navigation crumbs: 首页 > 新闻 > 正文.
    let crumbs = line
        .iter()
        .filter(|&&c| matches!(c, '>' | '›' | '»' | '＞'))
        .count()
        >= 2;
    // A line of only a date and a time.
    let date_only = !line
        .iter()
        .any(|&c| crate::chars::is_han(c) && !"年月日时分秒".contains(c))
        && line.iter().filter(|c| c.is_ascii_digit()).count() >= 4;
    // Related-news links: a bullet in front or a date behind.
    let bullet = matches!(
        line.first(),
        Some('·' | '•' | '●' | '◆' | '◇' | '▪' | '►' | '▶' | '○' | '-')
    );
    let dated_link = line.len() >= 10
        && line
            .iter()
            .rev()
            .take(10)
            .filter(|c| c.is_ascii_digit())
            .count()
            >= 4
        && line.iter().rev().take(10).any(|&c| c == '-' || c == '/');
    let link = !has_sentence && (bullet || dated_link);
    date_only
        || (crumbs && short)
        || caption
        || link
        || (marked && !has_sentence)
        || (strong && short)
}

/// Tracks quotation depth so that punctuation and cues inside quoted
/// material are not taken as the document's own.
#[derive(Debug, Default)]
pub struct Quotes {
    stack: Vec<(char, usize)>,
}

impl Quotes {
    /// Feeds the character at `i`; returns whether `i` is outside quotes
    /// (opening and closing marks count as inside).
    #[inline(always)]
    pub fn step(&mut self, c: char, i: usize) -> bool {
        // Most characters are neither quotes nor inside them.
        if self.stack.is_empty() && !matches!(c, '“' | '‘' | '「' | '『' | '《' | '"') {
            return true;
        }
        // An opener never closed within a long stretch was a stray mark.
        if let Some(&(_, at)) = self.stack.first()
            && i > at + 160
        {
            self.stack.clear();
        }
        if let Some(&(close, _)) = self.stack.last()
            && c == close
        {
            self.stack.pop();
            return false;
        }
        if let Some(close) = quote_open(c) {
            self.stack.push((close, i));
            return false;
        }
        if c == '"' {
            if self.stack.last().is_some_and(|q| q.0 == '"') {
                self.stack.pop();
            } else {
                self.stack.push(('"', i));
            }
            return false;
        }
        self.stack.is_empty()
    }
}

/// A sentence and the segments (directive-sized pieces) it is cut into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub range: Range,
    pub segments: Vec<Range>,
    /// The frame it opens with (会议指出，), if any.
    pub frame: Option<Frame>,
}

/// Cuts `range` into sentences (at 。！？ outside quotes) and each sentence
/// into segments: at ；outside quotes, and before a numbered item (一要,
/// 二是…) that opens a clause.
pub fn sentences(simp: &[char], range: Range) -> Vec<Sentence> {
    sentences_upto(simp, range, usize::MAX)
}

/// The first `max` sentences of `range`.
pub fn sentences_upto(simp: &[char], range: Range, max: usize) -> Vec<Sentence> {
    let (a, b) = range;
    let mut out = Vec::new();
    let mut q = Quotes::default();
    let mut s_start = a;
    let mut seg_start = a;
    let mut segs = Vec::new();
    // The comma that closes a frame (会议指出，) is not a cut.
    let mut frame = frame_at(simp, a, b);
    let mut i = a;
    while i < b {
        let c = simp[i];
        let outside = q.step(c, i);
        if outside && c == '；' {
            segs.push((seg_start, i));
            seg_start = i + 1;
        } else if outside
            && matches!(c, '，' | '：')
            && i + 2 < b
            && i > seg_start
            && frame.map(|f| f.content) != Some(i + 1)
            && opens_item(simp, i + 1, b)
        {
            // 一是… / 二要… open an item; a bare 要 after a comma opens the
            // next directive (要甲，要乙。).
            segs.push((seg_start, i));
            seg_start = i + 1;
        } else if outside && is_sentence_end(c) {
            // Keep closing quotes and repeated ends with the sentence.
            let mut end = i + 1;
            while end < b && (is_sentence_end(simp[end]) || matches!(simp[end], '”' | '’' | '」'))
            {
                end += 1;
            }
            segs.push((seg_start, end));
            push_sentence(&mut out, s_start, end, std::mem::take(&mut segs), frame);
            if out.len() >= max {
                return out;
            }
            s_start = end;
            seg_start = end;
            frame = frame_at(simp, end, b);
            i = end;
            continue;
        }
        i += 1;
    }
    if seg_start < b {
        segs.push((seg_start, b));
    }
    if s_start < b {
        push_sentence(&mut out, s_start, b, segs, frame);
    }
    out
}

/// Whether a numbered item starts at `i`: 一要 / 二是 / （三）.
fn opens_item(simp: &[char], i: usize, end: usize) -> bool {
    let at = |k: usize| if k < end { simp.get(k).copied() } else { None };
    match (at(i), at(i + 1), at(i + 2)) {
        (Some(n), Some('要' | '是'), _) => list_number(n).is_some(),
        (Some('（'), Some(n), Some('）')) => list_number(n).is_some() || n.is_ascii_digit(),
        _ => false,
    }
}

fn push_sentence(
    out: &mut Vec<Sentence>,
    start: usize,
    end: usize,
    segs: Vec<Range>,
    frame: Option<Frame>,
) {
    let segments: Vec<Range> = segs.into_iter().filter(|s| s.1 > s.0).collect();
    if !segments.is_empty() {
        out.push(Sentence {
            range: (start, end),
            segments,
            frame,
        });
    }
}

/// Verbs that report what a meeting or a speaker said; a clause
/// `会议指出，` or `张三强调：` in front of a sentence is a frame, not content.
const FRAME_VERBS: &[&str] = &[
    "指出", "强调", "要求", "认为", "提出", "明确", "号召", "表示", "部署", "指明", "希望", "提到",
    "决定", "倡议",
];

/// Frame verbs whose frame directs by itself (会议要求，加强… is a task).
/// (会议决定 and 会议部署 announce decisions; they direct only through a cue.)
pub const DIRECTING_FRAMES: &[&str] = &["要求", "提出", "号召", "倡议"];

/// How a report names the meeting itself as the speaker.
const MEETING_SPEAKERS: &[&[char]] = &[&['会', '议'], &['全', '会'], &['大', '会'], &['会', '上']];

/// A frame at the start of a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The frame's words without the delimiter, e.g. 会议指出.
    pub words: Range,
    /// Where the framed content starts.
    pub content: usize,
    /// Whether the frame verb directs (要求, 部署…).
    pub directing: bool,
    /// Whether the speaker is the meeting itself (会议…).
    pub meeting: bool,
}

/// Recognises `会议指出，` / `会议要求` / `张三强调：` at `start`.
pub fn frame_at(simp: &[char], start: usize, end: usize) -> Option<Frame> {
    let limit = end.min(start + 40);
    let text = &simp[start..limit];
    let starts_meeting = MEETING_SPEAKERS.iter().any(|w| text.starts_with(w));
    // 会议要求各地… without a comma.
    if starts_meeting && text.len() >= 4 {
        let verb: String = text[2..4].iter().collect();
        if FRAME_VERBS.contains(&verb.as_str()) {
            let mut content = start + 4;
            if content < end && matches!(simp[content], '，' | '：' | ',' | ':') {
                content += 1;
            }
            return Some(Frame {
                words: (start, start + 4),
                content,
                directing: DIRECTING_FRAMES.contains(&verb.as_str()),
                meeting: true,
            });
        }
    }
    let delim = text.iter().position(|&c| matches!(c, '，' | '：'))?;
    if delim < 3 || text[..delim].iter().any(|&c| is_clause_end(c)) {
        return None;
    }
    // Every frame verb ends in one of these.
    if !matches!(
        text[delim - 1],
        '出' | '调' | '求' | '为' | '确' | '召' | '示' | '署' | '明' | '望' | '到' | '定' | '议'
    ) {
        return None;
    }
    let head = &text[..delim];
    let verb = FRAME_VERBS
        .iter()
        .find(|v| crate::chars::ends_with(head, v))?;
    // A directive that ends in a frame verb (要把责任明确，) is not a frame.
    let speaker = &head[..head.len() - verb.chars().count()];
    if speaker.is_empty()
        || speaker.contains(&'要')
        || crate::chars::find(speaker, "必须").is_some()
    {
        return None;
    }
    // 要求 at the end of 工作要求 / 总要求 / …的要求 is a noun, not a
    // speaker's verb.
    if speaker.last() == Some(&'的')
        || ["总要求", "工作要求"]
            .iter()
            .any(|w| crate::chars::ends_with(head, w))
    {
        return None;
    }
    Some(Frame {
        words: (start, start + delim),
        content: start + delim + 1,
        directing: DIRECTING_FRAMES.contains(verb),
        meeting: starts_meeting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn text(c: &[char], r: Range) -> String {
        c[r.0..r.1].iter().collect()
    }

    #[test]
    fn boilerplate_lines() {
        for l in [
            "分享让更多人看到",
            "责任编辑：张三",
            "（记者 钟镇怀）",
            "首页 > 新闻中心 > 要闻",
            "2024-03-15 09:30:12",
            "图为会议现场。（记者 李四 摄）",
            "记者 赵霞 报道",
        ] {
            assert!(is_boilerplate(&v(l)), "{l}");
        }
        for l in [
            "会议指出，要坚决扛起建设国家战略腹地这个重大使命，更好服务国家发展全局。要打造战略科技力量承载重地。",
            "省委常委会召开会议 部署防汛工作",
        ] {
            assert!(!is_boilerplate(&v(l)), "{l}");
        }
    }

    #[test]
    fn sentences_and_segments() {
        let c = v("会议指出，要甲；要乙。要丙“不。是”完。要做好三件事：一是丁，二是戊。尾巴");
        assert_eq!(frame_at(&c, 0, c.len()).map(|f| f.content), Some(5));
        let s = sentences(&c, (0, c.len()));
        let got: Vec<Vec<String>> = s
            .iter()
            .map(|s| s.segments.iter().map(|r| text(&c, *r)).collect())
            .collect();
        assert_eq!(
            got,
            vec![
                vec!["会议指出，要甲".to_string(), "要乙。".into()],
                vec!["要丙“不。是”完。".into()],
                vec!["要做好三件事".into(), "一是丁".into(), "二是戊。".into()],
                vec!["尾巴".into()],
            ]
        );
    }

    #[test]
    fn frames() {
        let c = v("会议指出，要甲");
        let f = frame_at(&c, 0, c.len()).expect("frame");
        assert_eq!((f.content, f.directing, f.meeting), (5, false, true));
        let c = v("会议要求各地加强");
        let f = frame_at(&c, 0, c.len()).expect("frame");
        assert_eq!((f.content, f.directing), (4, true));
        let c = v("齐永军要求，各有关部门要");
        let f = frame_at(&c, 0, c.len()).expect("frame");
        assert_eq!((f.content, f.directing, f.meeting), (6, true, false));
        let c = v("牢牢把握的总要求，坚持");
        assert!(frame_at(&c, 0, c.len()).is_none());
        let c = v("要甲，要乙");
        assert!(frame_at(&c, 0, c.len()).is_none());
    }
}
