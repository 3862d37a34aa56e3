//! What the console lists: every key of `locales/en.json` (a plural's forms one by one, as the
//! screenshots name them), its texts and description, and each translation check's result. The
//! locale files are the ones this binary was built from; the checks are the build's own
//! (`app/build/lint.rs`), so a built server shows every check passed unless the files given to
//! [`Catalogue::from_files`] differ (the tests give broken ones).

use super::lint::{self, Check, Problem};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The locale files and the translators' descriptions, as built into the server.
const ENGLISH: &str = include_str!("../../../locales/en.json");
const FINNISH: &str = include_str!("../../../locales/fi.json");
const META: &str = include_str!("../../../locales/en.meta.json");

/// One key as the console shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `brand`, or `orders_count.one` for a plural's form.
    pub key: String,
    pub english: String,
    pub finnish: String,
    pub what: String,
    pub where_shown: String,
    /// Each placeholder of the English text, with what it holds.
    pub placeholders: Vec<(String, String)>,
    pub max_length: Option<u64>,
    /// Each check, with the problems it found in this key's message (none: passed).
    pub checks: Vec<(Check, Vec<String>)>,
    /// Where the text is used instead of a page (email, csv, log, zip).
    pub not_on_a_page: Option<String>,
    /// Why the screenshot run cannot reach the text.
    pub no_screenshot: Option<String>,
}

impl Entry {
    pub fn fails(&self, check: Check) -> bool {
        self.checks.iter().any(|(c, problems)| *c == check && !problems.is_empty())
    }
}

#[derive(Debug)]
pub struct Catalogue {
    pub entries: Vec<Entry>,
}

impl Catalogue {
    /// The catalogue of the locale files built into this server.
    pub fn built_in() -> Catalogue {
        Catalogue::from_files(ENGLISH, FINNISH, META)
    }

    /// The catalogue of these files (English, Finnish, the descriptions), checked with the
    /// build's checks. A file that is not a JSON object counts as empty.
    pub fn from_files(english: &str, finnish: &str, meta: &str) -> Catalogue {
        let object = |text: &str| serde_json::from_str::<Map<String, Value>>(text).unwrap_or_default();
        let (english, finnish, meta) = (object(english), object(finnish), object(meta));
        let problems = lint::check(&[("en", &english), ("fi", &finnish)], &meta);
        let mut by_message: BTreeMap<&str, Vec<&Problem>> = BTreeMap::new();
        for problem in &problems {
            by_message.entry(problem.key.as_str()).or_default().push(problem);
        }
        let text = |table: &Map<String, Value>, key: &str, form: Option<&str>| -> String {
            let value = table.get(key);
            match form {
                Some(form) => value.and_then(|v| v.get(form)),
                None => value,
            }
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
        };
        let field = |entry: &Value, name: &str| entry.get(name).and_then(Value::as_str).map(str::to_owned);
        let mut entries = Vec::new();
        for (message, value) in &english {
            let description = meta.get(message).cloned().unwrap_or(Value::Null);
            let checks: Vec<(Check, Vec<String>)> = Check::ALL
                .into_iter()
                .map(|check| {
                    let found = by_message.get(message.as_str()).into_iter().flatten();
                    (check, found.filter(|p| p.check == check).map(|p| p.to_string()).collect())
                })
                .collect();
            let placeholders: Vec<(String, String)> = lint::texts(value)
                .into_iter()
                .flat_map(|(_, t)| lint::placeholders(t))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|name| {
                    let holds = description["placeholders"][&name].as_str().unwrap_or_default().to_owned();
                    (name, holds)
                })
                .collect();
            let forms: Vec<Option<&str>> = match value {
                Value::Object(forms) => forms.keys().map(|form| Some(form.as_str())).collect(),
                _ => vec![None],
            };
            for form in forms {
                entries.push(Entry {
                    key: form.map_or_else(|| message.clone(), |form| format!("{message}.{form}")),
                    english: text(&english, message, form),
                    finnish: text(&finnish, message, form),
                    what: field(&description, "what").unwrap_or_default(),
                    where_shown: field(&description, "where").unwrap_or_default(),
                    placeholders: placeholders.clone(),
                    max_length: description.get("max_length").and_then(Value::as_u64),
                    checks: checks.clone(),
                    not_on_a_page: field(&description, "not_on_a_page"),
                    no_screenshot: field(&description, "no_screenshot"),
                });
            }
        }
        Catalogue { entries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plural_is_one_entry_per_form_and_each_check_names_its_problems() {
        let catalogue = Catalogue::from_files(
            r#"{"save": "Save", "items": {"one": "{count} item", "other": "{count} items"}}"#,
            r#"{"save": "Tallenna tämä pitkä teksti", "items": {"one": "yksi tuote", "other": "tuotteita"}}"#,
            r#"{"save": {"what": "a button", "where": "a form", "max_length": 10, "no_screenshot": "never drawn"},
                "items": {"what": "a count", "where": "a tile", "placeholders": {"count": "the number"}}}"#,
        );

        let keys: Vec<&str> = catalogue.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["items.one", "items.other", "save"], "in the keys' order");
        let save = &catalogue.entries[2];
        assert!(save.fails(Check::Length) && !save.fails(Check::Typography));
        assert_eq!((save.max_length, save.no_screenshot.as_deref()), (Some(10), Some("never drawn")));
        let other = &catalogue.entries[1];
        assert_eq!((other.english.as_str(), other.finnish.as_str()), ("{count} items", "tuotteita"));
        assert_eq!(other.placeholders, [("count".to_owned(), "the number".to_owned())]);
        // A placeholder missing from the message is the problem of each of its forms.
        assert!(catalogue.entries[0].fails(Check::Placeholders) && other.fails(Check::Placeholders));
    }

    #[test]
    fn the_built_in_files_pass_every_check() {
        let catalogue = Catalogue::built_in();
        assert!(catalogue.entries.len() > 200);
        for entry in &catalogue.entries {
            assert!(Check::ALL.iter().all(|check| !entry.fails(*check)), "{entry:?}");
        }
    }
}
