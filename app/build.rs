//! Turns `locales/*.json` into typed message tables, so a component can only name a key that
//! exists; refuses a broken translation (`build/lint.rs`): the build fails with one line per
//! problem; and generates the testers' pseudo-locales from the English table (`build/pseudo.rs`).

#[path = "build/lint.rs"]
#[allow(dead_code)] // shared with the tests and the testers' console, which use the rest
mod lint;
#[path = "build/pseudo.rs"]
mod pseudo;

use lint::{LOCALES, META_FILE, REFERENCE};
use serde_json::{Map, Value};
use std::{env, fmt::Write as _, fs, path::Path, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../locales");
    println!("cargo:rerun-if-changed=build");
    let tables: Vec<(&str, Map<String, Value>)> =
        LOCALES.iter().map(|locale| (*locale, read_object(&dir.join(format!("{locale}.json"))))).collect();
    let meta = read_object(&dir.join(META_FILE));

    let borrowed: Vec<(&str, &Map<String, Value>)> = tables.iter().map(|(tag, table)| (*tag, table)).collect();
    let problems = lint::check(&borrowed, &meta);
    if !problems.is_empty() {
        // One line per problem, without a panic's backtrace around it.
        eprintln!("{} problem(s) in the translations:", problems.len());
        for problem in &problems {
            eprintln!("{problem}");
        }
        std::process::exit(1);
    }
    let reference = &tables.iter().find(|(l, _)| *l == REFERENCE).unwrap().1;

    let mut out = String::from("/// Every visible string of the app, one field per key of `locales/en.json`.\n");
    out.push_str("#[derive(Debug)]\npub struct Messages {\n");
    for (key, value) in reference {
        let ty = if value.is_object() { "Plural" } else { "Text" };
        writeln!(out, "    pub {key}: {ty},").unwrap();
    }
    out.push_str("}\n");
    let plurals: Vec<&String> = reference.iter().filter(|(_, v)| v.is_object()).map(|(k, _)| k).collect();
    writeln!(out, "impl Messages {{\n    /// Every plural message with its key (the testers' plural gallery).")
        .unwrap();
    writeln!(out, "    pub fn plurals(&self) -> [(&'static str, &Plural); {}] {{\n        [", plurals.len()).unwrap();
    for key in plurals {
        writeln!(out, "            ({key:?}, &self.{key}),").unwrap();
    }
    out.push_str("        ]\n    }\n}\n");
    // Each language twice: without keys for production, with keys where testers are served.
    for (locale, table) in &tables {
        let name = locale.to_uppercase();
        write_table(&mut out, &name, Keys::Without, table, |_, _, text| text.to_owned());
        write_table(&mut out, &format!("{name}_KEYED"), Keys::With, table, |_, _, text| text.to_owned());
    }
    // The pseudo-locales, from the English table, and the keys that show-keys mode shows: only
    // testers see them, so only with keys.
    write_table(&mut out, "EN_XA", Keys::With, reference, |_, _, text| pseudo::accented_text(text));
    write_table(&mut out, "AR_XB", Keys::With, reference, |_, _, text| pseudo::mirrored_text(text));
    write_table(&mut out, "KEYS", Keys::With, reference, pseudo::key_text);
    let target = PathBuf::from(env::var("OUT_DIR").unwrap()).join("messages.rs");
    fs::write(target, out).unwrap();
}

/// Whether a table's texts carry their keys (`message::Text::key`).
#[derive(Clone, Copy)]
enum Keys {
    With,
    Without,
}

/// `pub static <name>: Messages`, each text of `table` through `text(key, plural form, text)`.
fn write_table(
    out: &mut String,
    name: &str,
    keys: Keys,
    table: &Map<String, Value>,
    text: impl Fn(&str, Option<&str>, &str) -> String,
) {
    // A plural form's key is `key.form`, as show-keys mode writes it.
    let literal = |key: &str, form: Option<&str>, english: &str| {
        let shown = text(key, form, english);
        match keys {
            Keys::Without => format!("Text {{ key: None, text: {shown:?} }}"),
            Keys::With => {
                let full_key = form.map_or_else(|| key.to_owned(), |form| format!("{key}.{form}"));
                format!("Text {{ key: Some({full_key:?}), text: {shown:?} }}")
            }
        }
    };
    writeln!(out, "pub static {name}: Messages = Messages {{").unwrap();
    for (key, value) in table {
        let form = |form: &str| literal(key, Some(form), value[form].as_str().unwrap());
        match value {
            Value::Object(_) => {
                writeln!(out, "    {key}: Plural {{ one: {}, other: {} }},", form("one"), form("other"))
            }
            other => writeln!(out, "    {key}: {},", literal(key, None, other.as_str().unwrap())),
        }
        .unwrap();
    }
    out.push_str("};\n");
}

/// A JSON file holding one object; the build reruns when it changes.
fn read_object(path: &Path) -> Map<String, Value> {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => panic!("{} must hold one JSON object", path.display()),
        Err(e) => panic!("{} is not valid JSON: {e}", path.display()),
    }
}
