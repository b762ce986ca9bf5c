//! Character classes shared by the normaliser and the rules.

/// Collects characters into a string with its buffer sized once.
pub fn collect(c: &[char]) -> String {
    let mut s = String::with_capacity(c.len() * 3);
    let mut buf = [0u8; 4];
    for &ch in c {
        s.push_str(ch.encode_utf8(&mut buf));
    }
    s
}

/// Whether `c` starts with the characters of `word`.
pub fn starts_with(c: &[char], word: &str) -> bool {
    let mut it = c.iter();
    word.chars().all(|w| it.next() == Some(&w))
}

/// Whether `c` ends with the characters of `word`.
pub fn ends_with(c: &[char], word: &str) -> bool {
    let mut it = c.iter().rev();
    word.chars().rev().all(|w| it.next() == Some(&w))
}

/// The first position of `word` in `c`.
pub fn find(c: &[char], word: &str) -> Option<usize> {
    let first = word.chars().next()?;
    (0..c.len()).find(|&i| c[i] == first && starts_with(&c[i..], word))
}

/// A CJK ideograph (the blocks that occur in Chinese text).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Han characters and the full-width punctuation that lives among them.
pub fn is_cjk(c: char) -> bool {
    is_han(c)
        || matches!(c as u32, 0x3000..=0x303F | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20)
        || matches!(c, '“' | '”' | '‘' | '’' | '…' | '—' | '·')
}

/// Punctuation that ends a sentence.
pub fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？')
}

/// Punctuation that ends a clause (a sentence end included).
pub fn is_clause_end(c: char) -> bool {
    matches!(c, '，' | '；' | '：' | '。' | '！' | '？')
}

/// Opening quotation marks and book-title brackets whose content is quoted
/// material, not the document's own voice.
pub fn quote_open(c: char) -> Option<char> {
    match c {
        '“' => Some('”'),
        '‘' => Some('’'),
        '「' => Some('」'),
        '『' => Some('』'),
        '《' => Some('》'),
        _ => None,
    }
}

/// Chinese numerals used in numbered lists (一要, 二是 …).
pub fn list_number(c: char) -> Option<u8> {
    Some(match c {
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => 10,
        _ => return None,
    })
}

/// Letters that may appear in a pinyin annotation, tone marks included.
pub fn is_pinyin_letter(c: char) -> bool {
    c.is_ascii_lowercase()
        || matches!(
            c,
            'ā' | 'á'
                | 'ǎ'
                | 'à'
                | 'ē'
                | 'é'
                | 'ě'
                | 'è'
                | 'ī'
                | 'í'
                | 'ǐ'
                | 'ì'
                | 'ō'
                | 'ó'
                | 'ǒ'
                | 'ò'
                | 'ū'
                | 'ú'
                | 'ǔ'
                | 'ù'
                | 'ǖ'
                | 'ǘ'
                | 'ǚ'
                | 'ǜ'
                | 'ü'
                | 'ń'
                | 'ň'
                | 'ǹ'
                | 'ḿ'
        )
}

/// A pinyin letter carrying a tone mark.
pub fn is_tone_letter(c: char) -> bool {
    is_pinyin_letter(c) && !c.is_ascii_lowercase() && c != 'ü'
}

/// Characters that are never text: zero-width marks, the replacement
/// character left by a bad decode, placeholder boxes and controls.
pub fn is_junk(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{FFFD}' | '□' | '■' | '\u{00AD}'
    ) || (c.is_control() && c != '\n' && c != '\t')
}

/// Horizontal white space of any width.
pub fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{3000}' || c == '\u{00A0}' || (c.is_whitespace() && c != '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_han('会') && is_han('會') && !is_han('，'));
        assert!(is_cjk('，') && is_cjk('“') && !is_cjk(','));
        assert!(is_tone_letter('ì') && !is_tone_letter('i') && !is_tone_letter('ü'));
        assert!(is_junk('\u{FFFD}') && is_junk('\u{7}') && !is_junk('\n'));
        assert_eq!(list_number('三'), Some(3));
    }
}
