//! A bar chart of completion rates as a PNG, with no text but digits (drawn
//! from a 3×5 pixel font), so it needs no font at all: the legend that
//! names each bar is written in the document.
//!
//! The PNG is 8-bit indexed colour, compressed with zlib (flate2, already
//! in the build through zip), CRCs by crc32fast (likewise).

use std::io::Write;

/// The chart's size in pixels.
pub const SIZE: (u32, u32) = (720, 360);
/// The most bars the chart draws legibly (a digit label per bar).
pub const MAX_BARS: usize = 30;

const WHITE: u8 = 0;
const BLACK: u8 = 1;
const GRID: u8 = 2;
const BAR: u8 = 3;
const PALETTE: [u8; 12] = [255, 255, 255, 0, 0, 0, 210, 210, 210, 0x2f, 0x55, 0x97];

/// Digits 0–9, 3 pixels wide and 5 high, row by row (bit 2 = left).
const DIGITS: [[u8; 5]; 10] = [
    [7, 5, 5, 5, 7],
    [2, 6, 2, 2, 7],
    [7, 1, 7, 4, 7],
    [7, 1, 7, 1, 7],
    [5, 5, 7, 1, 1],
    [7, 4, 7, 1, 7],
    [7, 4, 7, 5, 7],
    [7, 1, 1, 1, 1],
    [7, 5, 7, 5, 7],
    [7, 5, 7, 1, 7],
];

struct Canvas {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![WHITE; w * h],
        }
    }

    fn rect(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, c: u8) {
        for y in y0.min(self.h)..y1.min(self.h) {
            for x in x0.min(self.w)..x1.min(self.w) {
                self.px[y * self.w + x] = c;
            }
        }
    }

    /// Draws `text` (digits; anything else is a gap) with its top-left corner at (x, y),
    /// each font pixel `scale` pixels square.
    fn text(&mut self, x: usize, y: usize, text: &str, scale: usize) {
        let mut at = x;
        for ch in text.chars() {
            let glyph = match ch {
                '0'..='9' => DIGITS[(ch as u8 - b'0') as usize],
                _ => {
                    at += 4 * scale;
                    continue;
                }
            };
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..3 {
                    if bits & (4 >> col) != 0 {
                        let px = at + col * scale;
                        let py = y + row * scale;
                        self.rect(px, py, px + scale, py + scale, BLACK);
                    }
                }
            }
            at += 4 * scale;
        }
    }
}

/// The width in pixels of `text` drawn at `scale`.
fn text_width(text: &str, scale: usize) -> usize {
    (text.chars().count() * 4).saturating_sub(1) * scale
}

/// A bar chart of `rates` (percent, 0–100; more is clipped): bars
/// numbered 1, 2, … from the left, each with its value above it, and a
/// y axis with grid lines every 20 points.
pub fn completion_png(rates: &[u8]) -> Vec<u8> {
    let (w, h) = (SIZE.0 as usize, SIZE.1 as usize);
    let mut c = Canvas::new(w, h);
    let (left, right, top, bottom) = (60usize, 20usize, 30usize, 40usize);
    let plot_h = h - top - bottom;
    let plot_w = w - left - right;
    let y_of = |v: usize| top + plot_h - plot_h * v.min(100) / 100;
    for v in (0..=100).step_by(20) {
        let y = y_of(v);
        c.rect(left, y, w - right, y + 1, GRID);
        let label = v.to_string();
        c.text(
            left - 8 - text_width(&label, 2),
            y.saturating_sub(5),
            &label,
            2,
        );
    }
    c.rect(left, top, left + 2, top + plot_h + 1, BLACK);
    c.rect(left, top + plot_h, w - right, top + plot_h + 2, BLACK);
    let n = rates.len().max(1);
    let slot = plot_w / n;
    let bar = (slot * 3 / 5).clamp(4, 80);
    for (i, rate) in rates.iter().enumerate() {
        let v = usize::from(*rate).min(100);
        let x0 = left + i * slot + slot.saturating_sub(bar) / 2;
        let y = y_of(v);
        c.rect(x0, y, x0 + bar, top + plot_h, BAR);
        // The value only: the axis and the legend say it is a percentage.
        let value = v.to_string();
        let scale = if slot >= 40 { 2 } else { 1 };
        let vx = (x0 + bar / 2).saturating_sub(text_width(&value, scale) / 2);
        c.text(vx, y.saturating_sub(6 * scale + 3), &value, scale);
        let label = (i + 1).to_string();
        let lx = (x0 + bar / 2).saturating_sub(text_width(&label, scale) / 2);
        c.text(lx, top + plot_h + 10, &label, scale);
    }
    encode(&c)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

fn encode(c: &Canvas) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&u32::try_from(c.w).unwrap_or(0).to_be_bytes());
    ihdr.extend_from_slice(&u32::try_from(c.h).unwrap_or(0).to_be_bytes());
    // 8-bit depth, indexed colour, deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"PLTE", &PALETTE);
    let mut raw = Vec::with_capacity((c.w + 1) * c.h);
    for row in c.px.chunks(c.w) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(&raw);
    let data = z.finish().unwrap_or_default();
    chunk(&mut out, b"IDAT", &data);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_well_formed() {
        let png = completion_png(&[0, 50, 100, 33, 250]);
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), SIZE.0);
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // Every chunk's CRC matches.
        let mut at = 8;
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let crc = crc32fast::hash(&png[at + 4..at + 8 + len]);
            let stored = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, stored);
            at += 12 + len;
        }
        assert_eq!(at, png.len());
        // Many bars and none still draw.
        assert!(completion_png(&[7; 60]).len() > 100);
        assert!(
            completion_png(&[7; 5000]).len() > 100,
            "more bars than pixels"
        );
        assert!(completion_png(&[]).len() > 100);
    }
}
