//! Money and dates as each locale writes them (CLDR): English "€1,234.50" and "Nov 30, 2026",
//! Finnish "1 234,50 €" and "30.11.2026" (with no-break spaces).

use crate::i18n::Locale;

const NBSP: char = '\u{a0}';

fn currency_symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        _ => None,
    }
}

/// Digits grouped by thousands with `separator`.
fn group_thousands(mut whole: u64, separator: char) -> String {
    let mut groups = Vec::new();
    loop {
        if whole < 1000 {
            groups.push(whole.to_string());
            break;
        }
        groups.push(format!("{:03}", whole % 1000));
        whole /= 1000;
    }
    groups.reverse();
    groups.join(&separator.to_string())
}

/// An amount in minor units (cents) of a currency with two decimals.
pub fn money(minor: i64, currency: &str, locale: Locale) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let (whole, cents) = (minor.unsigned_abs() / 100, minor.unsigned_abs() % 100);
    match (locale, currency_symbol(currency)) {
        (Locale::En, Some(symbol)) => format!("{sign}{symbol}{}.{cents:02}", group_thousands(whole, ',')),
        (Locale::En, None) => format!("{sign}{currency}{NBSP}{}.{cents:02}", group_thousands(whole, ',')),
        (Locale::Fi, symbol) => {
            format!("{sign}{},{cents:02}{NBSP}{}", group_thousands(whole, NBSP), symbol.unwrap_or(currency))
        }
    }
}

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A calendar date given as ISO `YYYY-MM-DD` (how the server sends dates).
pub fn date(iso: &str, locale: Locale) -> String {
    let mut parts = iso.get(..10).unwrap_or(iso).splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (Some(Some(year)), Some(Some(month @ 1..=12)), Some(Some(day))) = (parts.next(), parts.next(), parts.next())
    else {
        return iso.to_owned();
    };
    match locale {
        Locale::En => format!("{} {day}, {year}", MONTHS_EN[month as usize - 1]),
        Locale::Fi => format!("{day}.{month}.{year}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_follows_each_locale() {
        assert_eq!(money(1250, "EUR", Locale::En), "€12.50");
        assert_eq!(money(1250, "EUR", Locale::Fi), "12,50\u{a0}€");
        assert_eq!(money(123_456_789, "EUR", Locale::Fi), "1\u{a0}234\u{a0}567,89\u{a0}€");
        assert_eq!(money(123_456_789, "USD", Locale::En), "$1,234,567.89");
        assert_eq!(money(5, "SEK", Locale::En), "SEK\u{a0}0.05");
        assert_eq!(money(-100_000, "GBP", Locale::En), "-£1,000.00");
    }

    #[test]
    fn dates_follow_each_locale() {
        assert_eq!(date("2026-11-30", Locale::En), "Nov 30, 2026");
        assert_eq!(date("2026-03-05T10:00:00Z", Locale::Fi), "5.3.2026");
        assert_eq!(date("garbage", Locale::Fi), "garbage");
    }
}
