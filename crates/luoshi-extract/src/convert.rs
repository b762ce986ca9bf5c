//! Fast Traditional → Simplified conversion with OpenCC's dictionaries.
//!
//! The dictionaries are the ones `hanconv` ships (TSCharacters and
//! TSPhrases); the result is exactly `hanconv::t2s`, character for
//! character. Most text needs no phrase: a character converts the same
//! whether or not a phrase covers it. So the tables mark the few characters
//! whose conversion a phrase changes (乾 in 乾隆, 著 in 著名 …); a line
//! without any of them is converted by table lookup, and only a line with
//! one goes through `hanconv`'s phrase matcher. The same tables tell which
//! characters only Simplified text uses, for script detection.

use std::collections::HashMap;
use std::sync::LazyLock;

use hanconv::Dictionary;

/// What the tables know of one character.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    /// Its Simplified form, when it has one other than itself.
    simp: Option<char>,
    /// A phrase converts it differently from the character table.
    phrase: bool,
    /// It is a Simplified form that Traditional text writes otherwise.
    simplified_only: bool,
}

struct Tables {
    bmp: Vec<Entry>,
    astral: HashMap<char, Entry>,
}

impl Tables {
    fn get(&self, c: char) -> Entry {
        let u = c as usize;
        if u < self.bmp.len() {
            self.bmp[u]
        } else {
            self.astral.get(&c).copied().unwrap_or_default()
        }
    }

    fn entry(&mut self, c: char) -> &mut Entry {
        let u = c as usize;
        if u < self.bmp.len() {
            &mut self.bmp[u]
        } else {
            self.astral.entry(c).or_default()
        }
    }
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut t = Tables {
        bmp: vec![Entry::default(); 0x1_0000],
        astral: HashMap::new(),
    };
    for (k, v) in Dictionary::TSCharacters.iter() {
        let (mut kc, mut vc) = (k.chars(), v.chars());
        if let (Some(a), None, Some(b), None) = (kc.next(), kc.next(), vc.next(), vc.next()) {
            if a != b {
                t.entry(a).simp = Some(b);
            }
        } else if let Some(a) = k.chars().next() {
            // A character that converts to several: leave it to hanconv.
            t.entry(a).phrase = true;
        }
    }
    for (k, v) in Dictionary::TSPhrases.iter() {
        let by_char: Vec<char> = k.chars().map(|c| t.get(c).simp.unwrap_or(c)).collect();
        let by_phrase: Vec<char> = v.chars().collect();
        if by_char.len() != by_phrase.len() {
            for c in k.chars() {
                t.entry(c).phrase = true;
            }
            continue;
        }
        for (c, (a, b)) in k.chars().zip(by_char.iter().zip(&by_phrase)) {
            if a != b {
                t.entry(c).phrase = true;
            }
        }
    }
    for (k, v) in Dictionary::STCharacters.iter() {
        let mut kc = k.chars();
        if let (Some(a), None) = (kc.next(), kc.next())
            && v != k
            && t.get(a).simp.is_none()
        {
            t.entry(a).simplified_only = true;
        }
    }
    t
});

/// Builds the tables now rather than on the first document.
pub fn warm() {
    LazyLock::force(&TABLES);
}

/// Converts to Simplified, one output character per input character.
/// Equal to `hanconv::t2s` wherever that keeps the length, which OpenCC's
/// Traditional → Simplified tables do.
pub fn to_simplified(display: &[char]) -> Vec<char> {
    let t = &*TABLES;
    let mut out = Vec::with_capacity(display.len());
    for line in display.split_inclusive(|&c| c == '\n') {
        if line.iter().any(|&c| t.get(c).phrase) {
            let s: String = line.iter().collect();
            let conv: Vec<char> = hanconv::t2s(&s).chars().collect();
            if conv.len() == line.len() {
                out.extend(conv);
                continue;
            }
        }
        out.extend(line.iter().map(|&c| t.get(c).simp.unwrap_or(c)));
    }
    out
}

/// Whether `c` is a character that only Simplified text uses.
pub fn is_simplified_only(c: char) -> bool {
    TABLES.get(c).simplified_only
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_hanconv() {
        for s in [
            "會議指出，要堅決扛起建設國家戰略腹地這個重大使命",
            "乾隆年間，乾燥的天氣；著名的著作；他著急了",
            "瞭解情況，一目瞭然；夥伴們；藉口與憑藉",
            "並于斗干里程碑",
            "鍾錶、鐘聲；後來的皇后；發展與頭髮",
            "簡體字不變：会议指出要坚持",
        ] {
            let chars: Vec<char> = s.chars().collect();
            let fast: String = to_simplified(&chars).into_iter().collect();
            assert_eq!(fast, hanconv::t2s(s), "{s}");
        }
    }

    #[test]
    fn simplified_only_characters() {
        assert!(is_simplified_only('会') && is_simplified_only('并'));
        assert!(!is_simplified_only('會') && !is_simplified_only('人'));
    }
}
