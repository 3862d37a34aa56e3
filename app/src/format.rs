//! Numbers, money, dates and times as each locale writes them (CLDR): English "1,234",
//! "€1,234.50", "-€5.00", "Nov 30, 2026", "1:05 PM"; Finnish "1 234", "1 234,50 €", "−5,00 €",
//! "30.11.2026", "13.05" (grouped with no-break spaces, U+00A0; the minus sign U+2212).
//! Every number a page shows goes through here, never through `to_string`: the pseudo-locales
//! write numbers their own way, in `⟦…⟧` (`ar-XB` with Arabic-Indic digits), so a number
//! formatted by hand shows up on their pages.

use crate::i18n::Locale;

const NBSP: char = '\u{a0}';
/// CLDR puts a narrow no-break space between an English time and its AM/PM.
const NARROW_NBSP: char = '\u{202f}';

/// How a locale writes the parts of a number.
struct Symbols {
    group: char,
    decimal: char,
    minus: &'static str,
}

fn symbols(locale: Locale) -> Symbols {
    match locale {
        Locale::En => Symbols { group: ',', decimal: '.', minus: "-" },
        Locale::Fi => Symbols { group: NBSP, decimal: ',', minus: "\u{2212}" },
        Locale::EnXa => Symbols { group: '\u{2019}', decimal: '\u{b7}', minus: "\u{2212}" },
        Locale::ArXb => Symbols { group: '\u{66c}', decimal: '\u{66b}', minus: "\u{61c}-" },
    }
}

/// A pseudo-locale's value in `⟦…⟧` (`ar-XB` in Arabic-Indic digits); others as they are.
fn marked(text: String, locale: Locale) -> String {
    match locale {
        Locale::En | Locale::Fi => text,
        Locale::EnXa => format!("⟦{text}⟧"),
        Locale::ArXb => {
            let digits: String =
                text.chars().map(|c| c.to_digit(10).and_then(|d| char::from_u32(0x660 + d)).unwrap_or(c)).collect();
            format!("⟦{digits}⟧")
        }
    }
}

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

/// A whole number, grouped by thousands.
pub fn number(value: i64, locale: Locale) -> String {
    let symbols = symbols(locale);
    let sign = if value < 0 { symbols.minus } else { "" };
    marked(format!("{sign}{}", group_thousands(value.unsigned_abs(), symbols.group)), locale)
}

/// Tenths as a number with one decimal (583 is 58.3), with the locale's minus sign and, with
/// `plus`, a plus sign before a positive value.
pub fn tenths(value: i64, plus: bool, locale: Locale) -> String {
    let Symbols { group, decimal, minus } = symbols(locale);
    let sign = match value {
        v if v < 0 => minus,
        v if v > 0 && plus => "+",
        _ => "",
    };
    let whole = group_thousands(value.unsigned_abs() / 10, group);
    marked(format!("{sign}{whole}{decimal}{}", value.unsigned_abs() % 10), locale)
}

/// An amount in minor units (cents) of a currency with two decimals.
pub fn money(minor: i64, currency: &str, locale: Locale) -> String {
    let Symbols { group, decimal, minus } = symbols(locale);
    let sign = if minor < 0 { minus } else { "" };
    let amount =
        format!("{}{decimal}{:02}", group_thousands(minor.unsigned_abs() / 100, group), minor.unsigned_abs() % 100);
    let text = match (locale, currency_symbol(currency)) {
        (Locale::En | Locale::EnXa, Some(symbol)) => format!("{sign}{symbol}{amount}"),
        (Locale::En | Locale::EnXa, None) => format!("{sign}{currency}{NBSP}{amount}"),
        (Locale::Fi | Locale::ArXb, symbol) => format!("{sign}{amount}{NBSP}{}", symbol.unwrap_or(currency)),
    };
    marked(text, locale)
}

const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The year, month and day of an ISO `YYYY-MM-DD…` (how the server sends dates).
fn ymd(iso: &str) -> Option<(u32, u32, u32)> {
    let mut parts = iso.get(..10)?.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    match (parts.next()??, parts.next()??, parts.next()??) {
        (year, month @ 1..=12, day @ 1..=31) => Some((year, month, day)),
        _ => None,
    }
}

/// A calendar date given as ISO `YYYY-MM-DD` (anything after the date is ignored).
pub fn date(iso: &str, locale: Locale) -> String {
    let Some((year, month, day)) = ymd(iso) else { return iso.to_owned() };
    match locale {
        Locale::En => format!("{} {day}, {year}", MONTHS_EN[month as usize - 1]),
        Locale::Fi => format!("{day}.{month}.{year}"),
        Locale::EnXa => marked(format!("{day}\u{b7}{month:02}\u{b7}{year}"), locale),
        Locale::ArXb => marked(format!("{year}/{month:02}/{day:02}"), locale),
    }
}

/// The day and month of an ISO `YYYY-MM-DD` without the year, for the short labels of a time
/// axis ("Nov 30", "30.11.").
pub fn day_month(iso: &str, locale: Locale) -> String {
    let Some((_, month, day)) = ymd(iso) else { return iso.to_owned() };
    match locale {
        Locale::En => format!("{} {day}", MONTHS_EN[month as usize - 1]),
        Locale::Fi => format!("{day}.{month}."),
        Locale::EnXa => marked(format!("{day}\u{b7}{month:02}"), locale),
        Locale::ArXb => marked(format!("{month:02}/{day:02}"), locale),
    }
}

/// The time of day of an ISO `YYYY-MM-DDTHH:MM…`, to the minute.
pub fn time(iso: &str, locale: Locale) -> String {
    let parsed = iso.get(11..16).and_then(|hm| {
        let (hour, minute) = hm.split_once(':')?;
        Some((hour.parse::<u32>().ok().filter(|h| *h < 24)?, minute.parse::<u32>().ok().filter(|m| *m < 60)?))
    });
    let Some((hour, minute)) = parsed else { return iso.to_owned() };
    match locale {
        Locale::En => {
            let half = if hour < 12 { "AM" } else { "PM" };
            format!("{}:{minute:02}{NARROW_NBSP}{half}", (hour + 11) % 12 + 1)
        }
        Locale::Fi => format!("{hour}.{minute:02}"),
        Locale::EnXa => marked(format!("{hour:02}\u{b7}{minute:02}"), locale),
        Locale::ArXb => marked(format!("{hour:02}:{minute:02}"), locale),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The characters of a text by name, so that a space that is not the right space shows.
    fn spelled(text: &str) -> Vec<String> {
        text.chars().map(|c| if c.is_ascii_graphic() { c.to_string() } else { format!("U+{:04X}", c as u32) }).collect()
    }

    #[test]
    fn finnish_formats_are_exact_to_the_character() {
        assert_eq!(
            spelled(&money(123_450, "EUR", Locale::Fi)),
            ["1", "U+00A0", "2", "3", "4", ",", "5", "0", "U+00A0", "U+20AC"]
        );
        assert_eq!(spelled(&money(-500, "EUR", Locale::Fi)), ["U+2212", "5", ",", "0", "0", "U+00A0", "U+20AC"]);
        assert_eq!(
            spelled(&number(-1_234_567, Locale::Fi)),
            ["U+2212", "1", "U+00A0", "2", "3", "4", "U+00A0", "5", "6", "7"]
        );
        assert_eq!(date("2026-11-30", Locale::Fi), "30.11.2026");
        assert_eq!(time("2026-11-30T13:05", Locale::Fi), "13.05");
        assert_eq!(time("2026-11-30T09:00", Locale::Fi), "9.00");
    }

    #[test]
    fn tenths_have_one_decimal_and_the_locales_signs() {
        assert_eq!(tenths(583, false, Locale::En), "58.3");
        assert_eq!(tenths(1000, false, Locale::Fi), "100,0");
        assert_eq!(tenths(25, true, Locale::En), "+2.5");
        assert_eq!(spelled(&tenths(-12_345, true, Locale::Fi)), ["U+2212", "1", "U+00A0", "2", "3", "4", ",", "5"]);
        assert_eq!(tenths(0, true, Locale::En), "0.0");
    }

    #[test]
    fn numbers_follow_each_locale() {
        assert_eq!(number(0, Locale::Fi), "0");
        assert_eq!(number(999, Locale::Fi), "999");
        assert_eq!(number(1000, Locale::Fi), "1\u{a0}000");
        assert_eq!(number(1_000_000, Locale::En), "1,000,000");
        assert_eq!(number(-1234, Locale::En), "-1,234");
        assert_eq!(number(i64::MIN, Locale::En), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn money_follows_each_locale() {
        assert_eq!(money(1250, "EUR", Locale::En), "€12.50");
        assert_eq!(money(1250, "EUR", Locale::Fi), "12,50\u{a0}€");
        assert_eq!(money(123_456_789, "EUR", Locale::Fi), "1\u{a0}234\u{a0}567,89\u{a0}€");
        assert_eq!(money(123_456_789, "USD", Locale::En), "$1,234,567.89");
        assert_eq!(money(5, "SEK", Locale::En), "SEK\u{a0}0.05");
        assert_eq!(money(5, "SEK", Locale::Fi), "0,05\u{a0}SEK");
        assert_eq!(money(-100_000, "GBP", Locale::En), "-£1,000.00");
    }

    #[test]
    fn pseudo_locales_mark_every_formatted_value() {
        assert_eq!(number(-1_234_567, Locale::EnXa), "⟦\u{2212}1\u{2019}234\u{2019}567⟧");
        assert_eq!(money(123_450, "EUR", Locale::EnXa), "⟦€1\u{2019}234\u{b7}50⟧");
        assert_eq!(money(123_450, "EUR", Locale::ArXb), "⟦١٬٢٣٤٫٥٠\u{a0}€⟧");
        assert_eq!(date("2026-11-30", Locale::EnXa), "⟦30\u{b7}11\u{b7}2026⟧");
        assert_eq!(date("2026-03-05", Locale::ArXb), "⟦٢٠٢٦/٠٣/٠٥⟧");
        assert_eq!(time("2026-11-30T13:05", Locale::ArXb), "⟦١٣:٠٥⟧");
    }

    #[test]
    fn dates_and_times_follow_each_locale() {
        assert_eq!(date("2026-11-30", Locale::En), "Nov 30, 2026");
        assert_eq!(date("2026-03-05T10:00:00Z", Locale::Fi), "5.3.2026");
        assert_eq!(date("garbage", Locale::Fi), "garbage");
        assert_eq!(day_month("2026-11-30", Locale::En), "Nov 30");
        assert_eq!(day_month("2026-03-05", Locale::Fi), "5.3.");
        assert_eq!(day_month("2026-03-05", Locale::EnXa), "⟦5\u{b7}03⟧");
        assert_eq!(day_month("2026-03-05", Locale::ArXb), "⟦٠٣/٠٥⟧");
        assert_eq!(day_month("garbage", Locale::En), "garbage");
        assert_eq!(date("2026-13-01", Locale::Fi), "2026-13-01");
        assert_eq!(time("2026-11-30T13:05", Locale::En), "1:05\u{202f}PM");
        assert_eq!(time("2026-11-30T00:30", Locale::En), "12:30\u{202f}AM");
        assert_eq!(time("2026-11-30T12:00", Locale::En), "12:00\u{202f}PM");
        assert_eq!(time("2026-11-30", Locale::Fi), "2026-11-30");
        assert_eq!(time("2026-11-30T25:00", Locale::Fi), "2026-11-30T25:00");
    }
}
