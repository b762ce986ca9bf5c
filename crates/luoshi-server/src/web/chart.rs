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

/// One group of columns (a month): its label and one value per series.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub values: Vec<i64>,
}

const COL_H: u32 = 160;
const COL_TOP: u32 = 36;
const COL_GROUP_W: u32 = 64;
const COL_LEFT: u32 = 8;

/// Grouped vertical columns over time (one group per period, one column
/// per series), as an `<svg>` element: the series are told apart by fill
/// and by a hatching that survives black-and-white printing, a legend
/// names them, and every non-zero value is written above its column.
pub fn columns(title: &str, series: &[&str], groups: &[Group]) -> String {
    let n_groups = u32::try_from(groups.len()).unwrap_or(0);
    let width = COL_LEFT * 2 + COL_GROUP_W * n_groups.max(1);
    let height = COL_TOP + COL_H + 24;
    let max = groups
        .iter()
        .flat_map(|g| g.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let n_series = u32::try_from(series.len()).unwrap_or(1).max(1);
    let col_w = (COL_GROUP_W - 12) / n_series;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart columns" role="img" viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg"><title>{}</title><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="chart-bar2"/><line x1="0" y1="0" x2="0" y2="6" class="chart-hatch"/></pattern></defs>"#,
        escape(title)
    );
    // The legend.
    for (i, name) in series.iter().enumerate() {
        let x = COL_LEFT + 150 * u32::try_from(i).unwrap_or(0);
        let fill = if i == 0 {
            r#"class="chart-bar""#
        } else {
            r#"fill="url(#hatch)" class="chart-series2""#
        };
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="6" width="14" height="14" {fill}/><text x="{tx}" y="18" class="chart-label">{}</text>"#,
            escape(name),
            tx = x + 20,
        );
    }
    let base = COL_TOP + COL_H;
    let _ = write!(
        svg,
        r#"<line x1="{COL_LEFT}" y1="{base}" x2="{x2}" y2="{base}" class="chart-axis"/>"#,
        x2 = width - COL_LEFT
    );
    for (g, group) in groups.iter().enumerate() {
        let gx = COL_LEFT + COL_GROUP_W * u32::try_from(g).unwrap_or(0) + 6;
        for (i, v) in group.values.iter().enumerate() {
            let v = (*v).max(0);
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let h = ((v as f64 / max as f64) * f64::from(COL_H)).round() as u32;
            let x = gx + col_w * u32::try_from(i).unwrap_or(0);
            let fill = if i == 0 {
                r#"class="chart-bar""#
            } else {
                r#"fill="url(#hatch)" class="chart-series2""#
            };
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" {fill}/>"#,
                y = base - h,
                w = col_w - 2,
            );
            if v > 0 {
                let _ = write!(
                    svg,
                    r#"<text x="{cx}" y="{ty}" text-anchor="middle" class="chart-value small">{v}</text>"#,
                    cx = x + col_w / 2,
                    ty = base - h - 3,
                );
            }
        }
        let _ = write!(
            svg,
            r#"<text x="{cx}" y="{ty}" text-anchor="middle" class="chart-label small">{}</text>"#,
            escape(&clip(&group.label, 10)),
            cx = gx + (COL_GROUP_W - 12) / 2,
            ty = base + 16,
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

    #[test]
    fn columns_scale_to_the_largest_value_and_label_each() {
        let svg = columns(
            "进展<趋势>",
            &["交办", "销号"],
            &[
                Group {
                    label: "2026-01".into(),
                    values: vec![10, 0],
                },
                Group {
                    label: "2026-02".into(),
                    values: vec![5, -3],
                },
            ],
        );
        assert!(svg.contains("<title>进展&lt;趋势&gt;</title>"));
        // The largest value fills the whole height; zero and negative draw
        // nothing and write no value.
        assert!(svg.contains(&format!(r#"height="{COL_H}""#)));
        assert!(svg.contains(r#"height="80""#));
        assert!(svg.contains(">10</text>") && svg.contains(">5</text>"));
        assert!(!svg.contains(">0</text>") && !svg.contains(">-3</text>"));
        assert!(svg.contains("2026-02") && svg.contains("销号"));
        // No groups: still a well-formed, empty chart.
        let empty = columns("x", &["a"], &[]);
        assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"));
    }
}
