//! The rules that find directives in a paragraph and build the task tree.
//!
//! They run on the Simplified view only; every index they return is valid
//! in the display view and maps to the source through `pos`.

use crate::chars::{self, is_clause_end, is_space, list_number};
use crate::layout::{self, Quotes, Range};

/// How a directive was introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// 要 as a modal (既要, 也要, 不要 …).
    Modal,
    /// 必须, 务必.
    Must,
    /// 一要, 二要 …
    Numbered,
    /// 一是, 二是 … listing measures.
    Listed,
    /// A directing frame with no cue of its own: 会议要求，加强…
    Frame,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub kind: CueKind,
    /// The cue's words.
    pub words: Range,
    /// Where the clause holding the cue starts; the subject lies between.
    pub clause_start: usize,
}

/// A directive found in the text, before ids are given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The directive sentence (frame excluded).
    pub range: Range,
    pub cue: Cue,
    pub title: Range,
    /// Index into the directives of the document.
    pub parent: Option<usize>,
    pub has_children: bool,
    /// Where the sentence holding the directive starts.
    pub sentence: usize,
}

/// Characters before 要 that make it part of a word (需要, 重要, 主要, 只要,
/// 必要, 首要, 纪要, 摘要 …), not a modal.
const NOT_MODAL_BEFORE: &[char] = &[
    '需', '重', '主', '只', '必', '首', '紧', '纪', '摘', '概', '简', '机', '显', '扼', '险', '政',
    '枢', '撮', '想', '提', '总', '切', '索', '勒', '将',
];

/// Characters after 要 that make it part of a word (要求, 要素, 要点, 要义 …).
pub(crate) const NOT_MODAL_AFTER: &[char] = &[
    '求', '素', '点', '义', '件', '闻', '害', '员', '职', '冲', '塞', '旨', '诀', '略', '案', '么',
    '是', '津', '言', '隘', '览', '价', '挟', '账',
];

/// One-character adverbs that belong to the cue: 既要, 也要, 不要 …
const CUE_ADVERBS: &[char] = &[
    '既', '也', '还', '更', '都', '就', '不', '又', '先', '则', '均', '尤',
];

/// Compounds in which 是 is not a copula.
const NOT_COPULA: &[&str] = &[
    "特别是",
    "尤其是",
    "更是",
    "还是",
    "就是",
    "而是",
    "也是",
    "都是",
    "总是",
    "正是",
    "凡是",
    "于是",
    "但是",
    "或是",
    "只是",
    "即是",
    "是否",
    "不是",
    "若是",
    "真是",
    "硬是",
    "一是",
    "二是",
    "三是",
    "四是",
    "五是",
    "六是",
    "七是",
    "八是",
    "九是",
    "十是",
];

/// A subject in front of a cue is short and asserts nothing (全省上下要,
/// 各有关部门要); a long one, or one with a copula, means the cue sits
/// inside an assessment (这是我们必须长期坚持的原则).
fn subject_ok(simp: &[char], from: usize, cue: usize) -> bool {
    if cue < from || cue - from > 24 {
        return false;
    }
    // 关键是要… / 重点是要… : the copula introduces the directive itself.
    if cue > from && simp[cue - 1] == '是' {
        return true;
    }
    let subject = &simp[from..cue];
    if !subject.iter().any(|&c| matches!(c, '是' | '话' | '果')) {
        return true;
    }
    if chars::find(subject, "的话").is_some() || chars::find(subject, "如果").is_some() {
        return false;
    }
    // Every 是 must sit inside a compound that is not a copula.
    (0..subject.len()).filter(|&i| subject[i] == '是').all(|i| {
        NOT_COPULA.iter().any(|w| {
            let at = w.chars().position(|c| c == '是').unwrap_or(0);
            i >= at && chars::starts_with(&subject[i - at..], w)
        })
    })
}

fn modal_at(simp: &[char], k: usize, end: usize) -> bool {
    if simp[k] != '要' {
        return false;
    }
    // 必要 is not a modal (必须要 is: its 要 follows 须).
    if k > 0 && NOT_MODAL_BEFORE.contains(&simp[k - 1]) {
        return false;
    }
    match simp.get(k + 1) {
        None => false,
        Some(_) if k + 1 >= end => false,
        Some(&n) => {
            !(NOT_MODAL_AFTER.contains(&n)
                || is_clause_end(n)
                || matches!(n, '的' | '了' | '”' | '、' | '）' | ')')
                || perceives(&simp[k + 1..end]))
        }
    }
}

/// 要看到 / 必须清醒认识到 : an obligation to perceive is an assessment,
/// not something a unit can be assigned.
fn perceives(after: &[char]) -> bool {
    const PERCEIVE: &[&str] = &[
        "看到",
        "清醒看到",
        "认识到",
        "清醒认识到",
        "清醒地看到",
        "清醒地认识到",
        "承认",
    ];
    PERCEIVE.iter().any(|w| chars::starts_with(after, w))
}

/// The cue of a list item whose marker (一是, （二）) runs `[k, marker_end)`;
/// an item that carries its own modal (一是要加强…) takes it into the cue.
fn listed_item(simp: &[char], k: usize, marker_end: usize, end: usize) -> Cue {
    let mut w = marker_end;
    if simp.get(w) == Some(&'要') && modal_at(simp, w, end) {
        w += 1;
    }
    Cue {
        kind: CueKind::Listed,
        words: (k, w),
        clause_start: k,
    }
}

/// Finds the first cue in `[from, end)` outside quotes.
pub fn find_cue(simp: &[char], from: usize, end: usize) -> Option<Cue> {
    let mut q = Quotes::default();
    let mut clause = from;
    let mut k = from;
    while k < end {
        let c = simp[k];
        let outside = q.step(c, k);
        if !outside {
            k += 1;
            continue;
        }
        if matches!(c, '，' | '；' | '：' | '。' | '！' | '？') {
            clause = k + 1;
            k += 1;
            continue;
        }
        if is_space(c) && k == clause {
            clause = k + 1;
            k += 1;
            continue;
        }
        // （一）开展… / （二）要… : a bracketed number opens an item.
        if k == clause
            && c == '（'
            && k + 2 < end
            && (list_number(simp[k + 1]).is_some() || simp[k + 1].is_ascii_digit())
            && simp[k + 2] == '）'
        {
            return Some(listed_item(simp, k, k + 3, end));
        }
        if k == clause && k + 1 < end && list_number(c).is_some() {
            match simp[k + 1] {
                '要' if !matches!(simp.get(k + 2), Some('求' | '素' | '点')) => {
                    return Some(Cue {
                        kind: CueKind::Numbered,
                        words: (k, k + 2),
                        clause_start: k,
                    });
                }
                '是' => return Some(listed_item(simp, k, k + 2, end)),
                _ => {}
            }
        }
        if c == '要' && modal_at(simp, k, end) && subject_ok(simp, clause, k) {
            let mut s = k;
            if k > clause && CUE_ADVERBS.contains(&simp[k - 1]) {
                s = k - 1;
            }
            return Some(Cue {
                kind: CueKind::Modal,
                words: (s, k + 1),
                clause_start: clause,
            });
        }
        if k + 1 < end
            && ((c == '必' && simp[k + 1] == '须') || (c == '务' && simp[k + 1] == '必'))
            && subject_ok(simp, clause, k)
            && !perceives(&simp[k + 2..end])
        {
            let mut e = k + 2;
            if simp.get(e) == Some(&'要') && e + 1 < end {
                e += 1;
            }
            return Some(Cue {
                kind: CueKind::Must,
                words: (k, e),
                clause_start: clause,
            });
        }
        k += 1;
    }
    None
}

/// The headline clause: from the cue to the first clause end outside
/// quotes, or to the 、也要 that joins the second half of 既要…也要.
pub fn title_range(simp: &[char], cue_end: usize, end: usize) -> Range {
    let mut a = cue_end;
    while a < end && (is_space(simp[a]) || matches!(simp[a], '，' | '：')) {
        a += 1;
    }
    let mut q = Quotes::default();
    let mut b = a;
    while b < end {
        let c = simp[b];
        if q.step(c, b) {
            if is_clause_end(c) {
                break;
            }
            if c == '、'
                && b + 2 < end
                && matches!(simp[b + 1], '也' | '又' | '更' | '还')
                && simp[b + 2] == '要'
            {
                break;
            }
        }
        b += 1;
    }
    while b > a && matches!(simp[b - 1], '、' | ' ') {
        b -= 1;
    }
    (a, b)
}

/// Words that, in the text leading into a 一是/二是 list, show the list
/// reports achievements or problems rather than measures.
const ASSESSMENT_WORDS: &[&str] = &[
    "成效",
    "成绩",
    "进展",
    "亮点",
    "特点",
    "经验",
    "问题",
    "不足",
    "短板",
    "困难",
    "变化",
    "成果",
    "原因",
    "表现在",
    "体现在",
];

/// Verbs that open a measure in a list (一是抓好…), as opposed to an
/// assessment (一是经济稳中向好).
const ACTION_VERBS: &[&str] = &[
    "抓好",
    "抓实",
    "抓紧",
    "加强",
    "强化",
    "推进",
    "推动",
    "完善",
    "健全",
    "落实",
    "深化",
    "加快",
    "提升",
    "提高",
    "做好",
    "做实",
    "坚持",
    "严格",
    "扎实",
    "持续",
    "着力",
    "切实",
    "全面",
    "大力",
    "积极",
    "进一步",
    "建立",
    "实施",
    "开展",
    "压实",
    "确保",
    "聚焦",
    "优化",
    "防范",
    "守住",
    "守牢",
    "完成",
    "组织",
    "启动",
    "探索",
    "坚决",
    "狠抓",
    "用好",
    "发挥",
    "营造",
    "筑牢",
    "增强",
    "树牢",
    "规范",
];

/// Words that open a topic or a circumstance rather than an action
/// (会议要求，对审议通过的文件，各单位要…).
const NOT_ACTION_OPENERS: &[&str] = &[
    "对",
    "就",
    "在",
    "围绕",
    "针对",
    "关于",
    "按照",
    "根据",
    "结合",
    "为",
    "从",
    "以",
    "随着",
    "面对",
    "当前",
    "今后",
    "下一步",
    "同时",
    "各",
    "全",
    "凡",
    "有关",
    "相关",
];

/// Whether the clause at `at` opens with an action (扎实做好…, 组织力量…)
/// and holds no cue of its own.
fn opens_with_action(simp: &[char], at: usize, end: usize) -> bool {
    let clause_end = simp[at..end]
        .iter()
        .position(|&c| is_clause_end(c))
        .map_or(end, |p| at + p);
    clause_end > at + 1
        && !NOT_ACTION_OPENERS
            .iter()
            .any(|w| chars::starts_with(&simp[at..clause_end], w))
        && find_cue(simp, at, clause_end).is_none()
}

/// Splits `[from, to)` before each clause that opens with its own cue
/// (班子成员要甲，分管同志要乙 are two directives), except the second half
/// of a correlative pair (既要…也要…, 不仅要…更要…).
fn clause_cuts(simp: &[char], from: usize, to: usize, directed: bool, out: &mut Vec<Range>) {
    // A cut needs a cue after a comma as well as one before it (a clause
    // without a cue in front of a directive joins it again anyway), unless
    // a directing frame makes the first clause a task of its own.
    let cue_chars = simp[from..to]
        .iter()
        .filter(|&&c| matches!(c, '要' | '须' | '必'))
        .count();
    if cue_chars < 2 && !directed {
        out.push((from, to));
        return;
    }
    let mut start = from;
    let mut q = Quotes::default();
    for p in from..to {
        if !q.step(simp[p], p) || simp[p] != '，' || p + 1 >= to {
            continue;
        }
        let clause_end = simp[p + 1..to]
            .iter()
            .position(|&c| is_clause_end(c))
            .map_or(to, |e| p + 1 + e);
        let Some(cue) = find_cue(simp, p + 1, clause_end) else {
            continue;
        };
        let correlative = matches!(simp[cue.words.0], '也' | '又' | '更' | '还' | '而' | '并');
        let opens = cue.clause_start == p + 1 && cue.words.0 - cue.clause_start <= 20;
        if opens && !correlative && matches!(cue.kind, CueKind::Modal | CueKind::Must) && p > start
        {
            out.push((start, p));
            start = p + 1;
        }
    }
    out.push((start, to));
}

/// Finds the directives of one paragraph and links them into a tree.
/// `base` is the number of directives found before, for parent indices.
pub fn paragraph(
    simp: &[char],
    para: Range,
    sentences: &[layout::Sentence],
    base: usize,
) -> Vec<Directive> {
    let mut out: Vec<Directive> = Vec::new();
    let mut first_sentence_directives = 0usize;
    let mut theme: Option<usize> = None;
    for (si, s) in sentences.iter().enumerate() {
        let frame = s.frame;
        let mut last_in_sentence: Option<usize> = None;
        // A clause without a cue in front of a directive (班子成员作为关键，要…)
        // opens that directive's sentence.
        let mut lead_in: Option<usize> = None;
        let mut pieces: Vec<Range> = Vec::with_capacity(s.segments.len());
        // 会议要求，组织力量加强巡护，各地要… : the frame's action is a task,
        // and so is each clause after it that has a cue of its own.
        let directed =
            frame.is_some_and(|f| f.directing && opens_with_action(simp, f.content, s.range.1));
        for (gi, &(g0, g1)) in s.segments.iter().enumerate() {
            let from = if gi == 0 {
                frame.map_or(g0, |f| f.content.max(g0).min(g1))
            } else {
                g0
            };
            clause_cuts(simp, from, g1, directed && gi == 0, &mut pieces);
        }
        for (gi, &(g0, g1)) in pieces.iter().enumerate() {
            let mut start = g0;
            while start < g1 && (is_space(simp[start]) || matches!(simp[start], '，' | '：')) {
                start += 1;
            }
            if start >= g1 {
                continue;
            }
            let mut cue = find_cue(simp, start, g1);
            if let Some(c) = cue
                && c.kind == CueKind::Listed
                && !list_is_directive(simp, para.0, c.words.0, &out, frame)
            {
                cue = None;
            }
            // 会议要求，加强… directs by itself, unless a cue follows in the
            // same clause chain (会议要求，对文件，各单位要…).
            let first_end = s.segments.first().map_or(g1, |f| f.1);
            if cue.is_none()
                && gi == 0
                && (directed || find_cue(simp, g1, first_end).is_none())
                && let Some(f) = frame.filter(|f| f.directing)
            {
                cue = Some(Cue {
                    kind: CueKind::Frame,
                    words: f.words,
                    clause_start: start,
                });
            }
            match cue {
                Some(cue) => {
                    let title_from = if cue.kind == CueKind::Frame {
                        start
                    } else {
                        cue.words.1
                    };
                    let lead = match cue.kind {
                        CueKind::Modal | CueKind::Must => lead_in.take().unwrap_or(start),
                        _ => start,
                    };
                    out.push(Directive {
                        range: (lead, g1),
                        cue,
                        title: title_range(simp, title_from, g1),
                        parent: None,
                        has_children: false,
                        sentence: s.range.0,
                    });
                    last_in_sentence = Some(out.len() - 1);
                    if si == 0 && !matches!(cue.kind, CueKind::Numbered | CueKind::Listed) {
                        first_sentence_directives += 1;
                    }
                }
                None => {
                    // A clause after ；that carries no cue of its own continues
                    // the directive before it (要加强甲；完善乙；健全丙。).
                    if let Some(d) = last_in_sentence {
                        out[d].range.1 = g1;
                    } else if simp[g1..].first() == Some(&'，') {
                        lead_in = lead_in.or(Some(start));
                    }
                }
            }
        }
        if si == 0 && first_sentence_directives == 1 {
            // Only a directive that opens the paragraph heads it.
            let content = frame.map_or(s.range.0, |f| f.content);
            theme = out
                .iter()
                .position(|d| !matches!(d.cue.kind, CueKind::Numbered | CueKind::Listed))
                .filter(|&t| out[t].cue.words.0 <= content + 30);
        }
    }
    // Numbered items belong to the directive that introduces them; the
    // paragraph's opening directive heads everything after it.
    let mut intro: Option<usize> = None;
    for (i, d) in out.iter_mut().enumerate() {
        if matches!(d.cue.kind, CueKind::Numbered | CueKind::Listed) {
            d.parent = intro.or(theme.filter(|&t| t < i));
        } else {
            intro = Some(i);
            d.parent = theme.filter(|&t| t < i);
        }
    }
    // A theme needs children.
    let parents: Vec<usize> = out.iter().filter_map(|d| d.parent).collect();
    for p in parents {
        out[p].has_children = true;
    }
    for d in &mut out {
        d.parent = d.parent.map(|p| p + base);
    }
    out
}

/// Whether a 一是/二是 list at `at` lists measures: it follows a directive
/// or a directing frame, and what leads into it is not an assessment.
fn list_is_directive(
    simp: &[char],
    para_start: usize,
    at: usize,
    before: &[Directive],
    frame: Option<layout::Frame>,
) -> bool {
    // The lead-in: from the last sentence end before the list.
    let lead_start = simp[para_start..at]
        .iter()
        .rposition(|&c| matches!(c, '。' | '！' | '？'))
        .map_or(para_start, |p| para_start + p + 1);
    // The lead-in ends where the list's first item starts.
    let first_item = (lead_start..at)
        .find(|&i| {
            let boundary = i == lead_start || is_clause_end(simp[i - 1]);
            boundary
                && (matches!(simp.get(i + 1), Some('是' | '要')) && list_number(simp[i]).is_some()
                    || simp[i] == '（' && simp.get(i + 1).and_then(|&c| list_number(c)).is_some())
        })
        .unwrap_or(at);
    let lead = &simp[lead_start..first_item];
    let has = |w: &str| chars::find(lead, w).is_some();
    if ASSESSMENT_WORDS.iter().any(|w| has(w)) {
        return false;
    }
    // The item itself opens with a measure: 一是抓好…, （一）开展…
    let item_start = simp[at..]
        .iter()
        .position(|&c| c == '是' || c == '）')
        .map_or(at, |p| at + p + 1);
    let item = &simp[item_start.min(simp.len())..];
    if ACTION_VERBS.iter().any(|v| chars::starts_with(item, v)) {
        return true;
    }
    !before.is_empty()
        || frame.is_some_and(|f| f.directing)
        || ["要", "必须", "措施", "举措"].iter().any(|w| has(w))
}

/// Connectors that open a clause but are not who acts.
const SUBJECT_PREFIXES: &[&str] = &[
    "同时",
    "特别是",
    "尤其是",
    "此外",
    "另外",
    "当前",
    "今后",
    "下一步",
    "下阶段",
    "为此",
    "对此",
    "因此",
    "总之",
    "首先",
    "其次",
    "最后",
    "当下",
    "眼下",
];

/// Endings of names of those who can be asked to act.
const ACTOR_ENDINGS: &[&str] = &[
    "上下",
    "部门",
    "单位",
    "成员",
    "干部",
    "党员",
    "机关",
    "系统",
    "各地",
    "各级",
    "政府",
    "党委",
    "党组",
    "委员会",
    "局",
    "厅",
    "委",
    "办",
    "部",
    "院",
    "县",
    "区",
    "市",
    "省",
    "镇",
    "乡",
    "街道",
    "企业",
    "同志",
    "领导",
    "班子",
    "组织",
    "人员",
    "队伍",
    "全体",
    "集团",
    "公司",
    "学校",
    "医院",
    "中心",
    "司",
    "处",
    "科",
    "所",
    "站",
    "人大",
    "政协",
    "法院",
    "检察院",
    "各方",
    "社会",
];

/// Who must act: the subject in front of the cue, and units named as
/// leading (X牵头) or responsible (X负责).
pub fn actors(simp: &[char], d: &Directive) -> Vec<Range> {
    let mut out = Vec::new();
    let mut a = d.cue.clause_start.max(d.range.0);
    let mut b = d.cue.words.0.min(d.range.1).max(a);
    // 省委常委班子成员作为…中的关键，要… : the subject is in the clause before.
    if a == b && a > d.range.0 {
        let prev_end = a.saturating_sub(1);
        let prev_start = simp[d.range.0..prev_end]
            .iter()
            .rposition(|&c| is_clause_end(c))
            .map_or(d.range.0, |p| d.range.0 + p + 1);
        a = prev_start;
        b = prev_end;
    }
    let mut skip = 0;
    for p in SUBJECT_PREFIXES {
        if chars::starts_with(&simp[a..b], p) {
            skip = p.chars().count();
        }
    }
    a += skip;
    for stop in [
        "作为",
        "在",
        "对",
        "把",
        "以",
        "围绕",
        "按照",
        "通过",
        "结合",
        "切实",
        "进一步",
    ] {
        if let Some(p) = chars::find(&simp[a..b], stop) {
            b = a + p;
        }
    }
    if is_actor(simp, (a, b)) {
        out.push((a, b));
    }
    for verb in [['牵', '头'], ['负', '责']] {
        let (s, e) = d.range;
        for k in s..e.saturating_sub(1) {
            if simp[k] == verb[0] && simp[k + 1] == verb[1] {
                let from = simp[s..k]
                    .iter()
                    .rposition(|&c| is_clause_end(c) || matches!(c, '、' | '由' | '请' | ' '))
                    .map_or(s, |p| s + p + 1);
                let r = (from, k);
                if is_actor(simp, r) && !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
    out
}

fn is_actor(simp: &[char], (a, b): Range) -> bool {
    if b <= a || b - a > 16 || b - a < 2 {
        return false;
    }
    let s = &simp[a..b];
    ACTOR_ENDINGS.iter().any(|e| chars::ends_with(s, e))
        && !s.iter().any(|&c| is_clause_end(c) || c == '“')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn cue(s: &str) -> Option<(CueKind, String)> {
        let c = v(s);
        find_cue(&c, 0, c.len()).map(|q| (q.kind, c[q.words.0..q.words.1].iter().collect()))
    }

    #[test]
    fn modal_versus_words() {
        assert_eq!(
            cue("要打造战略科技力量"),
            Some((CueKind::Modal, "要".into()))
        );
        assert_eq!(
            cue("全省上下要以视察为起点"),
            Some((CueKind::Modal, "要".into()))
        );
        assert_eq!(
            cue("领导干部既要当改革促进派、也要当实干家"),
            Some((CueKind::Modal, "既要".into()))
        );
        assert_eq!(cue("要不断提高精准度"), Some((CueKind::Modal, "要".into())));
        assert_eq!(cue("要领会精神实质"), Some((CueKind::Modal, "要".into())));
        for s in [
            "需要我们反复学习领会",
            "重要指示精神",
            "会议传达了主要精神",
            "只要我们准确领会好，就一定能够",
            "在必要时启动",
            "牢牢把握的总要求",
            "生产要素保障",
            "工作要点和要义",
            "会议纪要",
            "首要任务",
            "严格落实“管行业必须管安全”等要求",
            "这是我们必须长期坚持的重要原则",
            "重点是要素市场",
            "同时也要看到，发展中还存在不少困难",
            "必须清醒认识到当前形势依然严峻",
        ] {
            assert_eq!(cue(s), None, "{s}");
        }
    }

    #[test]
    fn must_and_lists() {
        assert_eq!(
            cue("必须坚持人民至上"),
            Some((CueKind::Must, "必须".into()))
        );
        assert_eq!(
            cue("务必做到守土尽责"),
            Some((CueKind::Must, "务必".into()))
        );
        assert_eq!(
            cue("一要加强领导"),
            Some((CueKind::Numbered, "一要".into()))
        );
        assert_eq!(
            cue("二是要压实责任"),
            Some((CueKind::Listed, "二是要".into()))
        );
        assert_eq!(cue("统一要求"), None);
    }

    #[test]
    fn titles() {
        let t = |s: &str| {
            let c = v(s);
            let q = find_cue(&c, 0, c.len()).expect("cue");
            let (a, b) = title_range(&c, q.words.1, c.len());
            c[a..b].iter().collect::<String>()
        };
        assert_eq!(
            t("要打造战略科技力量承载重地，主动对接。"),
            "打造战略科技力量承载重地"
        );
        assert_eq!(
            t("领导干部既要当改革促进派、也要当改革实干家，以钉钉子精神"),
            "当改革促进派"
        );
        assert_eq!(
            t("要严格落实“甲、乙，丙”和“丁”等要求，压紧"),
            "严格落实“甲、乙，丙”和“丁”等要求"
        );
        assert_eq!(
            t("要以科技创新引领产业创新、积极培育和发展新质生产力，进一步"),
            "以科技创新引领产业创新、积极培育和发展新质生产力"
        );
    }

    fn tree(s: &str) -> Vec<(String, Option<usize>, bool)> {
        let c = v(s);
        paragraph(&c, (0, c.len()), &layout::sentences(&c, (0, c.len())), 0)
            .into_iter()
            .map(|d| {
                (
                    c[d.title.0..d.title.1].iter().collect(),
                    d.parent,
                    d.has_children,
                )
            })
            .collect()
    }

    #[test]
    fn opening_directive_heads_the_paragraph() {
        assert_eq!(
            tree("会议指出，要扛起使命，服务全局。要打造高地，对接资源。要打造基地，发挥优势。"),
            vec![
                ("扛起使命".into(), None, true),
                ("打造高地".into(), Some(0), false),
                ("打造基地".into(), Some(0), false)
            ]
        );
    }

    #[test]
    fn assessment_opening_leaves_tasks_flat() {
        assert_eq!(
            tree(
                "会议强调，坚持党的领导是根本保证。要总结经验成果，融入日常。班子成员作为关键，要牢记为政之本，带好头。"
            ),
            vec![
                ("总结经验成果".into(), None, false),
                ("牢记为政之本".into(), None, false)
            ]
        );
    }

    #[test]
    fn semicolon_directives_are_siblings() {
        assert_eq!(
            tree("会议指出，要深刻领会意义，增强意识；要把主题教育作为举措，坚持统一。"),
            vec![
                ("深刻领会意义".into(), None, false),
                ("把主题教育作为举措".into(), None, false)
            ]
        );
        assert_eq!(
            tree(
                "张三要求，各有关部门要严格按照要求，抓好落实；要加快建设；要加强督查，确保完成。"
            ),
            vec![
                ("严格按照要求".into(), None, false),
                ("加快建设".into(), None, false),
                ("加强督查".into(), None, false)
            ]
        );
    }

    #[test]
    fn numbered_lists() {
        assert_eq!(
            tree("会议强调，要抓好三项工作：一是加强领导；二是压实责任；三是强化督查。"),
            vec![
                ("抓好三项工作".into(), None, true),
                ("加强领导".into(), Some(0), false),
                ("压实责任".into(), Some(0), false),
                ("强化督查".into(), Some(0), false)
            ]
        );
        assert_eq!(
            tree("会议要求，一要提高站位，二要压实责任。"),
            vec![
                ("提高站位".into(), None, false),
                ("压实责任".into(), None, false)
            ]
        );
        assert_eq!(
            tree("会议认为，一年来取得明显成效：一是经济增长，二是民生改善。"),
            vec![]
        );
    }

    #[test]
    fn directing_frame_without_cue() {
        assert_eq!(
            tree("会议要求，加强组织领导，确保落实。"),
            vec![("加强组织领导".into(), None, false)]
        );
        assert_eq!(tree("会议强调，坚持党的领导是根本保证。"), vec![]);
    }

    #[test]
    fn actors_found() {
        let c = v("全省上下要以视察为起点，由省发改委牵头，年底前完成。");
        let d = &paragraph(&c, (0, c.len()), &layout::sentences(&c, (0, c.len())), 0)[0];
        let got: Vec<String> = actors(&c, d)
            .iter()
            .map(|r| c[r.0..r.1].iter().collect())
            .collect();
        assert_eq!(got, vec!["全省上下".to_string(), "省发改委".into()]);
        let c = v("省委常委班子成员作为全省“关键少数”中的关键，要牢记为政之本。");
        let d = &paragraph(&c, (0, c.len()), &layout::sentences(&c, (0, c.len())), 0)[0];
        let got: Vec<String> = actors(&c, d)
            .iter()
            .map(|r| c[r.0..r.1].iter().collect())
            .collect();
        assert_eq!(got, vec!["省委常委班子成员".to_string()]);
    }
}
