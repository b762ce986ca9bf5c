//! Turning the raw bytes of an input file into text.
//!
//! [`decode`] accepts plain text (UTF-8 with or without BOM, UTF-16 with BOM,
//! or a legacy Chinese/other encoding detected with `chardetng`), HTML (same
//! encodings, optionally declared with `<meta charset>`), and Word `.docx`
//! files. Everything else (PDF, legacy `.doc`, binary data, undecodable
//! bytes) is rejected with a [`DecodeError`] whose `Display` is a Chinese
//! message meant for the end user and whose [`DecodeError::code`] is a stable
//! English identifier.
//!
//! The module does no I/O: it works on byte slices only, and it never panics.

use std::io::{Cursor, Read};

use encoding_rs::Encoding;

/// What kind of document the input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Plain text.
    Text,
    /// HTML markup (use [`crate::html::html_text`] to get the visible text).
    Html,
    /// A Word `.docx` document; `text` holds its paragraphs.
    Docx,
}

/// A successfully decoded input.
#[derive(Debug, Clone)]
pub struct Source {
    /// The decoded text. For Text and Html: the input exactly as given,
    /// decoded (BOM removed, line endings untouched). For Docx: the paragraph
    /// texts joined with '\n' (no trailing newline).
    pub text: String,
    /// What kind of document the input was.
    pub kind: SourceKind,
    /// Encoding label that was detected, e.g. "UTF-8", "UTF-16LE", "GB18030",
    /// "Big5", or "docx".
    pub encoding: &'static str,
    /// `[start, end)` ranges of `text`, in Unicode scalar values, that come
    /// from tables (docx only): a division-of-work table repeats the tasks,
    /// it does not issue them.
    pub tables: Vec<(usize, usize)>,
}

/// Why an input could not be turned into text.
///
/// `Display` gives a Chinese message for the end user; [`DecodeError::code`]
/// gives a stable snake_case English code for programs.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The input is empty or contains only whitespace.
    #[error("输入为空（或只包含空白字符），没有可分析的文本。请检查文件内容后重试。")]
    Empty,
    /// The input looks like binary data (NUL bytes, many control characters).
    #[error("输入是二进制文件，无法识别为文本。请提供 .txt、.html 或 .docx 文件。")]
    Binary,
    /// The bytes are not valid in any encoding that could be determined.
    #[error(
        "无法识别输入的文本编码（按 {encoding} 解码时出现无效字节或乱码），文件可能已损坏或不是文本文件。请用文本编辑器将文件另存为 UTF-8 编码后重试。"
    )]
    Undecodable {
        /// The encoding that was tried last (e.g. "UTF-8", "GB18030").
        encoding: &'static str,
    },
    /// The input is a PDF file.
    #[error(
        "暂不支持 PDF 文件。请在 PDF 阅读器中复制正文粘贴到 .txt 文件，或将其另存为 .docx 后重试。"
    )]
    Pdf,
    /// The input is a legacy OLE2 compound file (old `.doc`, `.xls`, `.ppt`).
    #[error(
        "这是旧版 Office 文件（.doc/.xls/.ppt 格式），暂不支持。请用 Word 或 WPS 打开后另存为 .docx，或复制正文到 .txt 文件中。"
    )]
    LegacyDoc,
    /// The input is a password-protected (encrypted) Office document.
    #[error("文件受密码保护（已加密），无法读取。请在 Word 或 WPS 中取消密码后另存为 .docx 再试。")]
    Encrypted,
    /// The input is an RTF document.
    #[error("暂不支持 RTF 格式。请用 Word 或 WPS 打开后另存为 .docx，或复制正文到 .txt 文件中。")]
    Rtf,
    /// The input is a ZIP archive that is not a readable Word document.
    #[error(
        "无法读取 .docx 文件：{reason}。请用 Word 或 WPS 打开后重新另存为 .docx，或复制正文到 .txt 文件中。"
    )]
    BadDocx {
        /// Chinese explanation of what is wrong with the archive.
        reason: &'static str,
    },
}

impl DecodeError {
    /// Stable snake_case English code, e.g. "input_empty", "input_binary",
    /// "input_undecodable", "input_pdf", "input_doc", "input_bad_docx".
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::Empty => "input_empty",
            DecodeError::Binary => "input_binary",
            DecodeError::Undecodable { .. } => "input_undecodable",
            DecodeError::Pdf => "input_pdf",
            DecodeError::LegacyDoc => "input_doc",
            DecodeError::Encrypted => "input_encrypted",
            DecodeError::Rtf => "input_rtf",
            DecodeError::BadDocx { .. } => "input_bad_docx",
        }
    }
}

/// Maximum number of uncompressed bytes read from `word/document.xml`
/// (zip-bomb guard).
const MAX_DOCX_XML: u64 = 64 * 1024 * 1024;

/// How many bytes are fed to the encoding detector.
const DETECT_LEN: usize = 256 * 1024;

/// How far into the input HTML sniffing and `<meta charset>` look.
const SNIFF_LEN: usize = 1024;

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";

/// Decode the raw bytes of an input file.
///
/// See the module documentation for what is accepted. Never panics.
pub fn decode(bytes: &[u8]) -> Result<Source, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some(err) = sniff_unsupported(bytes) {
        return Err(err);
    }
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(ZIP_EMPTY_MAGIC) {
        return decode_docx(bytes);
    }
    let (text, encoding) = decode_text(bytes)?;
    if trimmed_start(&text).is_empty() {
        return Err(DecodeError::Empty);
    }
    if trimmed_start(&text).starts_with("{\\rtf") {
        return Err(DecodeError::Rtf);
    }
    let kind = if looks_like_html(&text) {
        SourceKind::Html
    } else {
        SourceKind::Text
    };
    Ok(Source {
        text,
        kind,
        encoding,
        tables: Vec::new(),
    })
}

/// Recognise file formats we explicitly do not support by their magic bytes.
fn sniff_unsupported(bytes: &[u8]) -> Option<DecodeError> {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let rest = bytes.get(start..).unwrap_or_default();
    if rest.starts_with(b"%PDF") {
        return Some(DecodeError::Pdf);
    }
    if rest.starts_with(b"{\\rtf") {
        return Some(DecodeError::Rtf);
    }
    if bytes.starts_with(OLE2_MAGIC) {
        // Password-protected .docx/.xlsx files are OLE2 containers holding an
        // "EncryptedPackage" stream (its name is stored as UTF-16LE).
        let needle: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        if contains(bytes, &needle) {
            return Some(DecodeError::Encrypted);
        }
        return Some(DecodeError::LegacyDoc);
    }
    None
}

/// Naive substring search; `needle` is short so this stays linear in practice.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    match needle.first() {
        None => true,
        Some(&first) => haystack.iter().enumerate().any(|(i, &b)| {
            b == first
                && haystack
                    .get(i..i + needle.len())
                    .is_some_and(|window| window == needle)
        }),
    }
}

fn trimmed_start(text: &str) -> &str {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

// ---------------------------------------------------------------------------
// Plain text / HTML
// ---------------------------------------------------------------------------

/// Decode text bytes, returning the text (BOM removed) and the encoding label.
fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), DecodeError> {
    // Byte order marks first: they are authoritative.
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        let text = strict_decode(encoding, body).ok_or(DecodeError::Undecodable {
            encoding: label(encoding),
        })?;
        check_decoded_controls(&text)?;
        return Ok((text, label(encoding)));
    }

    check_binary_bytes(bytes)?;

    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), label(encoding_rs::UTF_8)));
    }

    // Legacy encoding. An explicit declaration in an HTML/XML header wins if
    // the bytes really decode in it.
    if let Some(declared) = declared_charset(bytes)
        && let Some(text) = strict_decode(declared, bytes)
        && looks_like_text(&text)
    {
        return Ok((text, label(declared)));
    }

    // Detection is the slow part; a prefix is plenty to tell encodings apart.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let sample = bytes.get(..DETECT_LEN).unwrap_or(bytes);
    detector.feed(sample, sample.len() == bytes.len());
    let guessed = superset(detector.guess(None, chardetng::Utf8Detection::Deny));

    let guess_result = strict_decode(guessed, bytes)
        .filter(|text| looks_like_text(text) && !is_single_byte_garbage(guessed, text));
    if let Some(text) = guess_result {
        return Ok((text, label(guessed)));
    }

    // The detector's guess did not work out (typically a short Chinese text
    // mistaken for a Western encoding): try the Chinese encodings strictly.
    for fallback in [encoding_rs::GB18030, encoding_rs::BIG5] {
        if fallback == guessed {
            continue;
        }
        if let Some(text) = strict_decode(fallback, bytes)
            && looks_like_text(&text)
            && mostly_cjk(&text)
        {
            return Ok((text, label(fallback)));
        }
    }
    Err(DecodeError::Undecodable {
        encoding: label(guessed),
    })
}

/// The label reported in [`Source::encoding`]: the WHATWG name, except
/// that GB18030 is spelled in upper case like the other CJK encodings.
fn label(encoding: &'static Encoding) -> &'static str {
    if encoding == encoding_rs::GB18030 {
        "GB18030"
    } else {
        encoding.name()
    }
}

/// Replace encodings by the superset we actually decode with.
fn superset(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        encoding
    }
}

/// Decode without BOM sniffing and without replacement characters; `None` if
/// the bytes contain malformed sequences.
fn strict_decode(encoding: &'static Encoding, bytes: &[u8]) -> Option<String> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
}

/// C0 control bytes that do not occur in real text.
fn is_odd_control(c: u32) -> bool {
    (c < 0x20 && !matches!(c, 0x09 | 0x0A | 0x0C | 0x0D)) || c == 0x7F
}

/// Too many odd control characters (more than 1 in 20) mean binary data.
fn too_many_controls(controls: usize, total: usize) -> bool {
    controls > 0 && controls.saturating_mul(20) > total
}

/// Reject binary data before any encoding guessing: NUL bytes, or a high
/// share of C0 control bytes.
fn check_binary_bytes(bytes: &[u8]) -> Result<(), DecodeError> {
    let mut controls = 0usize;
    for &b in bytes {
        if b == 0 {
            return Err(DecodeError::Binary);
        }
        if is_odd_control(u32::from(b)) {
            controls += 1;
        }
    }
    if too_many_controls(controls, bytes.len()) {
        return Err(DecodeError::Binary);
    }
    Ok(())
}

/// Same check on already decoded text (used for BOM-marked input, where the
/// raw bytes legitimately contain NULs).
fn check_decoded_controls(text: &str) -> Result<(), DecodeError> {
    let mut controls = 0usize;
    let mut total = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\0' {
            return Err(DecodeError::Binary);
        }
        if is_odd_control(u32::from(c)) {
            controls += 1;
        }
    }
    if too_many_controls(controls, total) {
        return Err(DecodeError::Binary);
    }
    Ok(())
}

/// Whether a character is plausible in a real document (letters, digits,
/// punctuation, common symbols). Control characters, C1 controls, private
/// use characters and U+FFFD are not.
fn is_plausible_char(c: char) -> bool {
    if c.is_alphanumeric() || c.is_ascii_punctuation() || c.is_whitespace() {
        return true;
    }
    matches!(
        u32::from(c),
        0x00A0..=0x00BF // Latin-1 punctuation and symbols
            | 0x00D7
            | 0x00F7
            | 0x02C6..=0x02DD // spacing modifiers
            | 0x2010..=0x206F // general punctuation
            | 0x20A0..=0x20CF // currency
            | 0x2100..=0x23FF // letterlike, number forms, arrows, math, technical
            | 0x2460..=0x27BF // enclosed alphanumerics, box drawing, shapes, dingbats
            | 0x3000..=0x303F // CJK symbols and punctuation
            | 0x3200..=0x33FF // enclosed CJK, compatibility
            | 0xFE30..=0xFE4F // CJK compatibility forms
            | 0xFE50..=0xFE6F // small forms
            | 0xFF00..=0xFFEF // half/full-width forms
    )
}

/// A decoded text is plausible if at most 1 in 20 of its characters is odd.
fn looks_like_text(text: &str) -> bool {
    let mut total = 0usize;
    let mut odd = 0usize;
    for c in text.chars() {
        total += 1;
        if !is_plausible_char(c) {
            odd += 1;
        }
    }
    odd.saturating_mul(20) <= total
}

/// CJK ideographs, kana and CJK punctuation.
fn is_cjk(c: char) -> bool {
    matches!(
        u32::from(c),
        0x3000..=0x303F
            | 0x3040..=0x30FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFFEF
            | 0x20000..=0x3FFFF
    )
}

/// At least 80% of the non-ASCII characters are CJK.
fn mostly_cjk(text: &str) -> bool {
    let mut non_ascii = 0usize;
    let mut cjk = 0usize;
    for c in text.chars().filter(|c| !c.is_ascii()) {
        non_ascii += 1;
        if is_cjk(c) {
            cjk += 1;
        }
    }
    non_ascii > 0 && cjk.saturating_mul(5) >= non_ascii.saturating_mul(4)
}

/// Single-byte encodings decode almost any byte sequence, so a guess of one
/// of them needs a sanity check: real text in an alphabetic script has
/// spaces between words, and real text in a Latin script is mostly ASCII
/// (a high share of accented letters means mis-decoded Chinese).
fn is_single_byte_garbage(encoding: &'static Encoding, text: &str) -> bool {
    if !encoding.is_single_byte() {
        return false;
    }
    let mut total = 0usize;
    let mut spaces = 0usize;
    let mut non_ascii = 0usize;
    for c in text.chars() {
        total += 1;
        if c.is_whitespace() {
            spaces += 1;
        } else if !c.is_ascii() {
            non_ascii += 1;
        }
    }
    // Longer texts without any word separation are not alphabetic prose.
    if total >= 64 && spaces.saturating_mul(40) < total {
        return true;
    }
    let latin = matches!(
        label(encoding),
        "windows-1250"
            | "windows-1252"
            | "windows-1254"
            | "windows-1257"
            | "windows-1258"
            | "ISO-8859-2"
            | "ISO-8859-4"
            | "ISO-8859-13"
            | "ISO-8859-15"
            | "macintosh"
    );
    latin && non_ascii.saturating_mul(10) > total.saturating_mul(3)
}

/// Look for `<meta charset=...>`, `<meta http-equiv content="...; charset=...">`
/// or `<?xml ... encoding="..."?>` within the first KB.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head: Vec<u8> = bytes
        .iter()
        .take(SNIFF_LEN)
        .map(u8::to_ascii_lowercase)
        .collect();
    let mut label = None;
    if head.starts_with(b"<?xml") {
        let end = find(&head, b"?>", 0).unwrap_or(head.len());
        label = head
            .get(..end)
            .and_then(|decl| attribute_value(decl, b"encoding"));
    }
    let mut from = 0;
    while label.is_none() {
        let Some(tag_start) = find(&head, b"<meta", from) else {
            break;
        };
        let tag_end = find(&head, b">", tag_start).unwrap_or(head.len());
        label = head
            .get(tag_start..tag_end)
            .and_then(|tag| attribute_value(tag, b"charset"));
        from = tag_end;
    }
    let encoding = Encoding::for_label(label?)?;
    // A declaration of UTF-8/UTF-16 on bytes that are not valid UTF-8 is
    // wrong; let the detector decide instead.
    if encoding == encoding_rs::UTF_8
        || encoding == encoding_rs::UTF_16LE
        || encoding == encoding_rs::UTF_16BE
        || encoding == encoding_rs::REPLACEMENT
        || encoding == encoding_rs::X_USER_DEFINED
    {
        return None;
    }
    Some(superset(encoding))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let rest = haystack.get(from..)?;
    if needle.is_empty() || rest.len() < needle.len() {
        return None;
    }
    rest.windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// In a lower-cased tag, find `name` followed by optional spaces, `=`,
/// optional spaces and quotes, and return the label after it.
fn attribute_value<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(pos) = find(tag, name, from) {
        from = pos + name.len();
        let mut i = from;
        while tag.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while tag
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        {
            i += 1;
        }
        let start = i;
        while tag
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        {
            i += 1;
        }
        if i > start {
            return tag.get(start..i);
        }
    }
    None
}

/// Whether decoded text is an HTML document.
fn looks_like_html(text: &str) -> bool {
    let text = trimmed_start(text);
    let mut end = text.len().min(SNIFF_LEN);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end).unwrap_or_default().to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return true;
    }
    if head.starts_with("<?xml") && head.contains("<html") {
        return true;
    }
    [
        "<html", "<body", "<head", "<meta", "<title", "<div", "<p>", "<p ", "<br>", "<br/>",
        "<br />", "<table",
    ]
    .iter()
    .any(|tag| head.contains(tag))
}

// ---------------------------------------------------------------------------
// DOCX
// ---------------------------------------------------------------------------

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn bad_docx(reason: &'static str) -> DecodeError {
    DecodeError::BadDocx { reason }
}

fn decode_docx(bytes: &[u8]) -> Result<Source, DecodeError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| bad_docx("文件不是有效的 ZIP 压缩包，可能已损坏或不完整"))?;

    let xml = match read_entry(&mut archive, "word/document.xml")? {
        Some(xml) => xml,
        None => match main_part_from_rels(&mut archive)? {
            Some(xml) => xml,
            None => return Err(bad_docx(not_docx_reason(&archive))),
        },
    };
    let xml = xml_bytes_to_string(&xml)?;
    let (text, tables) = document_text(&xml)?;
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(Source {
        text,
        kind: SourceKind::Docx,
        encoding: "docx",
        tables,
    })
}

/// Explain what kind of ZIP file this is when it is not a Word document.
fn not_docx_reason(archive: &Archive<'_>) -> &'static str {
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("xl/workbook.xml") {
        "这是 Excel 表格（.xlsx），不是 Word 文档"
    } else if has("ppt/presentation.xml") {
        "这是 PowerPoint 演示文稿（.pptx），不是 Word 文档"
    } else if has("content.xml") && has("mimetype") {
        "这是 OpenDocument 文件（如 .odt），不是 .docx 文档"
    } else {
        "压缩包中没有 Word 正文（word/document.xml），它不是 .docx 文档"
    }
}

/// Read one archive entry, capped at [`MAX_DOCX_XML`] bytes.
fn read_entry(archive: &mut Archive<'_>, name: &str) -> Result<Option<Vec<u8>>, DecodeError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => {
            return Err(bad_docx(
                "文档内容无法解压（可能已损坏、加密或使用了不支持的压缩方式）",
            ));
        }
    };
    let mut buf = Vec::new();
    file.take(MAX_DOCX_XML + 1)
        .read_to_end(&mut buf)
        .map_err(|_| bad_docx("文档内容解压失败，文件可能已损坏"))?;
    if u64::try_from(buf.len()).unwrap_or(u64::MAX) > MAX_DOCX_XML {
        return Err(bad_docx("文档正文过大（超过 64 MiB），疑似异常文件"));
    }
    Ok(Some(buf))
}

/// Some generators store the main part elsewhere; `_rels/.rels` says where.
fn main_part_from_rels(archive: &mut Archive<'_>) -> Result<Option<Vec<u8>>, DecodeError> {
    let Some(rels) = read_entry(archive, "_rels/.rels")? else {
        return Ok(None);
    };
    let Ok(rels) = xml_bytes_to_string(&rels) else {
        return Ok(None);
    };
    let mut reader = quick_xml::Reader::from_str(&rels);
    let mut target = None;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.local_name().as_ref() == "Relationship" =>
            {
                let mut is_main = false;
                let mut this_target = None;
                for attr in e.attributes().flatten() {
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(std::borrow::Cow::into_owned);
                    match attr.key.local_name().as_ref() {
                        "Type" => {
                            is_main = value.is_ok_and(|v| v.ends_with("/officeDocument"));
                        }
                        "Target" => this_target = value.ok(),
                        _ => {}
                    }
                }
                if is_main {
                    target = this_target;
                    break;
                }
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let Some(target) = target else {
        return Ok(None);
    };
    let path = target.trim_start_matches('/');
    if !path.ends_with(".xml") {
        return Ok(None);
    }
    read_entry(archive, path)
}

/// XML parts are UTF-8 (possibly with BOM) or UTF-16 with BOM.
fn xml_bytes_to_string(bytes: &[u8]) -> Result<String, DecodeError> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, len)) => (encoding, bytes.get(len..).unwrap_or_default()),
        None => (encoding_rs::UTF_8, bytes),
    };
    strict_decode(encoding, body).ok_or(bad_docx("文档正文的字符编码无效"))
}

/// Extract the paragraph texts of `word/document.xml`.
fn document_text(xml: &str) -> Result<(String, Vec<(usize, usize)>), DecodeError> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_str(xml);
    {
        let config = reader.config_mut();
        config.check_end_names = false;
        config.allow_unmatched_ends = true;
        config.allow_dangling_amp = true;
    }

    let mut out = String::new();
    // Depth of <w:t> elements we are inside (text is taken only there).
    let mut in_text = 0usize;
    // Depth of <w:r> runs (tabs and breaks count only inside runs; <w:tab>
    // inside <w:tabs> is a tab stop definition).
    let mut in_run = 0usize;
    // Depth of <mc:Fallback> (duplicate content for old readers; skipped).
    let mut in_fallback = 0usize;
    // Depth of <w:tbl>, and the byte ranges of `out` that tables produced.
    let mut in_table = 0usize;
    let mut table_bytes: Vec<(usize, usize)> = Vec::new();

    loop {
        let event = reader
            .read_event()
            .map_err(|_| bad_docx("文档正文不是有效的 XML，文件可能已损坏"))?;
        match event {
            Event::Start(e) => {
                let name = e.name();
                match word_name(name.as_ref()) {
                    Some("t") => in_text += 1,
                    Some("r") => in_run += 1,
                    Some("tbl") => {
                        if in_table == 0 {
                            table_bytes.push((out.len(), out.len()));
                        }
                        in_table += 1;
                    }
                    _ if name.as_ref() == "mc:Fallback" => in_fallback += 1,
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.name();
                match word_name(name.as_ref()) {
                    Some("t") => in_text = in_text.saturating_sub(1),
                    Some("r") => in_run = in_run.saturating_sub(1),
                    Some("tbl") => {
                        in_table = in_table.saturating_sub(1);
                        if in_table == 0
                            && let Some(last) = table_bytes.last_mut()
                        {
                            last.1 = out.len();
                        }
                    }
                    Some("p") if in_fallback == 0 => out.push('\n'),
                    _ if name.as_ref() == "mc:Fallback" => {
                        in_fallback = in_fallback.saturating_sub(1);
                    }
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if in_fallback > 0 {
                    continue;
                }
                let name = e.name();
                match word_name(name.as_ref()) {
                    Some("p") => out.push('\n'),
                    Some("tab" | "ptab") if in_run > 0 => out.push('\t'),
                    Some("br" | "cr") if in_run > 0 => out.push('\n'),
                    Some("noBreakHyphen") if in_run > 0 => out.push('-'),
                    _ => {}
                }
            }
            Event::Text(t) if in_text > 0 && in_fallback == 0 => {
                out.push_str(&t.xml10_content());
            }
            Event::CData(t) if in_text > 0 && in_fallback == 0 => {
                out.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) if in_text > 0 && in_fallback == 0 => {
                push_reference(&mut out, &r);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if out.ends_with('\n') {
        out.pop();
    }
    // Byte ranges to character ranges, in one walk over the text.
    let mut tables = Vec::with_capacity(table_bytes.len());
    let (mut byte, mut chars) = (0usize, 0usize);
    let mut char_at = |target: usize| {
        let target = target.min(out.len());
        chars += out[byte..target].chars().count();
        byte = target;
        chars
    };
    for (a, b) in table_bytes {
        let start = char_at(a);
        let end = char_at(b.max(a));
        if end > start {
            tables.push((start, end));
        }
    }
    Ok((out, tables))
}

/// The local name of an element in the WordprocessingML namespace
/// (prefix `w`, or no prefix).
fn word_name(qname: &str) -> Option<&str> {
    match qname.split_once(':') {
        Some(("w", local)) => Some(local),
        Some(_) => None,
        None => Some(qname),
    }
}

/// Append the character an entity or character reference stands for;
/// unknown references are kept literally.
fn push_reference(out: &mut String, reference: &quick_xml::events::BytesRef<'_>) {
    let name: &str = reference;
    if reference.is_char_ref() {
        match reference.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
        return;
    }
    match quick_xml::escape::resolve_predefined_entity(name) {
        Some(s) => out.push_str(s),
        None => {
            out.push('&');
            out.push_str(name);
            out.push(';');
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn utf8_plain() {
        let src = decode("会议指出，要坚持稳中求进。\r\n".as_bytes()).unwrap();
        assert_eq!(src.text, "会议指出，要坚持稳中求进。\r\n");
        assert_eq!(src.kind, SourceKind::Text);
        assert_eq!(src.encoding, "UTF-8");
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(decode(b" \r\n\t ").unwrap_err(), DecodeError::Empty);
        assert_eq!(decode(&[0xEF, 0xBB, 0xBF]).unwrap_err(), DecodeError::Empty);
        let two_boms = [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, b'\n'];
        assert_eq!(decode(&two_boms).unwrap_err(), DecodeError::Empty);
        assert_eq!(decode(b"").unwrap_err(), DecodeError::Empty);
    }

    #[test]
    fn control_bytes_are_binary() {
        assert_eq!(decode(b"\x01\x02\x03abc").unwrap_err(), DecodeError::Binary);
        // A stray control character in a long text is tolerated.
        let mut text = "会议强调，要抓好落实。".repeat(10).into_bytes();
        text.push(0x0B);
        assert!(decode(&text).is_ok());
    }

    #[test]
    fn meta_charset_is_honoured() {
        let html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body><p>会议指出</p></body></html>";
        let (bytes, _, _) = encoding_rs::GB18030.encode(html);
        let src = decode(&bytes).unwrap();
        assert_eq!(src.text, html);
        assert_eq!(src.kind, SourceKind::Html);
        assert_eq!(src.encoding, "GB18030");
    }

    #[test]
    fn declared_charset_parsing() {
        assert_eq!(
            declared_charset(b"<meta charset='Big5'>"),
            Some(encoding_rs::BIG5)
        );
        assert_eq!(
            declared_charset(b"<?xml version=\"1.0\" encoding=\"GBK\"?><html>"),
            Some(encoding_rs::GB18030)
        );
        assert_eq!(declared_charset(b"<meta charset=\"utf-8\">"), None);
        assert_eq!(declared_charset(b"<meta charset>"), None);
        assert_eq!(declared_charset(b"no meta here"), None);
    }

    #[test]
    fn html_sniffing() {
        assert!(looks_like_html("  <!DOCTYPE html><html></html>"));
        assert!(looks_like_html("<?xml version=\"1.0\"?>\n<html>"));
        assert!(looks_like_html("text <P>para</P>"));
        assert!(!looks_like_html("会议指出 a < b 且 c > d"));
    }

    #[test]
    fn word_names() {
        assert_eq!(word_name("w:t"), Some("t"));
        assert_eq!(word_name("t"), Some("t"));
        assert_eq!(word_name("a:t"), None);
    }

    #[test]
    fn document_xml_text() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="x" xmlns:mc="y"><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr><w:r><w:t>一、</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">A &amp; B &#x4E2D;&#22269;</w:t></w:r></w:p>
<w:p/>
<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>
<w:p><w:r><w:instrText>PAGE</w:instrText><w:delText>删除</w:delText></w:r><mc:AlternateContent><mc:Choice><w:r><w:t>框</w:t></w:r></mc:Choice><mc:Fallback><w:r><w:t>框</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>
</w:body></w:document>"#;
        assert_eq!(
            document_text(xml).unwrap(),
            ("一、\tA & B 中国\n\n第一行\n第二行\n框".to_string(), vec![])
        );
    }

    #[test]
    fn document_xml_tables_are_marked() {
        let xml = r#"<w:document xmlns:w="x"><w:body>
<w:p><w:r><w:t>会议要求，要抓好落实。</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>责任单位</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>要完成</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>尾</w:t></w:r></w:p>
</w:body></w:document>"#;
        let (text, tables) = document_text(xml).unwrap();
        assert_eq!(text, "会议要求，要抓好落实。\n责任单位\n要完成\n尾");
        let chars: Vec<char> = text.chars().collect();
        let (a, b) = tables[0];
        assert_eq!(chars[a..b].iter().collect::<String>(), "责任单位\n要完成\n");
    }

    #[test]
    fn error_codes_are_distinct() {
        let errors = [
            DecodeError::Empty,
            DecodeError::Binary,
            DecodeError::Undecodable { encoding: "UTF-8" },
            DecodeError::Pdf,
            DecodeError::LegacyDoc,
            DecodeError::Encrypted,
            DecodeError::Rtf,
            DecodeError::BadDocx { reason: "x" },
        ];
        let mut codes: Vec<_> = errors.iter().map(DecodeError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
