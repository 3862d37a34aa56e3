//! The checks that refuse a broken translation, shared by `build.rs` (the build fails on any
//! problem) and `app/tests/translations.rs` (which proves that each check finds its problem).
//! Each problem is one line naming the file, the key and the fix.
//!
//! Rules: every locale has exactly the keys of the reference, each plural with exactly the CLDR
//! categories of its locale; every key has a translator's description in `en.meta.json` (what,
//! where, each placeholder, optionally a maximum length and the locales allowed to keep the
//! English text); the same placeholders in every locale; a text identical to the English one
//! only where the metadata allows it; typography (NFC, no double or stray spaces, `…` rather
//! than `...`, each locale's own quotation marks); and no text longer than its maximum.

use serde_json::{Map, Value};
use std::{collections::BTreeSet, fmt};
use unicode_normalization::UnicodeNormalization;

/// The reference locale: its keys are the app's keys, its placeholders the ones code fills.
pub const REFERENCE: &str = "en";
/// The locales with a file `locales/<tag>.json`.
pub const LOCALES: [&str; 2] = ["en", "fi"];
/// The translators' descriptions of the keys, in `locales/`.
pub const META_FILE: &str = "en.meta.json";

/// The CLDR plural categories a locale's cardinal numbers use (CLDR 46, plurals.xml); a plural
/// message must give a text for each, and no other.
pub fn plural_categories(tag: &str) -> &'static [&'static str] {
    match tag {
        "en" | "fi" => &["one", "other"],
        _ => &["other"],
    }
}

/// Quotation marks a locale must not use, with the ones to use instead.
fn wrong_quotes(tag: &str) -> (&'static [char], &'static str) {
    match tag {
        // Finnish uses the right double quotation mark on both sides: ”…”.
        "fi" => (&['"', '“', '„', '«', '»'], "”…”"),
        _ => (&['"', '„', '«', '»'], "“…”"),
    }
}

/// Which check found a problem (the testers' console shows each key's result of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// Every key of the reference, and no other, each of the reference's shape and plural categories.
    Keys,
    /// The same placeholders as the reference.
    Placeholders,
    /// A text identical to the English one only where the metadata allows it.
    Translated,
    /// NFC, spaces, `…`, the locale's quotation marks.
    Typography,
    /// No text longer than its `max_length`.
    Length,
    /// A translator's description in the metadata.
    Description,
}

impl Check {
    pub const ALL: [Check; 6] =
        [Check::Keys, Check::Placeholders, Check::Translated, Check::Typography, Check::Length, Check::Description];

    /// Its name in addresses (`?check=length`).
    pub fn name(self) -> &'static str {
        match self {
            Check::Keys => "keys",
            Check::Placeholders => "placeholders",
            Check::Translated => "translated",
            Check::Typography => "typography",
            Check::Length => "length",
            Check::Description => "description",
        }
    }

    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|check| check.name() == name)
    }
}

/// Where a message that no page shows is used instead (`"not_on_a_page"` in the metadata).
pub const NOT_ON_A_PAGE: [&str; 4] = ["email", "csv", "log", "zip"];

/// The fields of a key's description: `no_screenshot` says why the screenshot run cannot reach
/// the text; `not_on_a_page` where it is used instead of a page.
const DESCRIPTION_FIELDS: [&str; 7] =
    ["what", "where", "placeholders", "max_length", "same_in", "no_screenshot", "not_on_a_page"];

/// One problem in a locale file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file, relative to `locales/`.
    pub file: String,
    pub key: String,
    pub what: String,
    pub fix: String,
    pub check: Check,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "locales/{}: `{}`: {}. Fix: {}.", self.file, self.key, self.what, self.fix)
    }
}

fn problem(check: Check, file: &str, key: &str, what: impl Into<String>, fix: impl Into<String>) -> Problem {
    Problem { file: file.to_owned(), key: key.to_owned(), what: what.into(), fix: fix.into(), check }
}

/// The `{name}` placeholders of a text.
pub fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        rest = &rest[start + 1..];
        if let Some(end) = rest.find('}') {
            let name = &rest[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

/// The texts of a message: one for a string, one per category for a plural (in the JSON's order).
pub fn texts(value: &Value) -> Vec<(Option<&str>, &str)> {
    match value {
        Value::String(text) => vec![(None, text.as_str())],
        Value::Object(forms) => {
            forms.iter().filter_map(|(form, text)| Some((Some(form.as_str()), text.as_str()?))).collect()
        }
        _ => Vec::new(),
    }
}

/// Every problem of the locale tables (`(tag, table)`, the reference among them) and the
/// metadata, sorted.
pub fn check(tables: &[(&str, &Map<String, Value>)], meta: &Map<String, Value>) -> Vec<Problem> {
    let Some((_, reference)) = tables.iter().find(|(tag, _)| *tag == REFERENCE) else {
        return vec![problem(
            Check::Keys,
            &format!("{REFERENCE}.json"),
            "",
            "the reference locale is missing",
            "restore it",
        )];
    };
    let mut problems = Vec::new();
    for (tag, table) in tables {
        problems.extend(structure(tag, table, reference));
        for (key, value) in table.iter() {
            problems.extend(typography(tag, key, value));
            if *tag != REFERENCE {
                if let Some(english) = reference.get(key) {
                    problems.extend(against_reference(tag, key, value, english, meta.get(key)));
                }
            }
            if let Some(max) = meta.get(key).and_then(|m| m.get("max_length")).and_then(Value::as_u64) {
                problems.extend(length(tag, key, value, max));
            }
        }
    }
    problems.extend(descriptions(reference, meta));
    problems.sort();
    problems
}

/// Keys as in the reference, each of the right shape, with every plural category and no other.
fn structure(tag: &str, table: &Map<String, Value>, reference: &Map<String, Value>) -> Vec<Problem> {
    let file = format!("{tag}.json");
    let mut problems = Vec::new();
    for key in reference.keys().filter(|key| !table.contains_key(*key)) {
        problems.push(problem(Check::Keys, &file, key, "missing", format!("translate `{key}` of {REFERENCE}.json")));
    }
    for (key, value) in table {
        if !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            problems.push(problem(
                Check::Keys,
                &file,
                key,
                "the key is not snake_case",
                "use lower-case letters, digits and `_`",
            ));
        }
        let Some(english) = reference.get(key) else {
            problems.push(problem(
                Check::Keys,
                &file,
                key,
                format!("not a key of {REFERENCE}.json"),
                "remove it, or add it to the reference first",
            ));
            continue;
        };
        match value {
            Value::String(text) if english.is_string() => {
                if text.trim().is_empty() {
                    problems.push(problem(Check::Keys, &file, key, "empty", "write the text"));
                }
            }
            Value::Object(forms) if english.is_object() => {
                let wanted = plural_categories(tag);
                for category in wanted {
                    match forms.get(*category) {
                        Some(Value::String(text)) if !text.trim().is_empty() => {}
                        _ => problems.push(problem(
                            Check::Keys,
                            &file,
                            key,
                            format!("the plural category `{category}` is missing or empty"),
                            format!("write the `{category}` form ({tag} needs {})", wanted.join(", ")),
                        )),
                    }
                }
                for extra in forms.keys().filter(|form| !wanted.contains(&form.as_str())) {
                    problems.push(problem(
                        Check::Keys,
                        &file,
                        key,
                        format!("`{extra}` is not a plural category of {tag}"),
                        format!("remove it ({tag} has {})", wanted.join(", ")),
                    ));
                }
            }
            _ => problems.push(problem(
                Check::Keys,
                &file,
                key,
                format!(
                    "must be a {}, like in {REFERENCE}.json",
                    if english.is_object() { "plural object" } else { "string" }
                ),
                "give it the reference's shape",
            )),
        }
    }
    problems
}

/// The same placeholders as the English text; and a text identical to the English one only
/// where the metadata allows it.
fn against_reference(tag: &str, key: &str, value: &Value, english: &Value, meta: Option<&Value>) -> Vec<Problem> {
    let file = format!("{tag}.json");
    let mut problems = Vec::new();
    let wanted: BTreeSet<String> = texts(english).into_iter().flat_map(|(_, t)| placeholders(t)).collect();
    let found: BTreeSet<String> = texts(value).into_iter().flat_map(|(_, t)| placeholders(t)).collect();
    for name in wanted.difference(&found) {
        problems.push(problem(
            Check::Placeholders,
            &file,
            key,
            format!("the placeholder {{{name}}} of {REFERENCE}.json is missing"),
            format!("put {{{name}}} where its value belongs (see {META_FILE})"),
        ));
    }
    for name in found.difference(&wanted) {
        problems.push(problem(
            Check::Placeholders,
            &file,
            key,
            format!("the placeholder {{{name}}} is not one of {REFERENCE}.json"),
            format!("use only {}", if wanted.is_empty() { "no placeholder".to_owned() } else { braced(&wanted) }),
        ));
    }
    let allowed = meta.and_then(|m| m.get("same_in")).and_then(|s| s.get(tag)).is_some();
    let english_texts: Vec<&str> = texts(english).into_iter().map(|(_, t)| t).collect();
    if !allowed && texts(value).iter().any(|(_, t)| english_texts.contains(t)) {
        problems.push(problem(
            Check::Translated,
            &file,
            key,
            "identical to the English text",
            format!("translate it, or allow it with `\"same_in\": {{\"{tag}\": \"<why>\"}}` in {META_FILE}"),
        ));
    }
    problems
}

fn braced(names: &BTreeSet<String>) -> String {
    names.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(", ")
}

/// NFC, no double or stray spaces, `…`, and the locale's quotation marks.
fn typography(tag: &str, key: &str, value: &Value) -> Vec<Problem> {
    let file = format!("{tag}.json");
    let mut problems = Vec::new();
    let (wrong, right) = wrong_quotes(tag);
    for (form, text) in texts(value) {
        let at = form.map(|f| format!(" (form `{f}`)")).unwrap_or_default();
        if text.nfc().collect::<String>() != text {
            problems.push(problem(
                Check::Typography,
                &file,
                key,
                format!("not in Unicode NFC{at}"),
                "write the text composed (NFC), e.g. ä as one character",
            ));
        }
        if text.contains("  ") {
            problems.push(problem(Check::Typography, &file, key, format!("a double space{at}"), "use one space"));
        }
        if text.trim() != text {
            problems.push(problem(
                Check::Typography,
                &file,
                key,
                format!("a space at the start or end{at}"),
                "remove it",
            ));
        }
        if text.contains("...") {
            problems.push(problem(
                Check::Typography,
                &file,
                key,
                format!("three dots{at}"),
                "use the ellipsis character …",
            ));
        }
        if let Some(quote) = text.chars().find(|c| wrong.contains(c)) {
            problems.push(problem(
                Check::Typography,
                &file,
                key,
                format!("the quotation mark {quote}{at}"),
                format!("quote as {right}"),
            ));
        }
    }
    problems
}

fn length(tag: &str, key: &str, value: &Value, max: u64) -> Vec<Problem> {
    texts(value)
        .into_iter()
        .filter(|(_, text)| text.chars().count() as u64 > max)
        .map(|(form, text)| {
            let at = form.map(|f| format!(" (form `{f}`)")).unwrap_or_default();
            problem(
                Check::Length,
                &format!("{tag}.json"),
                key,
                format!("{} characters{at}, the layout has room for {max} ({META_FILE})", text.chars().count()),
                format!("shorten it to {max} characters at most"),
            )
        })
        .collect()
}

/// A description of every key: what it is, where it shows, each placeholder of the English text.
fn descriptions(reference: &Map<String, Value>, meta: &Map<String, Value>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (key, english) in reference {
        let Some(Value::Object(entry)) = meta.get(key) else {
            problems.push(problem(
                Check::Description,
                META_FILE,
                key,
                "no translator's description",
                "add {\"what\": \"…\", \"where\": \"…\"} (and \"placeholders\" and \"max_length\" where they apply)",
            ));
            continue;
        };
        for field in ["what", "where"] {
            if entry.get(field).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
                problems.push(problem(
                    Check::Description,
                    META_FILE,
                    key,
                    format!("no `{field}`"),
                    format!("say {}", if field == "what" { "what the text is" } else { "where it shows" }),
                ));
            }
        }
        let wanted: BTreeSet<String> = texts(english).into_iter().flat_map(|(_, t)| placeholders(t)).collect();
        let explained = entry.get("placeholders").and_then(Value::as_object);
        for name in &wanted {
            if explained.and_then(|p| p.get(name)).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
                problems.push(problem(
                    Check::Description,
                    META_FILE,
                    key,
                    format!("the placeholder {{{name}}} is not explained"),
                    format!("add \"placeholders\": {{\"{name}\": \"<what it holds>\"}}"),
                ));
            }
        }
        for name in explained.into_iter().flat_map(|p| p.keys()).filter(|n| !wanted.contains(*n)) {
            problems.push(problem(
                Check::Description,
                META_FILE,
                key,
                format!("explains {{{name}}}, which {REFERENCE}.json does not have"),
                "remove the explanation",
            ));
        }
        if entry.get("max_length").is_some_and(|m| m.as_u64().is_none_or(|m| m == 0)) {
            problems.push(problem(
                Check::Description,
                META_FILE,
                key,
                "`max_length` is not a positive whole number",
                "give the characters the layout has room for",
            ));
        }
        if entry.get("no_screenshot").is_some_and(|why| why.as_str().is_none_or(|s| s.trim().is_empty())) {
            problems.push(problem(
                Check::Description,
                META_FILE,
                key,
                "`no_screenshot` is not a reason",
                "say why the screenshot run cannot show the text",
            ));
        }
        if entry.get("not_on_a_page").is_some_and(|used| !used.as_str().is_some_and(|u| NOT_ON_A_PAGE.contains(&u))) {
            problems.push(problem(
                Check::Description,
                META_FILE,
                key,
                "`not_on_a_page` is not where the text is used",
                format!("give one of {}", NOT_ON_A_PAGE.join(", ")),
            ));
        }
        for field in entry.keys().filter(|f| !DESCRIPTION_FIELDS.contains(&f.as_str())) {
            problems.push(problem(
                Check::Description,
                META_FILE,
                key,
                format!("unknown field `{field}`"),
                format!("use {}", DESCRIPTION_FIELDS.join(", ")),
            ));
        }
    }
    for key in meta.keys().filter(|key| !reference.contains_key(*key)) {
        problems.push(problem(
            Check::Description,
            META_FILE,
            key,
            format!("describes a key {REFERENCE}.json does not have"),
            "remove the description",
        ));
    }
    problems
}
