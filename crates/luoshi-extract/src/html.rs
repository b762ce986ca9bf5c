//! Visible text of an HTML document, with source offsets.
//!
//! [`html_text`] is a small, linear-time, forgiving tokenizer in the spirit
//! of the HTML5 one: it never backtracks more than once, never panics, and
//! keeps text that merely looks like markup (`a < b`). Its line-break model
//! follows the browser's `innerText`: block elements require a line break
//! before and after them (`<p>` requires two, i.e. a blank line), `<br>`
//! inserts one, and runs of ASCII whitespace collapse to a single space
//! (except inside `<pre>`). Never more than two consecutive '\n' are
//! produced, and no line breaks are produced before the first or after the
//! last visible character, except that the `<title>` text is always
//! followed by a '\n'.

/// The visible text of an HTML document, each char with the char offset
/// (Unicode scalar index) in `html` of the character or markup that produced
/// it.
///
/// * Text characters carry their own offset (so `html.chars().nth(o) == c`).
/// * A character reference (`&ldquo;`, `&#x4E2D;`) becomes one char at the
///   offset of its `&`; it always ends at the first ';' after that offset
///   (references without ';' and unknown names are kept as literal text).
/// * A collapsed whitespace run becomes one ' ' at the offset of its first
///   character.
/// * A '\n' produced by markup carries the offset of the tag's '<'.
///
/// Offsets are nondecreasing.
pub fn html_text(html: &str) -> Vec<(char, u32)> {
    let chars: Vec<char> = html.chars().collect();
    let mut parser = Parser {
        s: &chars,
        out: Out::with_capacity(chars.len()),
        pre_depth: 0,
        in_head: false,
    };
    parser.run();
    parser.out.v
}

/// Elements whose content is never displayed and may contain '<' freely
/// (scanned to the matching end tag without interpretation).
const RAW_SKIP: &[&str] = &[
    "script", "style", "noscript", "iframe", "xmp", "noembed", "noframes",
];

/// Elements whose (markup) content is not displayed; nested occurrences of
/// the same element are counted.
const NESTED_SKIP: &[&str] = &["template", "svg", "math", "object"];

/// Block-level elements (one required line break before and after).
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "option",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

/// Elements that may appear in `<head>` without ending it.
const HEAD_CONTENT: &[&str] = &[
    "base", "basefont", "bgsound", "link", "meta", "noscript", "script", "style", "template",
    "title", "head", "html",
];

fn offset(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn is_ascii_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0C')
}

/// East Asian wide characters: a line break in the source between two of
/// them is removed instead of becoming a space (CSS Text 3 segment break
/// transformation), which is what Chinese text needs.
fn is_wide(c: char) -> bool {
    matches!(
        u32::from(c),
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD
    )
}

/// The output buffer with whitespace collapsing and line-break bookkeeping.
struct Out {
    v: Vec<(char, u32)>,
    /// Pending collapsible whitespace: offset of its first char, and whether
    /// it contained a line break.
    space: Option<(u32, bool)>,
    /// Required line breaks before the next visible char, and their offset.
    breaks: usize,
    break_off: u32,
}

impl Out {
    fn with_capacity(n: usize) -> Self {
        Out {
            v: Vec::with_capacity(n),
            space: None,
            breaks: 0,
            break_off: 0,
        }
    }

    fn last(&self) -> Option<char> {
        self.v.last().map(|&(c, _)| c)
    }

    fn trailing_newlines(&self) -> usize {
        self.v
            .iter()
            .rev()
            .take(2)
            .take_while(|&&(c, _)| c == '\n')
            .count()
    }

    fn push_newline(&mut self, off: u32) {
        if self.trailing_newlines() < 2 {
            self.v.push(('\n', off));
        }
    }

    /// Require `n` line breaks (produced by the tag at `off`) before the
    /// next visible character.
    fn require(&mut self, n: usize, off: u32) {
        if n > self.breaks {
            if self.breaks == 0 {
                self.break_off = off;
            }
            self.breaks = n;
        }
        self.space = None;
    }

    fn flush_breaks(&mut self) {
        if self.breaks > 0 {
            if !self.v.is_empty() {
                while self.trailing_newlines() < self.breaks.min(2) {
                    self.v.push(('\n', self.break_off));
                }
            }
            self.breaks = 0;
            self.space = None;
        }
    }

    /// Collapsible whitespace at `off`.
    fn whitespace(&mut self, c: char, off: u32) {
        let segment_break = c == '\n' || c == '\r';
        match &mut self.space {
            Some((_, seg)) => *seg |= segment_break,
            None => self.space = Some((off, segment_break)),
        }
    }

    /// A visible, non-collapsible character.
    fn visible(&mut self, c: char, off: u32) {
        self.flush_breaks();
        if let Some((space_off, segment_break)) = self.space.take()
            && let Some(last) = self.last()
            && last != '\n'
            && !(segment_break && is_wide(last) && is_wide(c))
        {
            self.v.push((' ', space_off));
        }
        self.v.push((c, off));
    }

    /// A line break that is content (from `<br>` or inside `<pre>`).
    fn newline(&mut self, off: u32) {
        self.flush_breaks();
        self.space = None;
        if !self.v.is_empty() {
            self.push_newline(off);
        }
    }
}

struct Parser<'a> {
    s: &'a [char],
    out: Out,
    pre_depth: usize,
    in_head: bool,
}

/// A parsed start or end tag.
struct Tag {
    name: String,
    end: bool,
    self_closing: bool,
    /// Index just after the closing '>'.
    next: usize,
}

impl Parser<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    /// Case-insensitive match of an ASCII `pat` at `i`.
    fn matches_ci(&self, i: usize, pat: &str) -> bool {
        let mut j = i;
        for p in pat.chars() {
            match self.at(j) {
                Some(c) if c.eq_ignore_ascii_case(&p) => j += 1,
                _ => return false,
            }
        }
        true
    }

    /// First index `>= from` where the ASCII `pat` starts (ignoring case).
    fn find(&self, from: usize, pat: &str) -> Option<usize> {
        let first = pat.chars().next()?;
        (from..self.s.len()).find(|&i| self.at(i) == Some(first) && self.matches_ci(i, pat))
    }

    fn run(&mut self) {
        let mut i = 0;
        while let Some(c) = self.at(i) {
            i = match c {
                '<' => self.markup(i),
                '&' => self.entity(i),
                _ => {
                    self.text_char(c, i);
                    i + 1
                }
            };
        }
    }

    /// Handle one character of ordinary text.
    fn text_char(&mut self, c: char, i: usize) {
        let off = offset(i);
        if self.pre_depth > 0 {
            match c {
                '\r' if self.at(i + 1) == Some('\n') => {}
                '\r' | '\n' => self.out.newline(off),
                '\0' => {}
                _ => self.out.visible(c, off),
            }
            return;
        }
        if is_ascii_ws(c) {
            if !self.in_head {
                self.out.whitespace(c, off);
            }
            return;
        }
        if c == '\0' {
            return;
        }
        // Text cannot be part of <head>: like a browser, it ends the head.
        self.in_head = false;
        self.out.visible(c, off);
    }

    /// Decode the character reference starting at `amp` (an '&'); returns
    /// the index after it.
    fn entity(&mut self, amp: usize) -> usize {
        match self.parse_entity(amp) {
            Some((c, next)) => {
                self.in_head = false;
                self.out.visible(c, offset(amp));
                next
            }
            None => {
                self.text_char('&', amp);
                amp + 1
            }
        }
    }

    /// Parse a character reference at `amp`; `None` if it is not one we know
    /// (then the text is kept literally). The terminating ';' is required,
    /// so a decoded reference always spans from '&' to the next ';'.
    fn parse_entity(&self, amp: usize) -> Option<(char, usize)> {
        let mut i = amp + 1;
        if self.at(i) == Some('#') {
            i += 1;
            let hex = matches!(self.at(i), Some('x' | 'X'));
            if hex {
                i += 1;
            }
            let radix = if hex { 16 } else { 10 };
            let digits_start = i;
            let mut value: u32 = 0;
            while let Some(d) = self.at(i).and_then(|c| c.to_digit(radix)) {
                value = value.saturating_mul(radix).saturating_add(d);
                i += 1;
            }
            if i == digits_start {
                return None;
            }
            if self.at(i) != Some(';') {
                return None;
            }
            return Some((numeric_char(value), i + 1));
        }
        let name_start = i;
        while self.at(i).is_some_and(|c| c.is_ascii_alphanumeric()) && i - name_start < 32 {
            i += 1;
        }
        let name: String = self.s.get(name_start..i)?.iter().collect();
        if self.at(i) != Some(';') {
            return None;
        }
        named_entity(&name).map(|c| (c, i + 1))
    }

    /// Handle markup starting at `lt` (a '<'); returns the index to resume.
    fn markup(&mut self, lt: usize) -> usize {
        let next = self.at(lt + 1);
        match next {
            Some('!') => self.bang(lt),
            Some('?') => self.skip_past(lt, ">"),
            Some('/') if self.at(lt + 2).is_some_and(|c| c.is_ascii_alphabetic()) => self.tag(lt),
            Some(c) if c.is_ascii_alphabetic() => self.tag(lt),
            _ => {
                self.text_char('<', lt);
                lt + 1
            }
        }
    }

    /// Index after the first `pat` at or after `from`, or the end of input.
    fn skip_past(&self, from: usize, pat: &str) -> usize {
        self.find(from, pat)
            .map_or(self.s.len(), |p| p + pat.chars().count())
    }

    /// Comments, CDATA sections and doctypes.
    fn bang(&mut self, lt: usize) -> usize {
        if self.matches_ci(lt, "<!--") {
            // "<!-->" and "<!--->" are (abruptly closed) empty comments.
            if self.at(lt + 4) == Some('>') {
                return lt + 5;
            }
            if self.matches_ci(lt + 4, "->") {
                return lt + 6;
            }
            return self.skip_past(lt + 4, "-->");
        }
        if self.matches_ci(lt, "<![CDATA[") {
            return self.skip_past(lt + 9, "]]>");
        }
        self.skip_past(lt, ">")
    }

    /// Parse a start or end tag at `lt`. `None` if the input ends inside it.
    fn parse_tag(&self, lt: usize) -> Option<Tag> {
        let mut i = lt + 1;
        let end = self.at(i) == Some('/');
        if end {
            i += 1;
        }
        let mut name = String::new();
        while let Some(c) = self.at(i) {
            if is_ascii_ws(c) || c == '/' || c == '>' {
                break;
            }
            name.push(c.to_ascii_lowercase());
            i += 1;
        }
        // Attributes, HTML5 style: quotes only matter in attribute values.
        let mut self_closing = false;
        loop {
            let c = self.at(i)?;
            match c {
                '>' => break,
                '/' => {
                    self_closing = self.at(i + 1) == Some('>');
                    i += 1;
                }
                '=' => {
                    i += 1;
                    while self.at(i).is_some_and(is_ascii_ws) {
                        i += 1;
                    }
                    match self.at(i)? {
                        q @ ('"' | '\'') => {
                            i += 1;
                            while self.at(i)? != q {
                                i += 1;
                            }
                            i += 1;
                        }
                        _ => {
                            while self.at(i).is_some_and(|c| !is_ascii_ws(c) && c != '>') {
                                i += 1;
                            }
                        }
                    }
                }
                _ => i += 1,
            }
        }
        Some(Tag {
            name,
            end,
            self_closing,
            next: i + 1,
        })
    }

    fn tag(&mut self, lt: usize) -> usize {
        let Some(tag) = self.parse_tag(lt) else {
            // The input ends inside the tag: keep the rest as text. This
            // happens at most once, so parsing stays linear.
            for j in lt..self.s.len() {
                if let Some(c) = self.at(j) {
                    self.text_char(c, j);
                }
            }
            return self.s.len();
        };
        let off = offset(lt);
        let name = tag.name.as_str();

        if !tag.end {
            if self.in_head && !HEAD_CONTENT.contains(&name) {
                self.in_head = false;
            }
            if RAW_SKIP.contains(&name) {
                return self.skip_raw(tag.next, name);
            }
            if NESTED_SKIP.contains(&name) {
                if tag.self_closing {
                    return tag.next;
                }
                return self.skip_nested(tag.next, name);
            }
        }

        match name {
            "head" => self.in_head = !tag.end,
            "body" | "html" => self.in_head = false,
            "title" if !tag.end => return self.title(lt, tag.next),
            // Browsers treat a stray </br> like <br>.
            "br" => self.out.newline(off),
            "hr" => self.out.require(1, off),
            "p" => self.out.require(2, off),
            // Table cells on one row are separated by a space.
            "td" | "th" if !tag.end => self.out.whitespace(' ', off),
            "pre" | "listing" | "textarea" => {
                self.out.require(1, off);
                if tag.end {
                    self.pre_depth = self.pre_depth.saturating_sub(1);
                } else {
                    self.pre_depth += 1;
                    // A newline right after <pre> is ignored by browsers.
                    let mut next = tag.next;
                    if self.at(next) == Some('\r') {
                        next += 1;
                    }
                    if self.at(next) == Some('\n') {
                        next += 1;
                    }
                    return next;
                }
            }
            _ if BLOCKS.contains(&name) => self.out.require(1, off),
            _ => {}
        }
        tag.next
    }

    /// Skip raw text up to and including `</name ...>`.
    fn skip_raw(&self, from: usize, name: &str) -> usize {
        let mut i = from;
        while let Some(p) = self.find(i, "</") {
            let after = p + 2 + name.len();
            if self.matches_ci(p + 2, name)
                && self
                    .at(after)
                    .is_none_or(|c| is_ascii_ws(c) || c == '/' || c == '>')
            {
                return self.skip_past(after, ">");
            }
            i = p + 2;
        }
        self.s.len()
    }

    /// Skip markup up to the `</name>` matching an already opened `<name>`.
    fn skip_nested(&self, from: usize, name: &str) -> usize {
        let mut depth = 1usize;
        let mut i = from;
        while let Some(p) = self.find(i, "<") {
            let end = self.at(p + 1) == Some('/');
            let name_at = if end { p + 2 } else { p + 1 };
            let after = name_at + name.len();
            if self.matches_ci(name_at, name)
                && self
                    .at(after)
                    .is_none_or(|c| is_ascii_ws(c) || c == '/' || c == '>')
            {
                let Some(tag) = self.parse_tag(p) else {
                    return self.s.len();
                };
                if end {
                    depth -= 1;
                    if depth == 0 {
                        return tag.next;
                    }
                } else if !tag.self_closing {
                    depth += 1;
                }
                i = tag.next;
            } else {
                i = p + 1;
            }
        }
        self.s.len()
    }

    /// `<title>` content: text with entities, no markup, up to `</title>`.
    /// Emitted as its own line.
    fn title(&mut self, lt: usize, from: usize) -> usize {
        let was_in_head = self.in_head;
        self.in_head = false;
        self.out.require(1, offset(lt));
        let emitted_before = self.out.v.len();
        let mut i = from;
        let mut close = None;
        while let Some(c) = self.at(i) {
            if c == '<'
                && self.matches_ci(i, "</title")
                && self
                    .at(i + 7)
                    .is_none_or(|c| is_ascii_ws(c) || c == '/' || c == '>')
            {
                close = Some(i);
                break;
            }
            i = if c == '&' {
                self.entity(i)
            } else {
                self.text_char(c, i);
                i + 1
            };
        }
        // A title with text is always followed by a line break.
        if self.out.v.len() > emitted_before {
            self.out.space = None;
            if self.out.last().is_some_and(|c| c != '\n') {
                let end_off = offset(close.unwrap_or(self.s.len()));
                self.out.push_newline(end_off);
            }
        }
        self.in_head = was_in_head;
        close.map_or(self.s.len(), |p| self.skip_past(p, ">"))
    }
}

/// The character for a numeric reference, with the browser's fix-ups.
fn numeric_char(value: u32) -> char {
    // Windows-1252 code points that pages write as &#150; etc.
    const C1: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let value = match value {
        0x80..=0x9F => C1
            .get(usize::try_from(value - 0x80).unwrap_or(0))
            .copied()
            .unwrap_or(value),
        _ => value,
    };
    match value {
        0 => '\u{FFFD}',
        _ => char::from_u32(value).unwrap_or('\u{FFFD}'),
    }
}

/// Named character references that occur in Chinese web pages.
fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "ldquo" => '\u{201C}',
        "rdquo" => '\u{201D}',
        "lsquo" => '\u{2018}',
        "rsquo" => '\u{2019}',
        "sbquo" => '\u{201A}',
        "bdquo" => '\u{201E}',
        "laquo" => '\u{00AB}',
        "raquo" => '\u{00BB}',
        "lsaquo" => '\u{2039}',
        "rsaquo" => '\u{203A}',
        "mdash" => '\u{2014}',
        "ndash" => '\u{2013}',
        "hellip" => '\u{2026}',
        "middot" => '\u{00B7}',
        "bull" => '\u{2022}',
        "times" => '\u{00D7}',
        "divide" => '\u{00F7}',
        "plusmn" => '\u{00B1}',
        "deg" => '\u{00B0}',
        "permil" => '\u{2030}',
        "prime" => '\u{2032}',
        "sect" => '\u{00A7}',
        "para" => '\u{00B6}',
        "copy" => '\u{00A9}',
        "reg" => '\u{00AE}',
        "trade" => '\u{2122}',
        "yen" => '\u{00A5}',
        "cent" => '\u{00A2}',
        "pound" => '\u{00A3}',
        "euro" => '\u{20AC}',
        "larr" => '\u{2190}',
        "rarr" => '\u{2192}',
        "uarr" => '\u{2191}',
        "darr" => '\u{2193}',
        "le" => '\u{2264}',
        "ge" => '\u{2265}',
        "ne" => '\u{2260}',
        "shy" => '\u{00AD}',
        "zwj" => '\u{200D}',
        "zwnj" => '\u{200C}',
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        html_text(html).into_iter().map(|(c, _)| c).collect()
    }

    /// Every non-whitespace output char that came from a text char (not an
    /// entity) is the char at its offset; offsets are nondecreasing.
    fn check_offsets(html: &str) {
        let src: Vec<char> = html.chars().collect();
        let out = html_text(html);
        let mut prev = 0u32;
        for &(c, o) in &out {
            assert!(o >= prev, "offsets decrease in {html:?}: {out:?}");
            prev = o;
            let at = src[o as usize];
            if c.is_whitespace() {
                continue;
            }
            if at == '&' {
                continue;
            }
            assert_eq!(at, c, "offset {o} in {html:?}");
        }
    }

    #[test]
    fn paragraph_with_entities() {
        let html = "<p>会议指出，要&ldquo;稳中求进&rdquo;。</p>";
        assert_eq!(text(html), "会议指出，要\u{201C}稳中求进\u{201D}。");
        check_offsets(html);
        let out = html_text(html);
        // The entity maps to one char at the '&'.
        let (c, o) = out[6];
        assert_eq!(c, '\u{201C}');
        assert_eq!(html.chars().nth(o as usize), Some('&'));
        assert!(
            html.chars()
                .skip(o as usize)
                .collect::<String>()
                .starts_with("&ldquo;")
        );
    }

    #[test]
    fn offsets_point_to_source_chars() {
        for html in [
            "<html><head><title>关于召开会议的通知</title></head><body><div class=\"a>b\"><p>一、 总体要求</p><p>二、主要任务</p></div></body></html>",
            "<P>第一段<BR>第二行</P>\n<p>第  二\t段&nbsp;&#20013;&#x56FD;</p>",
            "a < b and c > d <p>x</p> & y",
            "<pre>\n  保留\n\n\n\n空白  </pre><p>后</p>",
        ] {
            check_offsets(html);
        }
    }

    #[test]
    fn scripts_styles_and_head_are_skipped() {
        let html = "<html><head><meta charset=utf-8><title>标题</title><style>p{color:red}</style>\
                    <script>var a = '<p>x</p>'; if (a < b) {}</script></head>\
                    <body><noscript>请启用脚本</noscript><p>正文</p><script>document.write(\"</scr\"+\"ipt>\")</script>\
                    <svg><svg><text>图</text></svg><title>t</title></svg><template><p>模板</p></template>尾</body></html>";
        assert_eq!(text(html), "标题\n\n正文\n\n尾");
        check_offsets(html);
    }

    #[test]
    fn stray_text_ends_head() {
        assert_eq!(
            text("<html><head><title>题</title>\n<meta a=b>\n正文&ldquo;一&rdquo;</html>"),
            "题\n正文\u{201C}一\u{201D}"
        );
        assert_eq!(text("<head><link rel=x>\n  </head><body>\n体</body>"), "体");
    }

    #[test]
    fn title_followed_by_newline() {
        assert_eq!(text("<title> 会议公报 </title>"), "会议公报\n");
        assert_eq!(text("<title>A</title>正文"), "A\n正文");
    }

    #[test]
    fn comments_doctype_cdata() {
        let html = "<!DOCTYPE html><!-- 注释 <p>不显示</p> --><?xml version=\"1.0\"?><![CDATA[x]]><p>可见</p><!---->";
        assert_eq!(text(html), "可见");
    }

    #[test]
    fn blocks_and_breaks() {
        assert_eq!(text("<div>a</div><div>b</div>"), "a\nb");
        assert_eq!(text("<p>a</p><p>b</p>"), "a\n\nb");
        assert_eq!(text("a<br>b<br/><br />c"), "a\nb\n\nc");
        assert_eq!(text("a<br><br><br><br>b"), "a\n\nb");
        assert_eq!(text("<ul><li>一</li><li>二</li></ul>"), "一\n二");
        assert_eq!(
            text(
                "<table><tr><td>名称</td><td>时间</td></tr><tr><td>甲</td><td>乙</td></tr></table>"
            ),
            "名称 时间\n甲 乙"
        );
        assert_eq!(text("<h1>标题</h1>正文"), "标题\n正文");
    }

    #[test]
    fn newline_offsets_point_to_tags() {
        let html = "a<br>b</p>c";
        let out = html_text(html);
        assert_eq!(out[1], ('\n', 1));
        assert_eq!(out[3], ('\n', 6));
        assert_eq!(out[4], ('\n', 6));
    }

    #[test]
    fn whitespace_collapsing() {
        assert_eq!(text("  a \n\t b  "), "a b");
        assert_eq!(text("<p>  会议\n  指出  </p>"), "会议指出");
        assert_eq!(text("<p>Hello\n world</p>"), "Hello world");
        assert_eq!(text("a<b> b</b>"), "a b");
        assert_eq!(text("a&nbsp;&nbsp;b"), "a  b");
        assert_eq!(text("<pre>\n a\n  b</pre>"), " a\n  b");
        let spaced = html_text("x \n y");
        assert_eq!(spaced, vec![('x', 0), (' ', 1), ('y', 4)]);
    }

    #[test]
    fn entities() {
        assert_eq!(
            text("&amp;&lt;&gt;&quot;&apos;&mdash;&hellip;&middot;&ensp;&emsp;&times;"),
            "&<>\"'\u{2014}\u{2026}\u{00B7}  \u{00D7}"
        );
        assert_eq!(text("&#20013;&#x56fd;&#X56FD;"), "中国国");
        assert_eq!(
            text("&#0;&#xD800;&#99999999999;"),
            "\u{FFFD}\u{FFFD}\u{FFFD}"
        );
        assert_eq!(text("&#150;"), "\u{2013}");
        assert_eq!(
            text("&unknown; &amp &; &#; &#x; &#20013"),
            "&unknown; &amp &; &#; &#x; &#20013"
        );
        assert_eq!(text("AT&T"), "AT&T");
    }

    #[test]
    fn malformed_markup_keeps_text() {
        assert_eq!(text("a < b"), "a < b");
        assert_eq!(text("1<2"), "1<2");
        assert_eq!(text("<p>未闭合段落<div>块"), "未闭合段落\n块");
        assert_eq!(text("文字<a href=\"x"), "文字<a href=\"x");
        assert_eq!(text("文字<div"), "文字<div");
        assert_eq!(text("</ p>x"), "</ p>x");
        assert_eq!(text("<p>x</p"), "x</p");
        assert_eq!(text("<"), "<");
        assert_eq!(text("&"), "&");
        assert_eq!(text("<!--"), "");
        assert_eq!(text("<script>"), "");
        assert_eq!(text(""), "");
    }

    #[test]
    fn quoted_gt_in_attributes() {
        assert_eq!(text("<a title='1 > 0' href=\"a>b\">链接</a>"), "链接");
        assert_eq!(text("<a b'c>d</a>"), "d");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_offsets_hold(html in "[<>/&#;xa-z!\\-\"' =\n\t会议。pPbrBR0-9]{0,300}") {
            check_offsets(&html);
        }

        #[test]
        fn never_panics_on_any_string(html in proptest::prelude::any::<String>()) {
            check_offsets(&html);
        }

        #[test]
        fn at_most_two_newlines(html in "(<p>|</p>|<br>|<div>|</div>|<pre>|</pre>|\n|a|会| |<title>|</title>)*") {
            let out = text(&html);
            proptest::prop_assert!(!out.contains("\n\n\n"), "{:?} -> {:?}", html, out);
            proptest::prop_assert!(!out.starts_with('\n'), "{:?} -> {:?}", html, out);
        }
    }

    #[test]
    fn pathological_input_is_fast() {
        let inputs = [
            "<a '>'".repeat(20_000),
            "<a x='".repeat(20_000),
            "<script>".repeat(20_000),
            "<svg>".repeat(20_000),
            "</svg".repeat(20_000),
            "<!--".repeat(20_000),
            "&#x".repeat(20_000),
            "<title>".repeat(20_000),
            "a<".repeat(20_000),
            "<a =\"".repeat(20_000),
        ];
        let start = std::time::Instant::now();
        for input in &inputs {
            let _ = html_text(input);
        }
        assert!(start.elapsed().as_secs() < 5, "took {:?}", start.elapsed());
    }
}
