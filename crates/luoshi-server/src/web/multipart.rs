//! A small reader of `multipart/form-data` bodies (RFC 7578), for the
//! forms that upload files or carry a long draft. The body is already in
//! memory ([`super::form_csrf`] buffers it to find the CSRF field), so the
//! parts are slices of it: no streaming, no temporary files. Only what
//! browsers send is understood: `Content-Disposition: form-data;
//! name="…"; filename="…"`, an optional `Content-Type`, the part's bytes.

use axum::body::Bytes;

/// One field or file of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Set for a file input (possibly empty when no file was chosen).
    pub filename: Option<String>,
    pub data: Bytes,
}

impl Part {
    /// The part as text (a form field); invalid UTF-8 is replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// Why a body is not a readable multipart form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("the content type names no boundary")]
    NoBoundary,
    #[error("the body is not multipart/form-data with that boundary")]
    Malformed,
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim().trim_matches('"');
        (!v.is_empty() && v.len() <= 200).then(|| v.to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A parameter of a `Content-Disposition` header: `name="x"`.
fn disposition_param(header: &str, param: &str) -> Option<String> {
    let mut rest = header;
    while let Some(at) = rest.find(param) {
        let before = rest[..at].chars().last();
        let after = &rest[at + param.len()..];
        if matches!(before, Some(' ' | ';' | '\t')) && after.starts_with("=\"") {
            let value = &after[2..];
            let end = value.find('"')?;
            return Some(value[..end].to_owned());
        }
        rest = &rest[at + param.len()..];
    }
    None
}

/// Splits a body into its parts.
pub fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    // The first delimiter may come without a leading CRLF.
    let mut at = find(body, delimiter, 0).ok_or(MultipartError::Malformed)?;
    let mut parts = Vec::new();
    let next_delimiter: Vec<u8> = [b"\r\n".as_slice(), delimiter].concat();
    loop {
        let after = at + delimiter.len();
        let tail = body
            .get(after..after + 2)
            .ok_or(MultipartError::Malformed)?;
        if tail == b"--" {
            return Ok(parts);
        }
        if tail != b"\r\n" {
            return Err(MultipartError::Malformed);
        }
        let head_start = after + 2;
        let head_end = find(body, b"\r\n\r\n", head_start).ok_or(MultipartError::Malformed)?;
        let head = std::str::from_utf8(&body[head_start..head_end])
            .map_err(|_| MultipartError::Malformed)?;
        let data_start = head_end + 4;
        let data_end = find(body, &next_delimiter, data_start).ok_or(MultipartError::Malformed)?;
        let disposition = head
            .split("\r\n")
            .find(|l| {
                l.split(':')
                    .next()
                    .is_some_and(|k| k.trim().eq_ignore_ascii_case("content-disposition"))
            })
            .ok_or(MultipartError::Malformed)?;
        let name = disposition_param(disposition, "name").ok_or(MultipartError::Malformed)?;
        parts.push(Part {
            name,
            filename: disposition_param(disposition, "filename"),
            data: body.slice(data_start..data_end),
        });
        at = data_end + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(parts: &[(&str, Option<&str>, &[u8])], b: &str) -> Bytes {
        let mut out = Vec::new();
        for (name, file, data) in parts {
            out.extend_from_slice(format!("--{b}\r\n").as_bytes());
            match file {
                Some(f) => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
                ),
                None => out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        Bytes::from(out)
    }

    #[test]
    fn reads_fields_and_files() {
        let b = body(
            &[
                ("csrf", None, b"abc"),
                ("file", Some("通稿.docx"), b"PK\x03\x04\r\n--not the end"),
                ("text", None, "会议指出，\r\n要抓好。".as_bytes()),
            ],
            "XyZ",
        );
        let parts = parse(&b, "XyZ").unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].text(), "abc");
        assert_eq!(parts[1].filename.as_deref(), Some("通稿.docx"));
        assert_eq!(&parts[1].data[..], b"PK\x03\x04\r\n--not the end");
        assert_eq!(parts[2].text(), "会议指出，\r\n要抓好。");
    }

    #[test]
    fn finds_the_boundary_and_refuses_garbage() {
        assert_eq!(
            boundary("multipart/form-data; boundary=----abc").as_deref(),
            Some("----abc")
        );
        assert_eq!(
            boundary("multipart/form-data; charset=utf-8; boundary=\"q\"").as_deref(),
            Some("q")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(boundary("multipart/form-data"), None);
        assert!(parse(&Bytes::from_static(b"nothing here"), "b").is_err());
        assert!(parse(&Bytes::from_static(b"--b\r\nno header end"), "b").is_err());
        assert!(parse(&Bytes::from_static(b"--b\r\n\r\n\r\n--b--"), "b").is_err());
        assert_eq!(
            parse(&Bytes::from_static(b"--b--\r\n"), "b").unwrap(),
            Vec::new()
        );
    }

    #[test]
    fn a_name_is_not_read_from_inside_filename() {
        let h = "form-data; filename=\"a\"; name=\"f\"";
        assert_eq!(disposition_param(h, "name").as_deref(), Some("f"));
        assert_eq!(disposition_param(h, "filename").as_deref(), Some("a"));
    }
}
