//! Turns `locales/*.json` into typed message tables, so a component can only name a key that
//! exists, and a locale that lacks a key (or leaves it empty) fails the build.

use serde_json::{Map, Value};
use std::{env, fmt::Write as _, fs, path::PathBuf};

/// The reference locale: every other locale must have exactly its keys.
const REFERENCE: &str = "en";
const LOCALES: [&str; 2] = ["en", "fi"];
const PLURAL_FORMS: [&str; 2] = ["one", "other"];

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../locales");
    let tables: Vec<(&str, Map<String, Value>)> = LOCALES
        .iter()
        .map(|locale| {
            let path = dir.join(format!("{locale}.json"));
            println!("cargo:rerun-if-changed={}", path.display());
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            match serde_json::from_str(&text) {
                Ok(Value::Object(map)) => (*locale, map),
                Ok(_) => panic!("{} must hold one JSON object", path.display()),
                Err(e) => panic!("{} is not valid JSON: {e}", path.display()),
            }
        })
        .collect();

    let reference = &tables.iter().find(|(l, _)| *l == REFERENCE).unwrap().1;
    let problems: Vec<String> =
        tables.iter().flat_map(|(locale, table)| check_locale(locale, table, reference)).collect();
    if !problems.is_empty() {
        panic!("locale files are incomplete:\n  {}", problems.join("\n  "));
    }

    let mut out = String::from("/// Every visible string of the app, one field per key of `locales/en.json`.\n");
    out.push_str("#[derive(Debug)]\npub struct Messages {\n");
    for (key, value) in reference {
        let ty = if value.is_object() { "Plural" } else { "&'static str" };
        writeln!(out, "    pub {key}: {ty},").unwrap();
    }
    out.push_str("}\n");
    for (locale, table) in &tables {
        writeln!(out, "pub static {}: Messages = Messages {{", locale.to_uppercase()).unwrap();
        for (key, value) in table {
            match value {
                Value::Object(forms) => writeln!(
                    out,
                    "    {key}: Plural {{ one: {:?}, other: {:?} }},",
                    forms["one"].as_str().unwrap(),
                    forms["other"].as_str().unwrap()
                ),
                other => writeln!(out, "    {key}: {:?},", other.as_str().unwrap()),
            }
            .unwrap();
        }
        out.push_str("};\n");
    }
    let target = PathBuf::from(env::var("OUT_DIR").unwrap()).join("messages.rs");
    fs::write(target, out).unwrap();
}

/// Lists what is wrong with one locale table compared with the reference.
fn check_locale(locale: &str, table: &Map<String, Value>, reference: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, value) in reference {
        match table.get(key) {
            None => problems.push(format!("{locale}: missing key `{key}`")),
            Some(found) if value.is_object() != found.is_object() => problems.push(format!(
                "{locale}: `{key}` must be a {}",
                if value.is_object() { "plural object" } else { "string" }
            )),
            Some(Value::Object(forms)) => {
                for form in PLURAL_FORMS {
                    if forms.get(form).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
                        problems.push(format!("{locale}: `{key}.{form}` is missing or empty"));
                    }
                }
            }
            Some(Value::String(s)) if s.trim().is_empty() => problems.push(format!("{locale}: `{key}` is empty")),
            Some(Value::String(_)) => {}
            Some(_) => problems.push(format!("{locale}: `{key}` must be a string")),
        }
        if !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            problems.push(format!("{locale}: key `{key}` must be snake_case"));
        }
    }
    for key in table.keys().filter(|k| !reference.contains_key(*k)) {
        problems.push(format!("{locale}: key `{key}` is not in {REFERENCE}.json"));
    }
    problems
}
