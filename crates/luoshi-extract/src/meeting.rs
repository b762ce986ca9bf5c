//! Meeting metadata: the headline, the day the meeting was held (resolved
//! against the page's own publication date), the convening body and the
//! chair.

use crate::chars::{is_clause_end, is_han, is_sentence_end};
use crate::dates::{PartialDate, add_days, number};
use crate::layout::{self, Line, Range};
use crate::model::Meeting;

/// A date expression found in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Full(i32, u32, u32),
    MonthDay(u32, u32),
    Day(u32),
    /// Days relative to the publication date (0 today, -1 yesterday).
    Relative(i64),
}

/// Numerals that may write a day or a month.
fn is_numeral(c: char) -> bool {
    c.is_ascii_digit()
        || matches!(
            c,
            '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
        )
}

/// Numerals that may write a year digit by digit (二〇二四).
fn is_year_numeral(c: char) -> bool {
    c.is_ascii_digit()
        || matches!(
            c,
            '〇' | '零' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九'
        )
}

/// The numeral of at most `max` characters that ends just before `end`
/// (one blank allowed in between): its start and value.
fn numeral_before(
    c: &[char],
    end: usize,
    max: usize,
    class: fn(char) -> bool,
) -> Option<(usize, u32)> {
    let end = if end > 0 && c[end - 1] == ' ' {
        end - 1
    } else {
        end
    };
    let mut start = end;
    while start > 0 && end - start < max && class(c[start - 1]) {
        start -= 1;
    }
    if start == end {
        return None;
    }
    // Digits and Chinese numerals are not mixed within one number.
    let digits = c[start].is_ascii_digit();
    if c[start..end].iter().any(|ch| ch.is_ascii_digit() != digits) {
        return None;
    }
    number(&crate::chars::collect(&c[start..end])).map(|v| (start, v))
}

/// An ISO-like date `2023-02-26`, `2023/2/26`, `2023.2.26` starting at `i`:
/// its end and value.
fn iso_at(c: &[char], i: usize) -> Option<(usize, i32, u32, u32)> {
    let digits = |from: usize, min: usize, max: usize| -> Option<(usize, u32)> {
        let mut k = from;
        while k < c.len() && k - from < max && c[k].is_ascii_digit() {
            k += 1;
        }
        (k - from >= min && c.get(k).is_none_or(|d| !d.is_ascii_digit())).then(|| {
            (
                k,
                c[from..k]
                    .iter()
                    .fold(0, |v, d| v * 10 + d.to_digit(10).unwrap_or(0)),
            )
        })
    };
    let (k, y) = digits(i, 4, 4)?;
    let sep = *c.get(k).filter(|s| matches!(s, '-' | '/' | '.'))?;
    let (k, m) = digits(k + 1, 1, 2)?;
    if c.get(k) != Some(&sep) {
        return None;
    }
    let (k, d) = digits(k + 1, 1, 2)?;
    PartialDate::full(y as i32, m, d).map(|_| (k, y as i32, m, d))
}

/// All date expressions in `c`, by position, with where each ends
/// (character indices).
fn dates_in(c: &[char]) -> Vec<(usize, usize, Found)> {
    let mut out = Vec::new();
    for i in 0..c.len() {
        match c[i] {
            '日' => {
                let Some((d_start, d)) = numeral_before(c, i, 3, is_numeral) else {
                    // 昨日 / 今日 / 前日
                    if i > 0 && matches!(c[i - 1], '昨' | '今' | '前') {
                        out.push((i - 1, i + 1, Found::Relative(relative(c[i - 1]))));
                    }
                    continue;
                };
                if !(1..=31).contains(&d) {
                    continue;
                }
                let before = d_start
                    .checked_sub(1)
                    .map(|k| if c[k] == ' ' && k > 0 { k - 1 } else { k });
                if let Some(k) = before.filter(|&k| c[k] == '月') {
                    let Some((m_start, m)) = numeral_before(c, k, 3, is_numeral) else {
                        continue;
                    };
                    if !(1..=12).contains(&m) {
                        continue;
                    }
                    let year_mark = m_start
                        .checked_sub(1)
                        .map(|k| if c[k] == ' ' && k > 0 { k - 1 } else { k });
                    let full = year_mark
                        .filter(|&k| c[k] == '年')
                        .and_then(|k| numeral_before(c, k, 4, is_year_numeral))
                        .filter(|&(ys, _)| year_mark.is_some_and(|k| k - ys == 4))
                        .and_then(|(ys, y)| {
                            PartialDate::full(y as i32, m, d).map(|_| (ys, y as i32))
                        });
                    match full {
                        Some((ys, y)) => out.push((ys, i + 1, Found::Full(y, m, d))),
                        None => out.push((m_start, i + 1, Found::MonthDay(m, d))),
                    }
                } else if d_start == 0 || !c[d_start - 1].is_ascii_digit() {
                    out.push((d_start, i + 1, Found::Day(d)));
                }
            }
            '天' if i > 0 && matches!(c[i - 1], '昨' | '今' | '前') => {
                out.push((i - 1, i + 1, Found::Relative(relative(c[i - 1]))));
            }
            d if d.is_ascii_digit() && (i == 0 || !c[i - 1].is_ascii_digit()) => {
                if let Some((end, y, m, dd)) = iso_at(c, i) {
                    out.push((i, end, Found::Full(y, m, dd)));
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|&(p, _, _)| p);
    out
}

fn relative(c: char) -> i64 {
    match c {
        '昨' => -1,
        '前' => -2,
        _ => 0,
    }
}

fn string(c: &[char], r: Range) -> String {
    crate::chars::collect(&c[r.0..r.1])
}

/// What the metadata pass learnt, for the rest of extraction.
#[derive(Debug, Default)]
pub struct MeetingInfo {
    pub meeting: Meeting,
    /// The year the document speaks from, for time limits.
    pub year: Option<i32>,
    /// The index of the headline in the lines, which holds no task.
    pub title_line: Option<usize>,
    /// Whether a 昨天/今天 could not be resolved for want of a page date.
    pub unresolved_relative: bool,
}

/// Reads the meeting metadata from the first lines of the document.
/// `sentences` holds each line's sentences (empty for boilerplate).
pub fn meeting(
    simp: &[char],
    display: &[char],
    lines: &[Line],
    sentences: &[Vec<layout::Sentence>],
) -> MeetingInfo {
    let mut info = MeetingInfo::default();
    let content: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].boilerplate)
        .collect();
    if let Some(&first) = content.first() {
        let r = lines[first].range;
        let len = r.1 - r.0;
        let sentence = simp[r.0..r.1].iter().any(|&c| is_sentence_end(c));
        if !sentence && (5..=80).contains(&len) && content.len() > 1 {
            info.title_line = Some(first);
            info.meeting.title = Some(string(display, r));
        }
    }
    // The lead: the first sentence that says a meeting was held.
    let mut early: Vec<Range> = Vec::new();
    'lines: for &li in &content {
        if Some(li) == info.title_line {
            continue;
        }
        for s in &sentences[li] {
            early.push(s.range);
            if early.len() > 12 {
                break 'lines;
            }
        }
    }
    // A sentence that says when the meeting was held beats a heading that
    // only names it; holding (召开, 举行) beats chairing beats a mention.
    let mut best: Option<(u8, Range)> = None;
    let mut chaired: Vec<Range> = Vec::new();
    for &r in &early {
        let text = &simp[r.0..r.1];
        // One look at each pair of characters instead of a search per word.
        let (mut held, mut chairs, mut meeting, mut datelike) = (false, false, false, false);
        for w in text.windows(2) {
            match (w[0], w[1]) {
                ('召', '开') | ('举', '行') => held = true,
                ('主', '持') => chairs = true,
                ('会', '议') => meeting = true,
                _ => {}
            }
            datelike |= matches!(w[0], '日' | '天' | '-' | '/' | '.');
        }
        datelike |= text.last().is_some_and(|&c| c == '日');
        if chairs {
            chaired.push(r);
        }
        let kind = if held {
            0
        } else if chairs {
            1
        } else if meeting {
            2
        } else {
            continue;
        };
        let rank = kind * 2 + u8::from(!datelike || dates_in(text).is_empty());
        if best.is_none_or(|b| rank < b.0) {
            best = Some((rank, r));
        }
        if rank == 0 {
            break;
        }
    }
    let lead = best.map(|b| b.1);
    let title_range = info.title_line.map(|i| lines[i].range);
    let lead_or_title = lead.or(title_range);
    // The page's own date: on a short line or a furniture line.
    let mut publication: Option<(Option<i32>, u32, u32)> = lines.iter().find_map(|l| {
        let short = l.range.1 - l.range.0 <= 60
            && !simp[l.range.0..l.range.1]
                .iter()
                .any(|&c| is_sentence_end(c));
        if !(l.boilerplate || short) || Some(l.range) == lead {
            return None;
        }
        if !simp[l.range.0..l.range.1]
            .iter()
            .any(|&c| c.is_ascii_digit() || c == '〇')
        {
            return None;
        }
        dates_in(&simp[l.range.0..l.range.1])
            .into_iter()
            .find_map(|(_, _, f)| match f {
                Found::Full(y, m, d) => Some((Some(y), m, d)),
                _ => None,
            })
    });

    if let Some(r) = lead_or_title {
        let text = &simp[r.0..r.1];
        let mut found = None;
        for (start, end, f) in dates_in(text) {
            // A dateline (本报北京2月25日讯, 新华社…电) or the day a reporter
            // learnt the news (记者6月3日从…获悉) dates the report, not the
            // meeting.
            let reporter = start >= 2 && text[..start].ends_with(&['记', '者']);
            if matches!(text.get(end), Some('讯' | '电')) || reporter {
                if let Found::MonthDay(m, d) = f {
                    publication = publication.or(Some((None, m, d)));
                }
                continue;
            }
            found = Some(f);
            break;
        }
        let month_day = |m, d| {
            Some(PartialDate {
                year: None,
                month: Some(m),
                day: Some(d),
            })
        };
        let date = match (found, publication) {
            (Some(Found::Full(y, m, d)), _) => PartialDate::full(y, m, d),
            (Some(Found::MonthDay(m, d)), Some((Some(py), pm, pd))) => {
                // A meeting is reported after it is held.
                let y = if (m, d) > (pm, pd) { py - 1 } else { py };
                PartialDate::full(y, m, d).or(month_day(m, d))
            }
            (Some(Found::MonthDay(m, d)), _) => month_day(m, d),
            (Some(Found::Day(d)), Some((py, pm, pd))) => {
                let (y, m) = match (d > pd, pm) {
                    (true, 1) => (py.map(|y| y - 1), 12),
                    (true, _) => (py, pm - 1),
                    (false, _) => (py, pm),
                };
                match y {
                    Some(y) => PartialDate::full(y, m, d),
                    None => month_day(m, d),
                }
                .or(Some(PartialDate {
                    year: None,
                    month: None,
                    day: Some(d),
                }))
            }
            (Some(Found::Day(d)), None) => Some(PartialDate {
                year: None,
                month: None,
                day: Some(d),
            }),
            (Some(Found::Relative(delta)), Some((py, pm, pd))) => {
                // Without the year, count in a common year.
                let (y, m, d) = add_days(py.unwrap_or(2001), pm, pd, delta);
                match py {
                    Some(_) => PartialDate::full(y, m, d),
                    None => month_day(m, d),
                }
            }
            (Some(Found::Relative(_)), None) => {
                info.unresolved_relative = true;
                None
            }
            (None, _) => None,
        };
        info.meeting.date = date.and_then(|d| d.render());
        info.year = date.and_then(|d| d.year).or(publication.and_then(|p| p.0));
    }
    // A report or a communiqué dated on a line of its own under the
    // headline: （2024年1月18日）.
    if info.meeting.date.is_none() {
        let dated_line = lines.iter().take(8).find_map(|l| {
            let t = &simp[l.range.0..l.range.1];
            if !matches!(t.first(), Some('（' | '(')) || t.len() > 40 {
                return None;
            }
            dates_in(t).into_iter().find_map(|(_, _, f)| match f {
                Found::Full(y, m, d) => PartialDate::full(y, m, d),
                _ => None,
            })
        });
        if let Some(d) = dated_line {
            info.meeting.date = d.render();
            info.year = d.year;
        }
    }
    let mut named = title_range.into_iter().chain(early.iter().copied());
    let body = lead
        .and_then(|r| body(simp, r))
        .or_else(|| title_range.and_then(|r| body(simp, r)))
        .or_else(|| named.find_map(|r| body_at_meeting(simp, r)));
    info.meeting.body = body.map(|r| string(display, r));
    // The chair is named where 主持 is written: in the sentences seen so
    // far, or else further on among the first ones, or in the headline.
    let mut chair_from = chaired;
    chair_from.extend(
        early
            .iter()
            .copied()
            .filter(|r| r.0 >= best.map_or(0, |b| b.1.1)),
    );
    if let Some(t) = title_range {
        chair_from.push(t);
    }
    info.meeting.chair = chair_from
        .iter()
        .find_map(|&r| chair(simp, r))
        .map(|r| string(display, r));
    info
}

fn find(simp: &[char], (a, b): Range, word: &str) -> Option<usize> {
    crate::chars::find(&simp[a..b], word).map(|p| a + p)
}

fn clause_start(simp: &[char], a: usize, k: usize) -> usize {
    simp[a..k]
        .iter()
        .rposition(|&c| is_clause_end(c))
        .map_or(a, |p| a + p + 1)
}

fn clause_end(simp: &[char], k: usize, b: usize) -> usize {
    simp[k..b]
        .iter()
        .position(|&c| is_clause_end(c))
        .map_or(b, |p| k + p)
}

/// The convening body in a sentence like 省委常委会于7月12日召开会议,
/// 张三主持召开省委常委会会议 or 县政府第三次常务会议召开.
fn body(simp: &[char], r: Range) -> Option<Range> {
    let k = find(simp, r, "召开").or_else(|| find(simp, r, "举行"))?;
    let cs = clause_start(simp, r.0, k);
    let before = (cs, k);
    let after = (k + 2, clause_end(simp, k + 2, r.1));
    let held_by_chair = find(simp, before, "主持").is_some();
    let mut candidates = Vec::new();
    if !held_by_chair {
        let mut b = before;
        // …全体会议，于2024年7月29日在云州举行 : the body is the clause before.
        if matches!(simp.get(b.0), Some('于' | '在')) && b.0 > r.0 + 1 {
            let prev_end = b.0 - 1;
            b = (clause_start(simp, r.0, prev_end), prev_end);
        }
        // 省委常委会于7月12日 / 在北京 : the body comes first.
        for w in ["于", "在"] {
            if let Some(p) = find(simp, b, w).filter(|&p| p > b.0) {
                b.1 = p;
            }
        }
        // Skip a leading date, byline or day word: 4月27日 / 本报讯 / 昨天.
        if let Some(p) = simp[b.0..b.1]
            .iter()
            .rposition(|&c| matches!(c, '日' | '讯' | ' ' | '天'))
        {
            b.0 = b.0 + p + 1;
        }
        for w in ["上午", "下午", "晚上", "近日", "日前"] {
            if string(simp, b).starts_with(w) {
                b.0 += 2;
            }
        }
        candidates.push(b);
    }
    candidates.push(after);
    candidates
        .into_iter()
        .map(|c| strip_meeting(simp, c))
        .find(|&(a, b)| {
            b > a + 1
                && b - a <= 30
                && simp[a..b]
                    .iter()
                    .all(|&c| is_han(c) || matches!(c, '（' | '）' | '、'))
        })
}

/// The body in 在中国共产党某市第八届纪律检查委员会第四次全体会议上 (a
/// report delivered at a meeting).
fn body_at_meeting(simp: &[char], r: Range) -> Option<Range> {
    let k = find(simp, r, "会议上")?;
    let open = simp[r.0..k]
        .iter()
        .rposition(|&c| c == '在')
        .map(|p| r.0 + p + 1)?;
    let (a, b) = strip_meeting(simp, (open, k + 2));
    (b > a + 1
        && b - a <= 40
        && simp[a..b]
            .iter()
            .all(|&c| is_han(c) || matches!(c, '（' | '）')))
    .then_some((a, b))
}

/// Removes what names the meeting rather than the body: 会议, (扩大),
/// 第三次, 常务.
fn strip_meeting(simp: &[char], (a, mut b): Range) -> Range {
    loop {
        let s = &simp[a..b];
        let before = b;
        for suffix in [
            "会议",
            "（扩大）",
            "扩大",
            "常务",
            "全体",
            "专题",
            "例会",
            "联席",
        ] {
            if crate::chars::ends_with(s, suffix) {
                b -= suffix.chars().count();
                break;
            }
        }
        if b == before
            && s.last() == Some(&'次')
            && let Some(p) = simp[a..b].iter().rposition(|&c| c == '第')
        {
            b = a + p;
        }
        if b == before {
            return (a, b);
        }
    }
}

const TITLES: &[&str] = &[
    "书记",
    "主任",
    "省长",
    "市长",
    "县长",
    "区长",
    "州长",
    "镇长",
    "乡长",
    "部长",
    "厅长",
    "局长",
    "主席",
    "组长",
    "秘书长",
    "院长",
    "常委",
    "委员",
    "理事长",
    "董事长",
    "总经理",
    "校长",
    "队长",
    "社长",
    "检察长",
    "处长",
    "科长",
    "所长",
    "旗长",
    "盟长",
    "司令员",
    "政委",
    "主委",
    "指挥长",
    "总指挥",
    "会长",
    "行长",
    "署长",
    "司长",
    "总监",
    "巡视员",
    "专员",
];

/// The chair in 省委书记王晓晖主持会议 / 会议由张三主持.
fn chair(simp: &[char], r: Range) -> Option<Range> {
    let k = find(simp, r, "主持")?;
    let mut a = clause_start(simp, r.0, k);
    let mut b = k;
    if let Some(p) = find(simp, (a, b), "由") {
        a = p + 1;
    }
    for tail in ["同志", "亲自", "共同"] {
        if crate::chars::ends_with(&simp[a..b], tail) {
            b -= tail.chars().count();
        }
    }
    let s: String = simp[a..b].iter().collect();
    let mut from = a;
    for t in TITLES {
        if let Some(p) = s.rfind(t) {
            let at = a + s[..p].chars().count() + t.chars().count();
            from = from.max(at);
        }
    }
    if let Some(p) = simp[from..b].iter().rposition(|&c| c == '、') {
        from = from + p + 1;
    }
    let n = b.saturating_sub(from);
    ((2..=4).contains(&n) && simp[from..b].iter().all(|&c| is_han(c) || c == '·'))
        .then_some((from, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::lines;

    fn meet(s: &str) -> Meeting {
        let c: Vec<char> = s.chars().collect();
        {
            let l = lines(&c);
            let s: Vec<Vec<layout::Sentence>> =
                l.iter().map(|x| layout::sentences(&c, x.range)).collect();
            meeting(&c, &c, &l, &s).meeting
        }
    }

    #[test]
    fn body_date_chair() {
        let m = meet(
            "省委常委会召开会议\n省委常委会于7月12日召开（扩大）会议，研究部署工作。省委书记王晓晖主持会议并讲话。\n会议指出，要干。",
        );
        assert_eq!(m.title.as_deref(), Some("省委常委会召开会议"));
        assert_eq!(m.date.as_deref(), Some("--07-12"));
        assert_eq!(m.body.as_deref(), Some("省委常委会"));
        assert_eq!(m.chair.as_deref(), Some("王晓晖"));

        let m = meet(
            "4月8日下午，省委书记、省人大常委会主任张庆伟主持召开省委常委会会议，传达学习精神。",
        );
        assert_eq!(
            (m.date.as_deref(), m.body.as_deref(), m.chair.as_deref()),
            (Some("--04-08"), Some("省委常委会"), Some("张庆伟"))
        );

        let m = meet(
            "记者 赵霞 报道\n德州新闻网讯 5月6日，县政府第三次常务会议召开，县长齐永军出席。\n要求如下。",
        );
        assert_eq!(
            (m.date.as_deref(), m.body.as_deref(), m.chair.as_deref()),
            (Some("--05-06"), Some("县政府"), None)
        );

        let m = meet("4月27日，市人大常委会党组（扩大）会议召开。主任吕平主持会议。");
        assert_eq!(
            (m.body.as_deref(), m.chair.as_deref()),
            (Some("市人大常委会党组"), Some("吕平"))
        );
    }

    #[test]
    fn dates_resolved_from_the_page() {
        let m = meet(
            "来源：某某日报 2023-02-26 10:21\n昨天，市委常委会召开会议。会议由市委书记李明主持。",
        );
        assert_eq!(
            (m.date.as_deref(), m.chair.as_deref()),
            (Some("2023-02-25"), Some("李明"))
        );
        let m = meet("发布时间：2022年02月19日\n2月16日，县委常委会召开会议。");
        assert_eq!(m.date.as_deref(), Some("2022-02-16"));
        let m = meet("发布时间：2022年01月03日\n12月30日，县委常委会召开会议。");
        assert_eq!(m.date.as_deref(), Some("2021-12-30"));
        let m = meet("12日，区委常委会召开会议。");
        assert_eq!(m.date.as_deref(), Some("---12"));
        let m = meet("2024年3月5日，省政府党组召开会议。");
        assert_eq!(m.date.as_deref(), Some("2024-03-05"));
        let m = meet("昨天，省政府召开常务会议。");
        assert_eq!(m.date, None);
    }
}
