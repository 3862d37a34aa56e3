//! The table of the reason statistics as CSV (RFC 4180), with the same suppression as the page.

use super::{Cell, WeekRow};
use crate::{domain::deactivation::Reason, i18n::Locale};

/// A header row (the week, each reason, the total) and a row per week; a hidden cell reads
/// "fewer than 5" in `locale`'s words, as on the page.
pub fn table(weeks: &[WeekRow], locale: Locale) -> String {
    let t = locale.messages();
    let mut out = String::new();
    let header = std::iter::once(t.staff_table_week)
        .chain(Reason::ALL.iter().map(|r| r.label(t)))
        .chain(std::iter::once(t.staff_table_total_shown))
        .map(|text| text.to_string());
    push_row(&mut out, header);
    for week in weeks {
        let cells = week.cells.iter().map(|cell| match cell {
            Cell::Shown(n) => n.to_string(),
            Cell::FewerThanFive => t.staff_fewer_than_5.to_string(),
        });
        push_row(
            &mut out,
            std::iter::once(week.week_start.clone()).chain(cells).chain(std::iter::once(week.total.to_string())),
        );
    }
    out
}

/// One record: every field quoted, quotes doubled, CRLF at the end.
fn push_row(out: &mut String, fields: impl Iterator<Item = String>) {
    let quoted: Vec<String> = fields.map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}
