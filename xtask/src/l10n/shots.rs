//! The key-linked screenshots' index and coverage (issue 16, points 1 and 2).
//! `end2end/tests/screenshots.spec.ts` writes, for each width and locale, the box of every
//! element showing a message in each picture (`screenshots/keys/<width>-<locale>.json`); this
//! joins them into `screenshots/keys.json` (key -> every picture and box) and counts the keys of
//! `locales/en.json` (a plural's forms one by one: `orders_count.one`) seen on at least one
//! picture. A key never seen is listed by name, with why: `locales/en.meta.json` says where it is
//! used instead of a page (`"not_on_a_page"`: email, csv, log, zip) or why the run cannot reach it
//! (`"no_screenshot"`); a key that says neither fails the run. A message seen (each of a
//! plural's forms) whose metadata still says the run cannot reach it is listed for a person to
//! check, without failing the run: some states come and go with timing (the staff statistics are
//! released during the run), and a seen key never hides a missing picture.

use super::xliff::Table;
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// The metadata field saying why the screenshot run cannot reach a key's message.
pub const NO_SCREENSHOT: &str = "no_screenshot";
/// The metadata field saying where a message no page shows is used (email, csv, log, zip).
pub const NOT_ON_A_PAGE: &str = "not_on_a_page";

/// Why no picture shows a key, from its metadata.
#[derive(Debug, PartialEq, Eq)]
pub enum Unseen {
    /// Used in an email, the CSV or the server's log, never on a page.
    NotOnAPage(String),
    /// On a page, in a state the run cannot reach, for this reason.
    Unreachable(String),
    /// The metadata says nothing: the run fails.
    Unexplained,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Coverage {
    pub seen: usize,
    pub total: usize,
    pub pictures: usize,
    /// Keys no picture shows, each with what its metadata says about it.
    pub unseen: Vec<(String, Unseen)>,
    /// Messages seen (every form of a plural) whose metadata still says `no_screenshot`.
    pub seen_yet_unreachable: Vec<String>,
}

impl Coverage {
    /// The check: pictures were indexed, and every key is seen or says why it is not.
    pub fn passed(&self) -> bool {
        self.pictures > 0 && self.unseen.iter().all(|(_, why)| *why != Unseen::Unexplained)
    }

    /// What the run prints: the figure, then each unseen key by name.
    pub fn report(&self) -> String {
        let share = if self.total == 0 { 0.0 } else { 100.0 * self.seen as f64 / self.total as f64 };
        let mut out = format!(
            "localization screenshots: {} of {} message keys seen ({share:.1} %) on {} pictures; index in end2end/screenshots/keys.json",
            self.seen, self.total, self.pictures
        );
        for (key, why) in &self.unseen {
            match why {
                Unseen::NotOnAPage(used) => out.push_str(&format!("\n  not on a page: {key} ({used})")),
                Unseen::Unreachable(why) => out.push_str(&format!("\n  unreachable: {key} ({why})")),
                Unseen::Unexplained => out.push_str(&format!(
                    "\n  never seen, FAILED: {key} — show it in end2end/tests/screenshots.spec.ts, or say why the run cannot reach it: \"{NO_SCREENSHOT}\" in locales/en.meta.json"
                )),
            }
        }
        for message in &self.seen_yet_unreachable {
            out.push_str(&format!(
                "\n  seen, yet said to be unreachable: {message} — if it is not a matter of timing, remove its \"{NO_SCREENSHOT}\" from locales/en.meta.json"
            ));
        }
        out
    }
}

/// The keys of one message of the English table: a plural's forms each on its own.
fn keys_of(message: &str, value: &Value) -> Vec<String> {
    match value {
        Value::Object(forms) => forms.keys().map(|form| format!("{message}.{form}")).collect(),
        _ => vec![message.to_owned()],
    }
}

/// Every key of the English table, a plural's forms each on its own.
fn all_keys(english: &Table) -> Vec<String> {
    english.iter().flat_map(|(message, value)| keys_of(message, value)).collect()
}

/// Joins `<screenshots>/keys/*.json` into `<screenshots>/keys.json` and counts what it covers.
pub fn index(screenshots: &Path, english: &Table, meta: &Value) -> Result<Coverage> {
    let mut by_key: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut pictures = std::collections::BTreeSet::new();
    let parts = screenshots.join("keys");
    let mut files: Vec<_> = match fs::read_dir(&parts) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "json")) {
        let text = fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        let boxes: Vec<Value> =
            serde_json::from_str(&text).with_context(|| format!("{} is not a list of key boxes", file.display()))?;
        for entry in boxes {
            let (Some(key), Some(picture)) = (entry["key"].as_str(), entry["picture"].as_str()) else { continue };
            pictures.insert(picture.to_owned());
            by_key.entry(key.to_owned()).or_default().push(json!({ "picture": picture, "box": entry["box"] }));
        }
    }
    fs::create_dir_all(screenshots)?;
    fs::write(screenshots.join("keys.json"), serde_json::to_string_pretty(&by_key)? + "\n")?;

    let keys = all_keys(english);
    let unseen: Vec<(String, Unseen)> = keys
        .iter()
        .filter(|key| !by_key.contains_key(*key))
        .map(|key| {
            let description = &meta[key.split_once('.').map_or(key.as_str(), |(message, _)| message)];
            let why = match (description[NOT_ON_A_PAGE].as_str(), description[NO_SCREENSHOT].as_str()) {
                (Some(used), _) => Unseen::NotOnAPage(used.to_owned()),
                (None, Some(why)) => Unseen::Unreachable(why.to_owned()),
                (None, None) => Unseen::Unexplained,
            };
            (key.clone(), why)
        })
        .collect();
    // A plural's `no_screenshot` may be about some of its forms: it is wrong once all are seen.
    let seen_yet_unreachable = english
        .iter()
        .filter(|(message, _)| meta[message.as_str()][NO_SCREENSHOT].is_string())
        .filter(|(message, value)| keys_of(message, value).iter().all(|key| by_key.contains_key(key)))
        .map(|(message, _)| message.clone())
        .collect();
    Ok(Coverage {
        seen: keys.len() - unseen.len(),
        total: keys.len(),
        pictures: pictures.len(),
        unseen,
        seen_yet_unreachable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_joins_every_part_and_names_the_keys_never_seen() {
        let dir = std::env::temp_dir().join(format!("l10n-shots-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("keys")).unwrap();
        let boxed = |key: &str, picture: &str| json!({"key": key, "picture": picture, "box": {"x": 1, "y": 2, "width": 3, "height": 4}});
        fs::write(
            dir.join("keys/320-en.json"),
            json!([boxed("brand", "320/en/home.png"), boxed("orders_count.other", "320/en/account.png")]).to_string(),
        )
        .unwrap();
        fs::write(dir.join("keys/320-fi.json"), json!([boxed("brand", "320/fi/home.png")]).to_string()).unwrap();
        // (json! sorts its keys.)
        let english: Table = serde_json::from_value(json!({
            "brand": "AliExpress",
            "orders_count": {"one": "{count} order", "other": "{count} orders"},
            "error_busy": "Busy",
            "error_internal": "Broken",
            "email_subject": "Bye",
        }))
        .unwrap();
        let meta = json!({
            "error_busy": {NO_SCREENSHOT: "only when password hashing is saturated"},
            "email_subject": {NOT_ON_A_PAGE: "email"},
        });

        let coverage = index(&dir, &english, &meta).unwrap();

        assert_eq!((coverage.seen, coverage.total, coverage.pictures), (2, 6, 3));
        assert_eq!(
            coverage.unseen,
            [
                ("email_subject".to_owned(), Unseen::NotOnAPage("email".to_owned())),
                ("error_busy".to_owned(), Unseen::Unreachable("only when password hashing is saturated".to_owned())),
                ("error_internal".to_owned(), Unseen::Unexplained),
                ("orders_count.one".to_owned(), Unseen::Unexplained),
            ]
        );
        assert!(!coverage.passed(), "keys never seen that say nothing fail the run");
        let report = coverage.report();
        assert!(report.contains("unreachable: error_busy (only when password hashing is saturated)"), "{report}");
        assert!(report.contains("not on a page: email_subject (email)"), "{report}");
        assert!(report.contains("never seen, FAILED: error_internal — show it"), "{report}");
        assert!(report.starts_with("localization screenshots: 2 of 6 message keys seen (33.3 %) on 3 pictures"));
        let explained = json!({
            "error_busy": {NO_SCREENSHOT: "only when password hashing is saturated"},
            "email_subject": {NOT_ON_A_PAGE: "email"},
            "error_internal": {NO_SCREENSHOT: "a server fault"},
            "orders_count": {NO_SCREENSHOT: "one order only"},
        });
        assert!(index(&dir, &english, &explained).unwrap().passed(), "every unseen key says why");
        let written: Value = serde_json::from_str(&fs::read_to_string(dir.join("keys.json")).unwrap()).unwrap();
        assert_eq!(written["brand"].as_array().unwrap().len(), 2);
        assert_eq!(
            written["orders_count.other"][0],
            json!({"picture": "320/en/account.png", "box": {"x": 1, "y": 2, "width": 3, "height": 4}})
        );
        fs::remove_dir_all(dir.join("keys")).unwrap();
        let nothing = index(&dir, &serde_json::from_value(json!({"error_busy": "Busy"})).unwrap(), &meta).unwrap();
        assert_eq!((nothing.pictures, nothing.unseen.len()), (0, 1));
        assert_eq!(nothing.unseen[0].1, Unseen::Unreachable("only when password hashing is saturated".to_owned()));
        assert!(!nothing.passed(), "no picture indexed is a failure");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_message_seen_that_says_the_run_cannot_reach_it_is_listed() {
        let dir = std::env::temp_dir().join(format!("l10n-shots-seen-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("keys")).unwrap();
        let write_seen = |keys: &[&str]| {
            let boxes: Vec<Value> = keys
                .iter()
                .map(|key| json!({"key": key, "picture": "1280/en/register.png", "box": {"x": 0, "y": 0, "width": 1, "height": 1}}))
                .collect();
            fs::write(dir.join("keys/1280-en.json"), Value::Array(boxes).to_string()).unwrap();
        };
        let english: Table = serde_json::from_value(json!({
            "problem_email_taken": "Taken",
            "orders_count": {"one": "{count} order", "other": "{count} orders"},
        }))
        .unwrap();
        let meta = json!({
            "problem_email_taken": {NO_SCREENSHOT: "not a state the run takes yet"},
            "orders_count": {NO_SCREENSHOT: "one order only"},
        });

        write_seen(&["problem_email_taken", "orders_count.other"]);
        let coverage = index(&dir, &english, &meta).unwrap();

        // The plural's claim may be about the form not seen: it stands until every form is seen.
        assert_eq!(coverage.seen_yet_unreachable, ["problem_email_taken"]);
        let report = coverage.report();
        assert!(
            report.contains("seen, yet said to be unreachable: problem_email_taken — if it is not a matter of timing"),
            "{report}"
        );
        write_seen(&["problem_email_taken", "orders_count.other", "orders_count.one"]);
        let all_seen = index(&dir, &english, &meta).unwrap();
        assert_eq!(all_seen.seen_yet_unreachable, ["orders_count", "problem_email_taken"]);
        let claims_removed = index(&dir, &english, &json!({})).unwrap();
        assert!(claims_removed.seen_yet_unreachable.is_empty());
        assert!(claims_removed.report().lines().all(|line| !line.contains("said to be unreachable")));
        fs::remove_dir_all(&dir).unwrap();
    }
}
