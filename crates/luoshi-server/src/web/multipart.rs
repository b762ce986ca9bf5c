//! `multipart/form-data` bodies (RFC 7578), for the forms that upload
//! files or carry a long draft, read with multer. The body is already in
//! memory ([`super::form_csrf`] buffers it, with a size limit, to find the
//! CSRF field), so it is handed to multer as one chunk: no streaming, no
//! temporary files.

use std::convert::Infallible;

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
    let (mime, _) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    multer::parse_boundary(content_type)
        .ok()
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// Splits a body into its parts (with multer, the reader behind axum's
/// multipart extractor). A part without a name is refused.
pub async fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let body = body.clone();
    let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| MultipartError::Malformed)?
    {
        let name = field
            .name()
            .filter(|n| !n.is_empty())
            .ok_or(MultipartError::Malformed)?
            .to_owned();
        let filename = field.file_name().map(str::to_owned);
        let data = field.bytes().await.map_err(|_| MultipartError::Malformed)?;
        parts.push(Part {
            name,
            filename,
            data,
        });
    }
    Ok(parts)
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

    #[tokio::test]
    async fn reads_fields_and_files() {
        let b = body(
            &[
                ("csrf", None, b"abc"),
                ("file", Some("通稿.docx"), b"PK\x03\x04\r\n--not the end"),
                ("text", None, "会议指出，\r\n要抓好。".as_bytes()),
            ],
            "XyZ",
        );
        let parts = parse(&b, "XyZ").await.unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].text(), "abc");
        assert_eq!(parts[1].filename.as_deref(), Some("通稿.docx"));
        assert_eq!(&parts[1].data[..], b"PK\x03\x04\r\n--not the end");
        assert_eq!(parts[2].text(), "会议指出，\r\n要抓好。");
    }

    #[tokio::test]
    async fn finds_the_boundary_and_refuses_garbage() {
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
        assert!(
            parse(&Bytes::from_static(b"nothing here"), "b")
                .await
                .is_err()
        );
        assert!(
            parse(&Bytes::from_static(b"--b\r\nno header end"), "b")
                .await
                .is_err()
        );
        assert!(
            parse(&Bytes::from_static(b"--b\r\n\r\n\r\n--b--"), "b")
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_name_is_not_read_from_inside_filename() {
        let b = Bytes::from_static(
            b"--q\r\nContent-Disposition: form-data; filename=\"a\"; name=\"f\"\r\n\r\nx\r\n--q--\r\n",
        );
        let parts = parse(&b, "q").await.unwrap();
        assert_eq!(parts[0].name, "f");
        assert_eq!(parts[0].filename.as_deref(), Some("a"));
    }
}
