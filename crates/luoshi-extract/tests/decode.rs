//! Integration tests for `luoshi_extract::decode`. All fixtures are built in
//! code; no binary files are checked in.
#![allow(clippy::unwrap_used)]

use std::io::Write;

use luoshi_extract::decode::{DecodeError, Source, SourceKind, decode};
use proptest::prelude::*;

const PARAGRAPH: &str = "会议指出，今年以来，各地区各部门坚持稳中求进工作总基调，\
完整、准确、全面贯彻新发展理念，经济运行总体平稳、稳中有进。\r\n\
会议强调，要抓好“十四五”规划重大工程项目落地，切实做好民生保障工作（2024年）。\r\n";

const TRADITIONAL: &str = "會議指出，今年以來，各地區各部門堅持穩中求進工作總基調，\
經濟運行總體平穩、穩中有進。會議強調，要切實做好民生保障工作，推動高品質發展。\n";

fn ok(bytes: &[u8]) -> Source {
    match decode(bytes) {
        Ok(source) => source,
        Err(e) => panic!("decode failed: {} ({e})", e.code()),
    }
}

fn err_code(bytes: &[u8]) -> &'static str {
    match decode(bytes) {
        Ok(source) => panic!(
            "expected an error, got {:?} text {:?}",
            source.encoding,
            source.text.chars().take(80).collect::<String>()
        ),
        Err(e) => e.code(),
    }
}

/// SplitMix64: a tiny deterministic RNG for reproducible random buffers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

fn zip_file(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

fn document_xml(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    )
}

fn docx(body: &str) -> Vec<u8> {
    let xml = document_xml(body);
    zip_file(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("word/document.xml", xml.as_bytes()),
    ])
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

#[test]
fn utf8_without_bom() {
    let source = ok(PARAGRAPH.as_bytes());
    assert_eq!(source.text, PARAGRAPH);
    assert_eq!(source.kind, SourceKind::Text);
    assert_eq!(source.encoding, "UTF-8");
}

#[test]
fn utf8_with_bom() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(PARAGRAPH.as_bytes());
    let source = ok(&bytes);
    assert_eq!(source.text, PARAGRAPH);
    assert_eq!(source.encoding, "UTF-8");
}

#[test]
fn utf16le_with_bom() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(PARAGRAPH.encode_utf16().flat_map(u16::to_le_bytes));
    let source = ok(&bytes);
    assert_eq!(source.text, PARAGRAPH);
    assert_eq!(source.kind, SourceKind::Text);
    assert_eq!(source.encoding, "UTF-16LE");
}

#[test]
fn utf16be_with_bom() {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(PARAGRAPH.encode_utf16().flat_map(u16::to_be_bytes));
    let source = ok(&bytes);
    assert_eq!(source.text, PARAGRAPH);
    assert_eq!(source.encoding, "UTF-16BE");
}

#[test]
fn utf16_with_bom_but_binary_content() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend("\0\0\0abc".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(err_code(&bytes), "input_binary");
    // Unpaired surrogate.
    assert_eq!(
        err_code(&[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]),
        "input_undecodable"
    );
}

#[test]
fn gb18030() {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(PARAGRAPH);
    assert!(!unmappable);
    let source = ok(&bytes);
    assert_eq!(source.text, PARAGRAPH);
    assert_eq!(source.kind, SourceKind::Text);
    assert_eq!(source.encoding, "GB18030");
}

#[test]
fn gbk_bytes_decode_as_gb18030() {
    // Characters outside GB2312 but inside GBK, plus a GB18030 four-byte
    // sequence (U+00E9 is encoded as 0x81 0x30 0x87 0x37 in GB18030).
    let text = format!("{PARAGRAPH}镕基与珺瑶出席会议。café\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let source = ok(&bytes);
    assert_eq!(source.text, text);
    assert_eq!(source.encoding, "GB18030");
}

#[test]
fn short_gb18030_lines() {
    for line in [
        "会议指出，要坚持稳中求进。",
        "一、总体要求\n",
        "国务院常务会议",
        "关于进一步加强安全生产工作的通知",
    ] {
        let (bytes, _, _) = encoding_rs::GB18030.encode(line);
        let source = ok(&bytes);
        assert_eq!(source.text, line, "{line}");
        assert_eq!(source.encoding, "GB18030", "{line}");
    }
}

#[test]
fn big5_traditional() {
    let (bytes, _, unmappable) = encoding_rs::BIG5.encode(TRADITIONAL);
    assert!(!unmappable);
    let source = ok(&bytes);
    assert_eq!(source.text, TRADITIONAL);
    assert_eq!(source.kind, SourceKind::Text);
    assert_eq!(source.encoding, "Big5");
}

#[test]
fn html_utf8() {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>国务院常务会议</title></head>\
         <body><p>{PARAGRAPH}</p></body></html>\n"
    );
    let source = ok(html.as_bytes());
    assert_eq!(source.text, html);
    assert_eq!(source.kind, SourceKind::Html);
    assert_eq!(source.encoding, "UTF-8");
}

#[test]
fn html_fragment_is_detected() {
    let html = format!("  \r\n<div class=\"content\"><p>{PARAGRAPH}</p></div>");
    let source = ok(html.as_bytes());
    assert_eq!(source.kind, SourceKind::Html);
    assert_eq!(source.text, html);
    // Plain text that merely mentions angle brackets is not HTML.
    let text = "指标 a < b，且 c > d。\n";
    assert_eq!(ok(text.as_bytes()).kind, SourceKind::Text);
}

#[test]
fn html_gb2312_meta() {
    let html = format!(
        "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\" />\n\
         <title>会议公报</title>\n</head>\n<body>\n<p>{PARAGRAPH}</p>\n</body>\n</html>\n"
    );
    let (bytes, _, _) = encoding_rs::GB18030.encode(&html);
    let source = ok(&bytes);
    assert_eq!(source.text, html);
    assert_eq!(source.kind, SourceKind::Html);
    assert_eq!(source.encoding, "GB18030");
}

#[test]
fn html_big5_meta_with_bom_less_xml_prolog() {
    let html = format!(
        "<?xml version=\"1.0\" encoding=\"big5\"?>\n<html><body><p>{TRADITIONAL}</p></body></html>"
    );
    let (bytes, _, _) = encoding_rs::BIG5.encode(&html);
    let source = ok(&bytes);
    assert_eq!(source.text, html);
    assert_eq!(source.kind, SourceKind::Html);
    assert_eq!(source.encoding, "Big5");
}

#[test]
fn html_utf16_with_bom() {
    let html = format!("<html><body><p>{PARAGRAPH}</p></body></html>");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(html.encode_utf16().flat_map(u16::to_le_bytes));
    let source = ok(&bytes);
    assert_eq!(source.text, html);
    assert_eq!(source.kind, SourceKind::Html);
}

#[test]
fn docx_paragraphs() {
    let body = "<w:p><w:r><w:t>国务院常务会议</w:t></w:r></w:p>\
        <w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr>\
        <w:r><w:t>一、</w:t></w:r><w:r><w:tab/><w:t xml:space=\"preserve\">会议指出，要&quot;稳中求进&quot; &amp; 提质增效</w:t></w:r></w:p>\
        <w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t><w:cr/><w:t>&#x7B2C;&#19977;行</w:t></w:r></w:p>\
        <w:tbl><w:tr><w:tc><w:p><w:r><w:t>表格</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>单元</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\
        <w:p/>\
        <w:p><w:r><w:t>完</w:t></w:r></w:p>";
    let source = ok(&docx(body));
    assert_eq!(
        source.text,
        "国务院常务会议\n一、\t会议指出，要\"稳中求进\" & 提质增效\n第一行\n第二行\n第三行\n表格\n单元\n\n完"
    );
    assert_eq!(source.kind, SourceKind::Docx);
    assert_eq!(source.encoding, "docx");
}

#[test]
fn docx_main_part_found_through_relationships() {
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
    let xml = document_xml("<w:p><w:r><w:t>正文</w:t></w:r></w:p>");
    let bytes = zip_file(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document2.xml", xml.as_bytes()),
    ]);
    assert_eq!(ok(&bytes).text, "正文");
}

#[test]
fn docx_without_text_is_empty() {
    assert_eq!(
        err_code(&docx("<w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>")),
        "input_empty"
    );
}

#[test]
fn zip_that_is_not_docx() {
    let xlsx = zip_file(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("xl/workbook.xml", b"<workbook/>"),
    ]);
    let err = decode(&xlsx).unwrap_err();
    assert_eq!(err.code(), "input_bad_docx");
    assert!(err.to_string().contains("Excel"), "{err}");

    let plain = zip_file(&[("readme.txt", "你好".as_bytes())]);
    assert_eq!(err_code(&plain), "input_bad_docx");

    let mut truncated = docx("<w:p><w:r><w:t>正文</w:t></w:r></w:p>");
    truncated.truncate(truncated.len() / 2);
    assert_eq!(err_code(&truncated), "input_bad_docx");

    assert_eq!(err_code(b"PK\x03\x04garbage"), "input_bad_docx");
    assert_eq!(err_code(b"PK\x05\x06"), "input_bad_docx");
}

#[test]
fn docx_with_broken_xml() {
    let bytes = zip_file(&[(
        "word/document.xml",
        b"<w:document><w:body><w:p><w:t>a</w:body".as_slice(),
    )]);
    assert_eq!(err_code(&bytes), "input_bad_docx");
    let bytes = zip_file(&[("word/document.xml", [0xFFu8, 0xFE, 0xFD].as_slice())]);
    assert_eq!(err_code(&bytes), "input_bad_docx");
}

#[test]
fn docx_zip_bomb_is_capped() {
    // 65 MiB of zeros compresses to ~64 KiB; the reader must stop at the cap.
    let mut xml = document_xml("<w:p><w:r><w:t>正文</w:t></w:r></w:p>").into_bytes();
    xml.resize(65 * 1024 * 1024, b' ');
    let bytes = zip_file(&[("word/document.xml", &xml)]);
    assert!(bytes.len() < 1024 * 1024);
    let err = decode(&bytes).unwrap_err();
    assert_eq!(err.code(), "input_bad_docx");
    assert!(err.to_string().contains("64 MiB"), "{err}");
}

#[test]
fn pdf_is_rejected() {
    assert_eq!(
        err_code(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n"),
        "input_pdf"
    );
    assert_eq!(err_code(b"\r\n%PDF-1.4"), "input_pdf");
}

#[test]
fn ole2_is_rejected() {
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.extend_from_slice(&[0u8; 504]);
    assert_eq!(err_code(&doc), "input_doc");

    let mut encrypted = doc.clone();
    encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(err_code(&encrypted), "input_encrypted");
}

#[test]
fn rtf_is_rejected() {
    assert_eq!(
        err_code(b"{\\rtf1\\ansi\\ansicpg936 {\\fonttbl}}"),
        "input_rtf"
    );
}

#[test]
fn empty_inputs() {
    assert_eq!(err_code(b""), "input_empty");
    assert_eq!(err_code(b"   \r\n\t\n"), "input_empty");
    assert_eq!(err_code(&[0xEF, 0xBB, 0xBF]), "input_empty");
    assert_eq!(err_code(&[0xFF, 0xFE]), "input_empty");
    assert_eq!(err_code("\u{3000}\u{3000}\n".as_bytes()), "input_empty");
}

#[test]
fn nul_bytes_are_binary() {
    let mut bytes = PARAGRAPH.as_bytes().to_vec();
    bytes.insert(10, 0);
    assert_eq!(err_code(&bytes), "input_binary");
    assert_eq!(err_code(b"\0"), "input_binary");
    // PNG header.
    assert_eq!(err_code(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "input_binary");
}

#[test]
fn control_characters_are_binary() {
    let bytes: Vec<u8> = (1u8..0x20).chain(b"abc".iter().copied()).collect();
    assert_eq!(err_code(&bytes), "input_binary");
}

#[test]
fn random_buffers_are_rejected() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for _ in 0..500 {
        let bytes = rng.bytes(4096);
        let code = err_code(&bytes);
        assert!(
            code == "input_binary" || code == "input_undecodable",
            "unexpected {code}"
        );
    }
}

#[test]
fn random_high_bytes_are_rejected() {
    // No NUL or control bytes: this exercises the legacy-encoding path.
    let mut rng = Rng(42);
    for _ in 0..200 {
        let bytes: Vec<u8> = rng.bytes(4096).into_iter().map(|b| b | 0x80).collect();
        let code = err_code(&bytes);
        assert_eq!(code, "input_undecodable");
    }
}

#[test]
fn random_printable_with_high_bytes_is_rejected() {
    // Printable ASCII mixed with random high bytes (no controls at all).
    let mut rng = Rng(7);
    for _ in 0..200 {
        let bytes: Vec<u8> = rng
            .bytes(4096)
            .into_iter()
            .map(|b| if b < 0x80 { 0x20 + b % 0x5F } else { b })
            .collect();
        let code = err_code(&bytes);
        assert_eq!(code, "input_undecodable");
    }
}

#[test]
fn invalid_utf8_with_bom_is_undecodable() {
    assert_eq!(
        err_code(&[0xEF, 0xBB, 0xBF, b'a', 0xFF, 0xFE, b'b']),
        "input_undecodable"
    );
}

#[test]
fn line_endings_are_preserved() {
    let text = "第一行\r\n第二行\r第三行\n";
    assert_eq!(ok(text.as_bytes()).text, text);
}

#[test]
fn errors_are_chinese_with_snake_case_codes() {
    let errors = [
        DecodeError::Empty,
        DecodeError::Binary,
        DecodeError::Undecodable {
            encoding: "GB18030",
        },
        DecodeError::Pdf,
        DecodeError::LegacyDoc,
        DecodeError::Encrypted,
        DecodeError::Rtf,
        DecodeError::BadDocx {
            reason: "压缩包中没有 Word 正文",
        },
    ];
    for err in errors {
        let message = err.to_string();
        assert!(has_cjk(&message), "not Chinese: {message}");
        let code = err.code();
        assert!(code.starts_with("input_"), "{code}");
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "not snake_case: {code}"
        );
    }
    // Errors produced by decode() itself, too.
    for bytes in [
        b"".as_slice(),
        b"\0\x01\x02",
        b"%PDF-1.5",
        b"PK\x03\x04xx",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
        &[0xEF, 0xBB, 0xBF, 0xFF],
    ] {
        let err = decode(bytes).unwrap_err();
        assert!(has_cjk(&err.to_string()), "{err}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn decode_never_panics_with_magic_prefix(
        prefix in prop_oneof![
            Just(b"PK\x03\x04".to_vec()),
            Just(b"PK\x05\x06".to_vec()),
            Just(vec![0xEF, 0xBB, 0xBF]),
            Just(vec![0xFF, 0xFE]),
            Just(vec![0xFE, 0xFF]),
            Just(b"<html><meta charset=gbk>".to_vec()),
            Just(b"<?xml version='1.0' encoding='big5'?>".to_vec()),
            Just(vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
        ],
        rest in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut bytes = prefix;
        bytes.extend(rest);
        let _ = decode(&bytes);
    }

    #[test]
    fn valid_utf8_text_round_trips(text in "[\\u{4E00}-\\u{9FA5}，。、；：a-z0-9 \\n]{1,200}") {
        prop_assume!(!text.trim().is_empty());
        let source = decode(text.as_bytes()).unwrap();
        prop_assert_eq!(source.text, text);
        prop_assert_eq!(source.encoding, "UTF-8");
    }

    #[test]
    fn corrupted_docx_never_panics(
        positions in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let mut bytes = docx("<w:p><w:r><w:t>国务院常务会议</w:t></w:r></w:p>");
        for (index, value) in positions {
            let i = index.index(bytes.len());
            bytes[i] = value;
        }
        let _ = decode(&bytes);
    }
}
