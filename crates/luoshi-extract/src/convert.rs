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

/// What the tables know of one character, packed in a `u32`: its
/// Simplified form in the low 21 bits (0 when it has none other than
/// itself), and two flags.
#[derive(Debug, Clone, Copy, Default)]
struct Entry(u32);

/// A phrase converts the character differently from the character table.
const PHRASE: u32 = 1 << 22;
/// A Simplified form that Traditional text writes otherwise.
const SIMPLIFIED_ONLY: u32 = 1 << 23;
const CHAR_MASK: u32 = (1 << 21) - 1;

impl Entry {
    fn simp(self) -> Option<char> {
        match self.0 & CHAR_MASK {
            0 => None,
            c => char::from_u32(c),
        }
    }
}

struct Tables {
    bmp: Vec<Entry>,
    astral: HashMap<char, Entry>,
}

impl Tables {
    #[inline]
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
                let e = t.entry(a);
                e.0 = (e.0 & !CHAR_MASK) | b as u32;
            }
        } else if let Some(a) = k.chars().next() {
            // A character that converts to several: leave it to hanconv.
            t.entry(a).0 |= PHRASE;
        }
    }
    for (k, v) in Dictionary::TSPhrases.iter() {
        let by_char: Vec<char> = k.chars().map(|c| t.get(c).simp().unwrap_or(c)).collect();
        let by_phrase: Vec<char> = v.chars().collect();
        if by_char.len() != by_phrase.len() {
            for c in k.chars() {
                t.entry(c).0 |= PHRASE;
            }
            continue;
        }
        for (c, (a, b)) in k.chars().zip(by_char.iter().zip(&by_phrase)) {
            if a != b {
                t.entry(c).0 |= PHRASE;
            }
        }
    }
    for (k, v) in Dictionary::STCharacters.iter() {
        let mut kc = k.chars();
        if let (Some(a), None) = (kc.next(), kc.next())
            && v != k
            && t.get(a).simp().is_none()
        {
            t.entry(a).0 |= SIMPLIFIED_ONLY;
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
/// Traditional → Simplified tables do. Also counts, for script detection,
/// the characters it changed and those only Simplified text uses.
pub fn to_simplified(display: &[char]) -> (Vec<char>, usize, usize) {
    let t = &*TABLES;
    let mut out = Vec::with_capacity(display.len());
    let (mut traditional, mut simplified) = (0, 0);
    let mut line_start = 0;
    let mut phrase = false;
    for (i, &c) in display.iter().enumerate() {
        let e = t.get(c);
        phrase |= e.0 & PHRASE != 0;
        match e.simp() {
            Some(s) => {
                out.push(s);
                traditional += 1;
            }
            None => {
                out.push(c);
                simplified += usize::from(e.0 & SIMPLIFIED_ONLY != 0);
            }
        }
        if c == '\n' || i + 1 == display.len() {
            if phrase {
                // This line holds a character a phrase converts otherwise.
                let line = &display[line_start..=i];
                let s: String = line.iter().collect();
                let conv: Vec<char> = hanconv::t2s(&s).chars().collect();
                if conv.len() == line.len() {
                    out.truncate(line_start);
                    out.extend(conv);
                }
            }
            line_start = i + 1;
            phrase = false;
        }
    }
    (out, traditional, simplified)
}

/// Whether `c` is a character that only Simplified text uses.
#[cfg(test)]
pub fn is_simplified_only(c: char) -> bool {
    TABLES.get(c).0 & SIMPLIFIED_ONLY != 0
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
            let fast: String = to_simplified(&chars).0.into_iter().collect();
            assert_eq!(fast, hanconv::t2s(s), "{s}");
        }
    }

    #[test]
    fn simplified_only_characters() {
        assert!(is_simplified_only('会') && is_simplified_only('并'));
        assert!(!is_simplified_only('會') && !is_simplified_only('人'));
    }
}
