//! The reason statistics of a period, from the counters to what the page shows (server only).

use super::{
    chart, store, Cell, OtherTexts, ReasonSummary, ReasonsFilter, ReasonsReport, WeekRow, OTHER_TEXTS_SHOWN, SMALL_CELL,
};
use crate::{deactivation::mask::MASKS, domain::deactivation::Reason, error::AppError, i18n::Locale};
use chrono::{Days, NaiveDate};
use sqlx::PgPool;

/// The report of `filter`'s period, which ends with the current week, in `page_locale`.
pub async fn load(pool: &PgPool, filter: ReasonsFilter, page_locale: Locale) -> Result<ReasonsReport, AppError> {
    let (from, until) = period(pool, filter.weeks).await?;
    let previous_from = from - Days::new(7 * u64::from(filter.weeks));
    let counts = counts(pool, filter, previous_from, until).await?;
    let texts = store::other_texts(pool, from, until, OTHER_TEXTS_SHOWN, SMALL_CELL).await?;

    let current = week_rows(from, filter.weeks, &counts);
    let previous = week_rows(previous_from, filter.weeks, &counts);
    let (reasons, total, previous_total) = summarize(&current, &previous);
    let chart_svg = chart::svg(&current, page_locale);
    Ok(ReasonsReport {
        filter,
        weeks: current,
        reasons,
        total,
        previous_total,
        chart_svg,
        other_texts: by_day(texts, page_locale),
    })
}

/// The week rows of `filter`'s period alone, what the CSV holds: no previous period, no
/// chart, no texts.
pub async fn table(pool: &PgPool, filter: ReasonsFilter) -> Result<Vec<WeekRow>, AppError> {
    let (from, until) = period(pool, filter.weeks).await?;
    Ok(week_rows(from, filter.weeks, &counts(pool, filter, from, until).await?))
}

/// The first Monday of a period of `weeks` that ends with the current week, and the Monday
/// after it.
async fn period(pool: &PgPool, weeks: u32) -> sqlx::Result<(NaiveDate, NaiveDate)> {
    let this_week = store::this_week(pool).await?;
    Ok((this_week - Days::new(7 * (u64::from(weeks) - 1)), this_week + Days::new(7)))
}

/// The counters of `filter`'s locale and role from the Monday `from` up to `until`.
async fn counts(
    pool: &PgPool,
    filter: ReasonsFilter,
    from: NaiveDate,
    until: NaiveDate,
) -> sqlx::Result<Vec<(NaiveDate, String, i64)>> {
    store::weekly_counts(pool, from, until, filter.locale.map(Locale::tag), filter.role.map(super::Role::code)).await
}

/// `weeks` rows from the Monday `from`, each cell suppressed below [`SMALL_CELL`]; counters of
/// reasons no longer offered, and of weeks outside these, are left out. One pass over the
/// counters (the 52-week view has 936).
pub fn week_rows(from: NaiveDate, weeks: u32, counts: &[(NaiveDate, String, i64)]) -> Vec<WeekRow> {
    let mut sums = vec![[0_i64; Reason::ALL.len()]; weeks as usize];
    for (week, code, deletions) in counts {
        let n = (*week - from).num_days();
        let Some(row) = usize::try_from(n / 7).ok().filter(|&row| n % 7 == 0 && row < sums.len()) else { continue };
        if let Some(reason) = Reason::ALL.iter().position(|r| r.code() == code) {
            sums[row][reason] += deletions;
        }
    }
    sums.iter()
        .zip(0..)
        .map(|(sums, n)| {
            let cells: Vec<Cell> = sums.iter().map(|&deletions| Cell::of(deletions)).collect();
            WeekRow {
                week_start: (from + Days::new(7 * n)).to_string(),
                total: cells.iter().map(|c| c.shown()).sum(),
                cells,
            }
        })
        .collect()
}

/// Each reason's shown deletions and share in `current` and its share in `previous`; and the
/// two periods' shown totals.
pub fn summarize(current: &[WeekRow], previous: &[WeekRow]) -> (Vec<ReasonSummary>, i64, i64) {
    let column = |rows: &[WeekRow], i: usize| rows.iter().map(|row| row.cells[i].shown()).sum::<i64>();
    let total: i64 = current.iter().map(|row| row.total).sum();
    let previous_total: i64 = previous.iter().map(|row| row.total).sum();
    let share = |part: i64, whole: i64| (whole > 0).then(|| (part * 1000 + whole / 2) / whole);
    let reasons = Reason::ALL
        .iter()
        .enumerate()
        .map(|(i, &reason)| {
            let deletions = column(current, i);
            ReasonSummary {
                reason,
                deletions,
                share_permille: share(deletions, total).filter(|_| deletions > 0),
                previous_share_permille: share(column(previous, i), previous_total),
            }
        })
        .collect();
    (reasons, total, previous_total)
}

/// The texts grouped by day (they come newest day first), with the masks in `locale`'s words.
fn by_day(texts: Vec<(NaiveDate, String)>, locale: Locale) -> Vec<OtherTexts> {
    let t = locale.messages();
    let words = [t.staff_masked_email, t.staff_masked_link, t.staff_masked_phone];
    let mut days: Vec<OtherTexts> = Vec::new();
    for (day, text) in texts {
        let text = MASKS.iter().zip(words).fold(text, |text, (mask, word)| text.replace(mask, word.text));
        let day = day.to_string();
        match days.last_mut() {
            Some(last) if last.day == day => last.texts.push(text),
            _ => days.push(OtherTexts { day, texts: vec![text] }),
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn small_cells_are_hidden_and_left_out_of_every_total() {
        let counts = vec![
            (day("2026-11-02"), "cheated".to_owned(), 7),
            (day("2026-11-02"), "other".to_owned(), 4),
            (day("2026-11-09"), "cheated".to_owned(), 1),
            (day("2026-11-09"), "too_many_emails".to_owned(), 5),
            (day("2026-11-09"), "a_reason_no_longer_offered".to_owned(), 50),
        ];
        let rows = week_rows(day("2026-11-02"), 2, &counts);
        let cheated = Reason::ALL.iter().position(|r| *r == Reason::Cheated).unwrap();
        let other = Reason::ALL.iter().position(|r| *r == Reason::Other).unwrap();
        assert_eq!(rows[0].cells[cheated], Cell::Shown(7));
        assert_eq!(rows[0].cells[other], Cell::FewerThanFive);
        assert_eq!(rows[0].total, 7, "the hidden 4 is not in the total");
        assert_eq!(rows[1].cells[cheated], Cell::FewerThanFive);
        assert_eq!(rows[1].total, 5);
        let (reasons, total, previous_total) = summarize(&rows, &[]);
        assert_eq!((total, previous_total), (12, 0));
        assert_eq!(reasons[cheated].deletions, 7);
        assert_eq!(reasons[cheated].share_permille, Some(583));
        assert_eq!(reasons[other].deletions, 0);
        assert_eq!(reasons[other].share_permille, None);
        assert_eq!(reasons[cheated].change_permille(), None, "no previous period to compare with");
    }

    #[test]
    fn the_change_is_against_the_previous_periods_share() {
        let counts = vec![
            (day("2026-10-26"), "cheated".to_owned(), 10),
            (day("2026-10-26"), "other".to_owned(), 30),
            (day("2026-11-02"), "cheated".to_owned(), 20),
            (day("2026-11-02"), "other".to_owned(), 20),
        ];
        let previous = week_rows(day("2026-10-26"), 1, &counts);
        let current = week_rows(day("2026-11-02"), 1, &counts);
        let (reasons, _, _) = summarize(&current, &previous);
        let cheated = &reasons[Reason::ALL.iter().position(|r| *r == Reason::Cheated).unwrap()];
        assert_eq!((cheated.share_permille, cheated.previous_share_permille), (Some(500), Some(250)));
        assert_eq!(cheated.change_permille(), Some(250));
    }
}
