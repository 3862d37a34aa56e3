//! The stacked chart of deletions per week and reason, as SVG text made on the server: no chart
//! code reaches the browser. Readable without colour: each reason has a pattern of its own as
//! well as a shade, named in the legend; every segment and bar carries its figures in a
//! `<title>`, and the table under the chart holds the same figures (`data-cell` on both).

use super::{Cell, WeekRow};
use crate::{domain::deactivation::Reason, format, i18n::fill, i18n::Locale};
use std::fmt::Write;

const WIDTH: f64 = 760.0;
const PLOT_LEFT: f64 = 56.0;
const PLOT_TOP: f64 = 16.0;
const PLOT_HEIGHT: f64 = 240.0;
const AXIS_LABELS: f64 = 40.0;
const LEGEND_ROW: f64 = 22.0;
/// The font size of the axes' labels. The page never draws the chart narrower than 40rem (it
/// scrolls sideways inside its figure on a narrower screen), so 12 units are at least 10 px.
const AXIS_FONT: f64 = 12.0;
/// The width of a character of the axes' labels, as a share of [`AXIS_FONT`]: a little more
/// than the widest digits and letters of a sans-serif face, so an estimate errs on the wide side.
const CHARACTER_WIDTH: f64 = 0.62;
/// The least room between two week labels.
const LABEL_GAP: f64 = 10.0;

/// Per reason, in [`Reason::ALL`]'s order: a light fill and the pattern's strokes drawn on it.
const PATTERNS: [(&str, &str); 9] = [
    ("#dbeafe", r##"<path d="M0 8L8 0" stroke="#1e3a8a" stroke-width="1.5"/>"##),
    ("#fde68a", r##"<path d="M0 0L8 8" stroke="#78350f" stroke-width="1.5"/>"##),
    ("#bbf7d0", r##"<path d="M0 4H8" stroke="#14532d" stroke-width="1.5"/>"##),
    ("#fecaca", r##"<path d="M4 0V8" stroke="#7f1d1d" stroke-width="1.5"/>"##),
    ("#e9d5ff", r##"<circle cx="4" cy="4" r="1.6" fill="#3b0764"/>"##),
    ("#fed7aa", r##"<path d="M0 8L8 0M0 0L8 8" stroke="#7c2d12" stroke-width="1"/>"##),
    ("#ccfbf1", r##"<path d="M0 4H8M4 0V8" stroke="#134e4a" stroke-width="1"/>"##),
    ("#374151", ""),
    ("#ffffff", ""),
];

/// The chart of `weeks` (oldest first) in `locale`'s words and numbers.
pub fn svg(weeks: &[WeekRow], locale: Locale) -> String {
    let t = locale.messages();
    let legend_rows = Reason::ALL.len() as f64;
    let height = PLOT_TOP + PLOT_HEIGHT + AXIS_LABELS + legend_rows * LEGEND_ROW + 8.0;
    let top = axis_top(weeks.iter().map(|w| w.total).max().unwrap_or(0));
    let scale = PLOT_HEIGHT / top as f64;
    let slot = (WIDTH - PLOT_LEFT - 8.0) / weeks.len().max(1) as f64;
    let bar = (slot * 0.7).max(2.0);
    let labels: Vec<String> = weeks.iter().map(|w| format::day_month(&w.week_start, locale)).collect();
    let label_every = label_every(slot, labels.iter().map(|l| l.chars().count()).max().unwrap_or(0));
    let bottom = PLOT_TOP + PLOT_HEIGHT;
    // Escaped once, not once a segment.
    let reason_labels: Vec<String> = Reason::ALL.iter().map(|r| escape(r.label(t).text)).collect();
    let fewer_than_5 = escape(t.staff_fewer_than_5.text);

    let mut out = String::with_capacity(8_192 + weeks.len() * Reason::ALL.len() * 192);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="reasons-chart" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-labelledby="reasons-chart-title reasons-chart-desc"><title id="reasons-chart-title">{}</title><desc id="reasons-chart-desc">{}</desc><defs>"#,
        escape(t.staff_chart_title.text),
        escape(t.staff_chart_description.text)
    );
    for (i, (fill, strokes)) in PATTERNS.iter().enumerate() {
        let _ = write!(
            out,
            r#"<pattern id="reason-pattern-{i}" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="{fill}"/>{strokes}</pattern>"#
        );
    }
    out.push_str("</defs>");

    // The value axis: 0, half and the top, with grid lines.
    for value in [0, top / 2, top] {
        let y = bottom - value as f64 * scale;
        let _ = write!(
            out,
            r##"<line x1="{PLOT_LEFT}" x2="{WIDTH}" y1="{y:.1}" y2="{y:.1}" stroke="#9ca3af" stroke-width="0.5"/><text x="{}" y="{:.1}" text-anchor="end" font-size="{AXIS_FONT}">{}</text>"##,
            PLOT_LEFT - 6.0,
            y + 4.0,
            escape(&format::number(value, locale))
        );
    }

    for (n, week) in weeks.iter().enumerate() {
        let x = PLOT_LEFT + n as f64 * slot + (slot - bar) / 2.0;
        let date = format::date(&week.week_start, locale);
        let mut y = bottom;
        // The segments' outline is the group's: written once a week, not once a segment.
        let _ = write!(
            out,
            r##"<g class="week" stroke="#111827" stroke-width="0.5"><title>{}</title>"##,
            escape(
                &fill(t.staff_chart_week_total, &[("week", &date), ("count", &format::number(week.total, locale))])
                    .text
            )
        );
        for (i, (reason, cell)) in Reason::ALL.iter().zip(&week.cells).enumerate() {
            let label = &reason_labels[i];
            let Cell::Shown(deletions) = *cell else {
                // Not drawn (it is not in the total either); the bar's title and the table say it.
                let _ = write!(out, r#"<desc>{label}: {fewer_than_5}</desc>"#);
                continue;
            };
            if deletions == 0 {
                continue;
            }
            let h = deletions as f64 * scale;
            y -= h;
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y:.2}" width="{bar:.1}" height="{h:.2}" fill="url(#reason-pattern-{i})" data-cell="{} {} {deletions}"><title>{label}: {}</title></rect>"##,
                week.week_start,
                reason.code(),
                escape(&format::number(deletions, locale))
            );
        }
        out.push_str("</g>");
        // Counted back from the newest week, which always has its label; under its bar, but
        // never past the chart's edge (the newest week's bar is near it).
        if (weeks.len() - 1 - n).is_multiple_of(label_every) {
            let half = label_width(labels[n].chars().count()) / 2.0;
            let _ = write!(
                out,
                r#"<text class="week-label" x="{:.1}" y="{:.1}" text-anchor="middle" font-size="{AXIS_FONT}">{}</text>"#,
                (x + bar / 2.0).clamp(half, WIDTH - half),
                bottom + 18.0,
                escape(&labels[n])
            );
        }
    }

    // The legend: a swatch of each pattern beside the reason's name (long sentences: one a row).
    let legend_top = bottom + AXIS_LABELS;
    for (i, label) in reason_labels.iter().enumerate() {
        let x = PLOT_LEFT;
        let y = legend_top + i as f64 * LEGEND_ROW;
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{y:.1}" width="16" height="14" fill="url(#reason-pattern-{i})" stroke="#111827" stroke-width="0.5"/><text x="{:.1}" y="{:.1}" font-size="12">{}</text>"##,
            x + 22.0,
            y + 11.0,
            label
        );
    }
    out.push_str("</svg>");
    out
}

/// Every how many weeks a label goes under the axis, so that labels of `chars` characters on
/// slots `slot` wide never touch.
fn label_every(slot: f64, chars: usize) -> usize {
    (((label_width(chars) + LABEL_GAP) / slot).ceil() as usize).max(1)
}

/// The width of a week label of `chars` characters, estimated on the wide side.
fn label_width(chars: usize) -> f64 {
    chars as f64 * CHARACTER_WIDTH * AXIS_FONT
}

/// A round top for the value axis, at least the highest bar: 1, 2 or 5 times a power of ten.
fn axis_top(highest: i64) -> i64 {
    let mut power = 1;
    loop {
        for step in [1, 2, 5] {
            if step * power >= highest.max(SMALLEST_TOP) {
                return step * power;
            }
        }
        power *= 10;
    }
}

/// An empty chart still has an axis, up to 10.
const SMALLEST_TOP: i64 = 10;

/// Text for SVG content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_ends_at_a_round_number_above_the_highest_bar() {
        assert_eq!([0, 7, 10, 11, 120, 480, 501].map(axis_top), [10, 10, 10, 20, 200, 500, 1000]);
    }

    #[test]
    fn week_labels_are_spread_so_that_they_never_touch() {
        let slot = |weeks: f64| (WIDTH - PLOT_LEFT - 8.0) / weeks;
        // "Nov 30" and "30.11.": six characters, about 55 units with the gap.
        assert_eq!(label_every(slot(4.0), 6), 1);
        assert_eq!(label_every(slot(12.0), 6), 1);
        assert_eq!(label_every(slot(52.0), 6), 5);
        let svg = svg(&[], Locale::En);
        assert!(!svg.contains("week-label"), "no weeks, no labels: {svg}");
        // The newest of 52 weeks is labelled, within the chart.
        let weeks: Vec<WeekRow> = (0..52)
            .map(|n| WeekRow {
                week_start: format!("2026-{:02}-{:02}", 1 + n / 5, 1 + n % 5 * 6),
                cells: vec![Cell::Shown(0); Reason::ALL.len()],
                total: 0,
            })
            .collect();
        let svg = super::svg(&weeks, Locale::En);
        let last = svg.rsplit(r#"<text class="week-label" x=""#).next().unwrap();
        let x: f64 = last[..last.find('"').unwrap()].parse().unwrap();
        assert!(last.contains(">Nov 7<") && x + label_width("Nov 7".len()) / 2.0 <= WIDTH, "{last}");
    }

    #[test]
    fn each_shown_cell_is_a_segment_of_its_height_and_hidden_cells_are_not_drawn() {
        let mut cells = vec![Cell::Shown(0); Reason::ALL.len()];
        cells[0] = Cell::Shown(10);
        cells[1] = Cell::Shown(5);
        cells[2] = Cell::FewerThanFive;
        let weeks = [WeekRow { week_start: "2026-11-02".to_owned(), cells, total: 15 }];
        let svg = svg(&weeks, Locale::En);
        assert!(svg.contains(r#"height="120.00" fill="url(#reason-pattern-0)""#), "{svg}");
        assert!(svg.contains(r#"height="60.00" fill="url(#reason-pattern-1)""#), "{svg}");
        assert_eq!(svg.matches("data-cell=").count(), 2, "{svg}");
        assert!(svg.contains("fewer than 5"), "{svg}");
    }
}
