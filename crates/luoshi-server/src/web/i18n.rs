//! The pages' message catalogues: every word a page shows, in zh-Hans (the
//! default), zh-Hant and English.
//!
//! Each language is a file under `i18n/` plus one per area of the
//! interface under `i18n/<area>/` (`key = text`, `#` comments), compiled
//! into the binary and read once. Templates ask [`T::t`] for a
//! key; [`T::f`] fills `{name}` placeholders. A key missing from a
//! language falls back to zh-Hans, then to the key itself, so a page never
//! fails for a missing word — and the tests check that no key is missing.
//!
//! The language of a request is the `luoshi_lang` cookie (set by the
//! language switch, `/lang`), else `Accept-Language`, else zh-Hans.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::header;
use axum::http::request::Parts;

use crate::auth::cookie;
pub use crate::error::Lang;

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "luoshi_lang";

/// One language's catalogue: the shared file `i18n/<lang>.txt` followed by
/// one file per area of the interface (`i18n/<area>/<lang>.txt`), so that
/// each area keeps its words beside the others'.
macro_rules! catalogue {
    ($lang:literal) => {
        concat!(
            include_str!(concat!("i18n/", $lang, ".txt")),
            "\n",
            include_str!(concat!("i18n/ingest/", $lang, ".txt")),
            "\n",
            include_str!(concat!("i18n/admin/", $lang, ".txt")),
            "\n",
            include_str!(concat!("i18n/supervision/", $lang, ".txt")),
        )
    };
}

/// The catalogue sources, in the order of [`LANGS`].
pub const SOURCES: [(&str, &str); 3] = [
    ("zh-Hans", catalogue!("zh-Hans")),
    ("zh-Hant", catalogue!("zh-Hant")),
    ("en", catalogue!("en")),
];

/// Every language, in the order the switch shows them.
pub const LANGS: [Lang; 3] = [Lang::Hans, Lang::Hant, Lang::En];

type Catalogue = HashMap<&'static str, &'static str>;

/// Reads one catalogue: `key = text` lines; blank lines and `#` comments
/// are skipped; a line without ` = ` is ignored (the tests refuse it).
pub fn parse(source: &'static str) -> Vec<(&'static str, &'static str)> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

static CATALOGUES: LazyLock<[Catalogue; 3]> =
    LazyLock::new(|| SOURCES.map(|(_, src)| parse(src).into_iter().collect()));

/// The tag of a language, as the cookie and `lang` attribute carry it.
pub fn tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Hans => "zh-Hans",
        Lang::Hant => "zh-Hant",
        Lang::En => "en",
    }
}

/// A language from its tag.
pub fn from_tag(tag: &str) -> Option<Lang> {
    match tag {
        "zh-Hans" => Some(Lang::Hans),
        "zh-Hant" => Some(Lang::Hant),
        "en" => Some(Lang::En),
        _ => None,
    }
}

fn index(lang: Lang) -> usize {
    match lang {
        Lang::Hans => 0,
        Lang::Hant => 1,
        Lang::En => 2,
    }
}

/// The language of a request: cookie, then `Accept-Language`.
pub fn lang_of(parts: &Parts) -> Lang {
    let from_cookie = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| cookie(v, LANG_COOKIE))
        .and_then(from_tag);
    from_cookie.unwrap_or_else(|| {
        crate::error::preferred_lang(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    })
}

/// The words of one language, handed to every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T {
    pub lang: Lang,
}

impl T {
    pub fn new(lang: Lang) -> T {
        T { lang }
    }

    /// The text of `key`.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        let cats = &*CATALOGUES;
        cats[index(self.lang)]
            .get(key)
            .or_else(|| cats[0].get(key))
            .copied()
            .unwrap_or(key)
    }

    /// The text of `key` with `{name}` placeholders filled.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut out = self.t(key).to_owned();
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }

    /// The `lang` attribute of the page.
    pub fn tag(&self) -> &'static str {
        tag(self.lang)
    }

    /// Converts text stored in Simplified Chinese (a message from the
    /// ledger) for a zh-Hant page; other languages get it as it is.
    /// The colon between a label and its value: full width in Chinese,
    /// `": "` in English (a catalogue value cannot end in a space).
    pub fn colon(&self) -> &'static str {
        match self.lang {
            Lang::En => ": ",
            _ => "：",
        }
    }

    pub fn script(&self, s: &str) -> String {
        match self.lang {
            Lang::Hant => hanconv::s2t(s),
            _ => s.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key the templates and the code ask for.
    fn used_keys() -> Vec<String> {
        let mut sources: Vec<String> = Vec::new();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "html" || e == "rs")
                    // This file's own tests look up a key that must not exist.
                    && !p.ends_with("i18n.rs")
                {
                    sources.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let mut keys = Vec::new();
        for s in &sources {
            for opener in ["t(\"", "f(\""] {
                for (i, _) in s.match_indices(opener) {
                    let rest = &s[i + opener.len()..];
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        if !key.is_empty()
                            && key.contains('.')
                            && key
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
                        {
                            keys.push(key.to_owned());
                        }
                    }
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_key_is_in_all_three_catalogues_and_nothing_else() {
        let sets: Vec<Vec<&str>> = SOURCES
            .iter()
            .map(|(name, src)| {
                for line in src.lines().map(str::trim) {
                    assert!(
                        line.is_empty() || line.starts_with('#') || line.contains(" = "),
                        "{name}: line without ` = `: {line}"
                    );
                }
                let entries = parse(src);
                for (k, v) in &entries {
                    assert!(!v.is_empty(), "{name}: {k} is empty");
                }
                let mut keys: Vec<&str> = entries.iter().map(|(k, _)| *k).collect();
                let n = keys.len();
                keys.sort_unstable();
                keys.dedup();
                assert_eq!(n, keys.len(), "{name} has a key twice");
                keys
            })
            .collect();
        assert_eq!(sets[0], sets[1], "zh-Hans and zh-Hant differ in keys");
        assert_eq!(sets[0], sets[2], "zh-Hans and en differ in keys");
        let used = used_keys();
        assert!(used.len() > 50, "found only {} keys in use", used.len());
        for key in &used {
            // Keys built at run time carry a prefix the code completes.
            if key.ends_with('.') {
                continue;
            }
            assert!(
                sets[0].contains(&key.as_str()),
                "{key} is used but not in the catalogues"
            );
        }
    }

    #[test]
    fn placeholders_are_the_same_in_every_language() {
        let cats: Vec<Vec<(&str, &str)>> = SOURCES.iter().map(|(_, s)| parse(s)).collect();
        let holes = |v: &str| -> Vec<String> {
            let mut h: Vec<String> = v
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                .collect();
            h.sort();
            h
        };
        for (k, v) in &cats[0] {
            for other in &cats[1..] {
                let o = other.iter().find(|(ok, _)| ok == k).map(|(_, v)| *v);
                assert_eq!(Some(holes(v)), o.map(holes), "{k}");
            }
        }
    }

    #[test]
    fn lookups_fall_back_and_fill() {
        let t = T::new(Lang::En);
        assert_eq!(t.t("nav.ledger"), "Ledger");
        assert_eq!(t.t("no.such.key"), "no.such.key");
        assert_eq!(t.f("ledger.page", &[("n", "3")]), "Page 3");
        assert_eq!(T::new(Lang::Hant).t("nav.ledger"), "臺賬");
        assert_eq!(from_tag(tag(Lang::Hant)), Some(Lang::Hant));
    }
}
