//! The two locales and their message tables (generated from `locales/*.json` by `build.rs`),
//! and the two pseudo-locales for localization testers (generated from `locales/en.json`).
//!
//! The locale is part of every page's path (`/en/...`, `/fi/...`), so the server and the
//! browser always agree on it and hydration never flashes the other language.

pub use crate::message::{Message, Text};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// A message with a singular and a plural form (English and Finnish both use CLDR's
/// `one` for exactly 1 and `other` for everything else).
#[derive(Debug)]
pub struct Plural {
    pub one: Text,
    pub other: Text,
}

impl Plural {
    pub fn select(&self, count: i64) -> Text {
        if count == 1 {
            self.one
        } else {
            self.other
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema)]
pub enum Locale {
    #[default]
    En,
    Fi,
    /// Pseudo-locale: accented, lengthened English in `⟦…⟧` (testers only).
    EnXa,
    /// Pseudo-locale: mirrored English, right to left, in `⟦…⟧` (testers only).
    ArXb,
}

impl Locale {
    /// The languages of the product.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fi];
    /// The pseudo-locales, served only with `APP_PSEUDO_LOCALES=1`.
    pub const PSEUDO: [Locale; 2] = [Locale::EnXa, Locale::ArXb];

    /// The BCP 47 tag, used in paths, `<html lang>` and the locale cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fi => "fi",
            Locale::EnXa => "en-XA",
            Locale::ArXb => "ar-XB",
        }
    }

    /// One of the product's languages (never a pseudo-locale: the cookie and the browser's
    /// preferences choose among these only).
    pub fn from_tag(tag: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag))
    }

    /// The locale of a path's first segment: a language or a pseudo-locale (whether the
    /// pseudo-locales are served is the locale layout's decision).
    pub fn from_path_segment(segment: &str) -> Option<Locale> {
        Locale::ALL.into_iter().chain(Locale::PSEUDO).find(|l| l.tag().eq_ignore_ascii_case(segment))
    }

    /// The locale of a form's hidden `locale` field, for the address it answers with: a
    /// language, or a pseudo-locale where they are served (a tester's deletion in `en-XA` ends on
    /// `/en-XA/goodbye`); English for anything else.
    pub fn of_form(tag: &str) -> Locale {
        Locale::from_path_segment(tag).filter(|l| !l.is_pseudo() || PseudoLocales::served()).unwrap_or_default()
    }

    pub fn is_pseudo(self) -> bool {
        Locale::PSEUDO.contains(&self)
    }

    /// The writing direction, for `<html dir>`.
    pub fn direction(self) -> &'static str {
        match self {
            Locale::ArXb => "rtl",
            Locale::En | Locale::Fi | Locale::EnXa => "ltr",
        }
    }

    /// The texts without their keys (production pages, and the server's own use).
    pub fn messages(self) -> &'static Messages {
        match self {
            Locale::En => &EN,
            Locale::Fi => &FI,
            Locale::EnXa => &EN_XA,
            Locale::ArXb => &AR_XB,
        }
    }

    /// The texts with their keys, which pages show where testers are served
    /// ([`crate::message`]); the pseudo-locales have them always.
    pub fn keyed_messages(self) -> &'static Messages {
        match self {
            Locale::En => &EN_KEYED,
            Locale::Fi => &FI_KEYED,
            Locale::EnXa => &EN_XA,
            Locale::ArXb => &AR_XB,
        }
    }

    /// The texts a page shows: with keys where the pseudo-locales are served.
    pub fn shown_messages(self, pseudo_locales: bool) -> &'static Messages {
        if pseudo_locales {
            self.keyed_messages()
        } else {
            self.messages()
        }
    }

    /// The locale's own name for itself, for the language switcher (with its key where the
    /// pseudo-locales are served, and as its key in show-keys mode); a pseudo-locale, which is
    /// no language, by its tag in its brackets, which is no message.
    pub fn native_name(self, pseudo_locales: bool, show_keys: bool) -> Text {
        let table = |locale: Locale| if show_keys { &KEYS } else { locale.shown_messages(pseudo_locales) };
        match self {
            Locale::En => table(Locale::En).language_en,
            Locale::Fi => table(Locale::Fi).language_fi,
            Locale::EnXa => Text { key: None, text: "⟦en-XA⟧" },
            Locale::ArXb => Text { key: None, text: "⟦ar-XB⟧" },
        }
    }

    /// `path` (which starts with `/`) inside this locale.
    pub fn href(self, path: &str) -> String {
        match path {
            "/" | "" => format!("/{}", self.tag()),
            _ => format!("/{}{path}", self.tag()),
        }
    }
}

/// Whether this server serves the pseudo-locales (`APP_PSEUDO_LOCALES=1`): the server puts it
/// in every page's context, and the page hands it to the browser as
/// `<meta name="pseudo-locales">`, so that both render the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PseudoLocales(pub bool);

/// The name of the `<meta>` that tells the browser the pseudo-locales are served.
pub const PSEUDO_LOCALES_META: &str = "pseudo-locales";

impl PseudoLocales {
    /// This page's answer: from the server's context, or in the browser from the page.
    pub fn served() -> bool {
        #[cfg(feature = "ssr")]
        let served = use_context::<PseudoLocales>().unwrap_or_default().0;
        #[cfg(not(feature = "ssr"))]
        let served =
            document().query_selector(&format!("meta[name=\"{PSEUDO_LOCALES_META}\"]")).ok().flatten().is_some();
        served
    }

    /// The locales this page may be in and the language switcher lists.
    pub fn locales() -> Vec<Locale> {
        let pseudo = if PseudoLocales::served() { &Locale::PSEUDO[..] } else { &[] };
        Locale::ALL.iter().chain(pseudo).copied().collect()
    }
}

/// A country's name, by its ISO code (see `domain::account::COUNTRIES`).
pub fn country_name(t: &'static Messages, code: &str) -> Text {
    match code {
        "FI" => t.country_fi,
        "SE" => t.country_se,
        "EE" => t.country_ee,
        "NO" => t.country_no,
        "DK" => t.country_dk,
        "DE" => t.country_de,
        "GB" => t.country_gb,
        "US" => t.country_us,
        "ES" => t.country_es,
        "FR" => t.country_fr,
        _ => code_unknown(t),
    }
}

fn code_unknown(t: &'static Messages) -> Text {
    t.problem_country_unknown
}

/// The name of the cookie that remembers the visitor's language.
pub const LOCALE_COOKIE: &str = "locale";

/// Chooses the locale for a path without one: the remembered choice (cookie), else the
/// browser's preferences (`Accept-Language`, by quality), else English.
pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Locale {
    cookie.and_then(Locale::from_tag).or_else(|| accept_language.and_then(best_accepted)).unwrap_or_default()
}

/// The supported locale the `Accept-Language` header ranks highest (`fi-FI;q=0.8` counts as `fi`).
fn best_accepted(header: &str) -> Option<Locale> {
    header
        .split(',')
        .enumerate()
        .filter_map(|(position, range)| {
            let mut parts = range.split(';');
            let tag = parts.next()?.trim();
            let quality =
                parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            let locale = Locale::from_tag(tag.split('-').next()?)?;
            (quality > 0.0).then_some((quality, position, locale))
        })
        // Highest quality first; among equals, the one the browser listed first.
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(_, _, locale)| locale)
}

/// `path` with the query `search` (as the router gives it: without its `?`), if there is one.
pub fn with_query(path: &str, search: &str) -> String {
    match search.trim_start_matches('?') {
        "" => path.to_owned(),
        query => format!("{path}?{query}"),
    }
}

/// Replaces each `{name}` in `template` by its value, in one pass over the template: a value
/// (a name a person typed, say) that itself holds `{name}` is written as it is. A keyed
/// template records the values it was given, as the page's testers see them.
pub fn fill(template: Text, values: &[(&'static str, &dyn std::fmt::Display)]) -> Message {
    let text = fill_text(template.text, values);
    let args = match template.key {
        Some(_) => values.iter().map(|(name, value)| (*name, value.to_string())).collect(),
        None => Vec::new(),
    };
    Message { key: template.key, args, text }
}

fn fill_text(template: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let value = rest.find('}').and_then(|close| {
            let name = &rest[1..close];
            values.iter().find(|(n, _)| *n == name).map(|(_, value)| (close, value))
        });
        match value {
            Some((close, value)) => {
                let _ = write!(out, "{value}");
                rest = &rest[close + 1..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The current page's locale, provided by the locale layout.
pub fn use_locale() -> Memo<Locale> {
    expect_context::<Memo<Locale>>()
}

/// The current page's messages, reactive to a language switch; in show-keys mode
/// ([`crate::show_keys`]) the keys instead.
pub fn use_messages() -> Signal<&'static Messages> {
    let locale = use_locale();
    let show_keys = use_context::<crate::show_keys::ShowKeys>();
    let served = PseudoLocales::served();
    Signal::derive(
        move || {
            if show_keys.is_some_and(|on| on.0.get()) {
                &KEYS
            } else {
                locale.get().shown_messages(served)
            }
        },
    )
}

/// A page's `<Title>` text: the message `select` picks, in the locale layout's language (or its
/// key, in show-keys mode).
///
/// Not through [`use_messages`]: leptos_meta reads every registered title when it writes the
/// `<head>`, and under load the router sometimes rebuilds a page before that, disposing the
/// first build's signals; reading one of them panicked the worker (`server/tests/api/load.rs`).
/// The layout's locale and show-keys switch outlive the page's builds; `try_get` covers the case
/// where they too are gone (the text then defaults to English and is replaced by the live
/// build's title).
pub fn page_title(select: fn(&Messages) -> Text) -> impl Fn() -> &'static str + Send + Sync + Clone + 'static {
    let locale = use_locale();
    let show_keys = use_context::<crate::show_keys::ShowKeys>();
    move || {
        let keys = show_keys.is_some_and(|on| on.0.try_get().unwrap_or(false));
        select(if keys { &KEYS } else { locale.try_get().unwrap_or_default().messages() }).text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
        }
        assert_eq!(Locale::from_tag("FI"), Some(Locale::Fi));
        assert_eq!(Locale::from_tag("sv"), None);
    }

    #[test]
    fn plural_picks_one_only_for_exactly_one() {
        let p = Plural { one: Text { key: None, text: "1 item" }, other: Text { key: None, text: "n items" } };
        assert_eq!(p.select(1).text, "1 item");
        assert_eq!(p.select(0).text, "n items");
        assert_eq!(p.select(2).text, "n items");
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(fill_text("{a} and {b}, {a}", &[("a", &1), ("b", &"two")]), "1 and two, 1");
    }

    #[test]
    fn fill_leaves_placeholders_inside_values_alone() {
        let typed_by_a_person = "Shop {count} {store}";
        assert_eq!(
            fill_text("“{store}”: {count} products", &[("store", &typed_by_a_person), ("count", &3)]),
            "“Shop {count} {store}”: 3 products"
        );
        assert_eq!(fill_text("{unknown} {a} {", &[("a", &"{a}")]), "{unknown} {a} {");
    }

    #[test]
    fn negotiation_prefers_the_cookie_then_the_header_then_english() {
        assert_eq!(negotiate(Some("fi"), Some("en-US")), Locale::Fi);
        assert_eq!(negotiate(Some("xx"), Some("fi-FI,en;q=0.5")), Locale::Fi);
        assert_eq!(negotiate(None, Some("de-DE, en;q=0.4, fi;q=0.9")), Locale::Fi);
        assert_eq!(negotiate(None, Some("fi;q=0, en;q=0.1")), Locale::En);
        assert_eq!(negotiate(None, Some("de, sv")), Locale::En);
        assert_eq!(negotiate(None, Some("en, fi")), Locale::En);
        assert_eq!(negotiate(None, Some("garbage;q=x")), Locale::En);
        assert_eq!(negotiate(None, None), Locale::En);
    }

    #[test]
    fn a_query_is_joined_with_one_question_mark() {
        assert_eq!(with_query("/en/a", "page=2"), "/en/a?page=2");
        assert_eq!(with_query("/en/a", "?page=2"), "/en/a?page=2");
        assert_eq!(with_query("/en/a", ""), "/en/a");
    }

    #[test]
    fn href_prefixes_the_locale() {
        assert_eq!(Locale::Fi.href("/"), "/fi");
        assert_eq!(Locale::En.href("/account"), "/en/account");
    }
}
