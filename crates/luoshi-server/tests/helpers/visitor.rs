//! A browser without JavaScript for the page tests: it keeps its cookies,
//! follows no redirect by itself, posts forms (URL-encoded and multipart,
//! with files), follows a self-refreshing job page to its end, and checks
//! what every page answer must be — HTML, never a 5xx, and (for the
//! catalogue prefixes a test names) no catalogue key shown untranslated.

use std::io::Write as _;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::{PASSWORD, TestServer};

pub struct Visitor<'a> {
    s: &'a TestServer,
    pub client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
    /// Sent as `Accept-Language` when set.
    pub lang: Option<&'static str>,
    /// Catalogue key prefixes (`"sup."`) that must never show in a page.
    pub raw_keys: &'static [&'static str],
}

/// A page as answered: status, redirect target, body.
pub struct Page {
    pub status: StatusCode,
    pub location: String,
    /// The `Refresh` header of a page that reloads itself (a job in progress).
    pub refresh: Option<String>,
    pub html: String,
}

/// A file field of a multipart form.
pub struct File<'f> {
    pub field: &'f str,
    pub name: &'f str,
    pub bytes: &'f [u8],
}

/// A multipart body of `fields` then `files`: (content type, body).
pub fn multipart(fields: &[(&str, &str)], files: &[File<'_>]) -> (String, Vec<u8>) {
    let b = "----luoshiTestBoundary7MA4YWxk";
    let mut out = Vec::new();
    for (k, v) in fields {
        write!(
            out,
            "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        )
        .unwrap();
    }
    for f in files {
        write!(
            out,
            "--{b}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            f.field, f.name
        )
        .unwrap();
        out.extend_from_slice(f.bytes);
        out.extend_from_slice(b"\r\n");
    }
    write!(out, "--{b}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={b}"), out)
}

/// Undoes askama's HTML escaping (of an attribute value or a text).
pub fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `s[from..to]`, widened to whole characters and cut to the string.
fn clip(s: &str, from: usize, to: usize) -> &str {
    let from = (0..=from.min(s.len()))
        .rev()
        .find(|&k| s.is_char_boundary(k))
        .unwrap_or(0);
    let to = (to.min(s.len())..=s.len())
        .find(|&k| s.is_char_boundary(k))
        .unwrap_or(s.len());
    &s[from..to]
}

impl Page {
    /// The CSRF token the page's forms carry.
    pub fn csrf(&self) -> String {
        let at = self
            .html
            .find("name=\"csrf\" value=\"")
            .expect("a form with csrf");
        let rest = &self.html[at + 19..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The value of the input with this id.
    pub fn input(&self, id: &str) -> String {
        let at = self
            .html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id}"));
        let rest = &self.html[at..];
        let v = rest.find("value=\"").unwrap() + 7;
        rest[v..v + rest[v..].find('"').unwrap()].to_owned()
    }

    /// The value of the input named `name`, unescaped.
    pub fn field(&self, name: &str) -> String {
        let key = format!("name=\"{name}\" value=\"");
        let at = self
            .html
            .find(&key)
            .unwrap_or_else(|| panic!("no input {name}"));
        let rest = &self.html[at + key.len()..];
        unescape(&rest[..rest.find('"').unwrap()])
    }

    /// Fails when a key with one of `prefixes` stands as text in the page
    /// (after `>` or a space, followed by a lower-case letter).
    pub fn no_raw_keys(&self, prefixes: &[&str]) {
        for prefix in prefixes {
            for (i, _) in self.html.match_indices(prefix) {
                let before = self.html[..i].chars().next_back().unwrap_or(' ');
                let after = self.html[i + prefix.len()..].chars().next().unwrap_or(' ');
                assert!(
                    !(before == '>' || before == ' ') || !after.is_ascii_lowercase(),
                    "a raw key near {}",
                    clip(&self.html, i.saturating_sub(40), i + 40)
                );
            }
        }
    }
}

impl<'a> Visitor<'a> {
    pub fn new(s: &'a TestServer) -> Self {
        Visitor {
            s,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
            lang: None,
            raw_keys: &[],
        }
    }

    /// A visitor that checks every page for keys with these prefixes.
    pub fn checking(s: &'a TestServer, raw_keys: &'static [&'static str]) -> Self {
        Visitor {
            raw_keys,
            ..Visitor::new(s)
        }
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = req.header("cookie", cookie);
        if let Some(l) = self.lang {
            req = req.header("accept-language", l);
        }
        let r = req.send().await.unwrap();
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
        let status = r.status();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let location = header("location").unwrap_or_default();
        let refresh = header("refresh");
        if status.is_success() || status.is_client_error() {
            let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(
                ct.starts_with("text/html"),
                "pages answer in HTML: {} {status} {ct}",
                r.url()
            );
        }
        let html = r.text().await.unwrap();
        assert!(
            !status.is_server_error(),
            "{status} on a page: {}",
            clip(&html, 0, 400)
        );
        let page = Page {
            status,
            location,
            refresh,
            html,
        };
        if page.status.is_success() {
            page.no_raw_keys(self.raw_keys);
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(self.s.url(path));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let req = self
            .client
            .post(self.s.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    /// Posts a multipart form: `fields` (the forms put `csrf` first), then `files`.
    pub async fn multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[File<'_>],
    ) -> Page {
        let (content_type, body) = multipart(fields, files);
        let req = self
            .client
            .post(self.s.url(path))
            .header("content-type", content_type)
            .body(body);
        self.send(req).await
    }

    /// Reloads the self-refreshing page at `path` (a job) the way a browser
    /// does, until it stops refreshing; `each` checks every page shown
    /// while the work is in progress. Fails after a minute.
    pub async fn until_done(&mut self, path: &str, mut each: impl FnMut(&Page)) -> Page {
        let start = Instant::now();
        loop {
            let p = self.get(path).await;
            assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.html);
            if p.refresh.is_none() {
                return p;
            }
            each(&p);
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{path} still refreshes after a minute"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Logs in through the login form; returns where it was sent.
    pub async fn login(&mut self, login: &str, password: &str) -> String {
        let p = self
            .post("/login", &[("login", login), ("password", password)])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        p.location
    }

    /// Logs in with the tests' common password.
    pub async fn login_as(&mut self, login: &str) -> String {
        self.login(login, PASSWORD).await
    }

    /// Follows a redirect.
    pub async fn follow(&mut self, p: &Page) -> Page {
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.html);
        let to = p.location.clone();
        self.get(&to).await
    }
}
