//! Horizontal bar charts drawn as SVG on the server: no script, readable
//! when printed (dark text, solid bars with a frame, every value written
//! next to its bar), and scalable to any width (`viewBox`).

use std::fmt::Write as _;

/// One bar: its label, its length as a share of the full width (0..=1),
/// and the value written after it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub value: String,
}

const ROW: u32 = 28;
const LABEL_W: u32 = 260;
const BAR_W: u32 = 420;
const WIDTH: u32 = LABEL_W + BAR_W + 110;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Shortens a label to `max` half-widths (a CJK character counts two, as
/// it is drawn about twice as wide as a Latin letter), with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if s.chars().map(width).sum::<usize>() <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        if used + width(c) > max - 2 {
            break;
        }
        used += width(c);
        out.push(c);
    }
    out.push('…');
    out
}

/// The chart as an `<svg>` element, titled for screen readers.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let height = ROW * u32::try_from(bars.len()).unwrap_or(0) + 8;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = ROW * u32::try_from(i).unwrap_or(0) + 4;
        let share = if bar.share.is_finite() {
            bar.share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Truncation to whole pixels is what a chart wants.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let w = (f64::from(BAR_W) * share).round() as u32;
        let _ = write!(
            svg,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" class="chart-label">{label}</text><rect x="{LABEL_W}" y="{ry}" width="{BAR_W}" height="18" class="chart-track"/><rect x="{LABEL_W}" y="{ry}" width="{w}" height="18" class="chart-bar"/><text x="{vx}" y="{ty}" class="chart-value">{value}</text>"##,
            lx = LABEL_W - 8,
            ty = y + 14,
            ry = y + 1,
            vx = LABEL_W + BAR_W + 8,
            label = escape(&clip(&bar.label, 36)),
            value = escape(&bar.value),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_escaped_clamped_and_labelled() {
        let svg = bars(
            "标题<",
            &[
                Bar {
                    label: "省<水利>厅".into(),
                    share: 0.5,
                    value: "50%".into(),
                },
                Bar {
                    label: "很长很长很长很长很长很长很长很长的单位名称".into(),
                    share: f64::NAN,
                    value: "0%".into(),
                },
                Bar {
                    label: "x".into(),
                    share: 7.0,
                    value: "100%".into(),
                },
            ],
        );
        assert!(svg.contains("省&lt;水利&gt;厅"));
        assert!(svg.contains("<title>标题&lt;</title>"));
        assert!(svg.contains(r#"width="210""#));
        assert!(svg.contains(r#"width="0""#));
        assert!(svg.contains('…'));
        assert!(!svg.contains(r#"width="2940""#));
        assert_eq!(clip("Completion requested", 36), "Completion requested");
        assert_eq!(clip("省发展和改革委员会", 36), "省发展和改革委员会");
        assert_eq!(clip(&"很".repeat(30), 36).chars().count(), 18);
    }
}
