//! XLIFF 2.0 for translators' tools (CAT tools): one `<unit>` per message (per plural form:
//! `orders_count.one`), its English source and the locale's target, the translator's description
//! from `locales/en.meta.json` as notes, each `{placeholder}` as an inline `<ph>` whose original
//! data is the placeholder itself (so a tool shows it and keeps it whole), and the length limit
//! through the Size and Length Restriction module (`slr:sizeRestriction`, in code points).
//!
//! Reading a file back refuses it, one line per problem, when a key is unknown, missing or
//! doubled, a target is missing, or a target's placeholders are not its source's.

use indexmap::IndexMap;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A locale file (`locales/<tag>.json`) in its own key order.
pub type Table = IndexMap<String, Value>;

const XLIFF_NAMESPACE: &str = "urn:oasis:names:tc:xliff:document:2.0";
const SIZE_RESTRICTION_NAMESPACE: &str = "urn:oasis:names:tc:xliff:sizerestriction:2.0";
/// The reference locale, the source of every unit.
const SOURCE_LANGUAGE: &str = "en";

/// A text as runs of plain text and `{placeholder}` names.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Placeholder(String),
}

/// The pieces of `text`; a `{…}` that is not a placeholder name stays text (as in the lint,
/// `app/build/lint.rs`).
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        plain.push_str(&rest[..open]);
        rest = &rest[open..];
        let name = rest[1..].find('}').map(|close| &rest[1..=close]);
        match name {
            Some(name) if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                if !plain.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut plain)));
                }
                out.push(Piece::Placeholder(name.to_owned()));
                rest = &rest[name.len() + 2..];
            }
            _ => {
                plain.push('{');
                rest = &rest[1..];
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Piece::Text(plain));
    }
    out
}

/// XML's five escapes, for text and attribute values alike.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The id of the `n`th (from 1) `<ph>` of `name` in one text: `count`, then `count-2`, … so that
/// a source's and its target's placeholders pair up whatever their order.
fn ph_id(name: &str, n: usize) -> String {
    if n == 1 {
        name.to_owned()
    } else {
        format!("{name}-{n}")
    }
}

/// A text as XLIFF inline content: `{name}` becomes `<ph id=… dataRef=… disp="{name}"/>`.
fn inline(text: &str) -> String {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = String::new();
    for piece in pieces(text) {
        match piece {
            Piece::Text(plain) => out.push_str(&escape(&plain)),
            Piece::Placeholder(name) => {
                let n = seen.entry(name.clone()).and_modify(|n| *n += 1).or_insert(1);
                let id = ph_id(&name, *n);
                write!(out, "<ph id=\"{id}\" dataRef=\"{name}\" disp=\"{{{name}}}\"/>").unwrap();
            }
        }
    }
    out
}

/// The units of a message: `(unit id, English text, this locale's text)`; a plural gives one
/// per category of the locale's message (a category English lacks has English's `other`).
fn units<'a>(key: &str, english: &'a Value, target: Option<&'a Value>) -> Vec<(String, &'a str, Option<&'a str>)> {
    match english {
        Value::Object(forms) => {
            let categories: Vec<&String> = match target {
                Some(Value::Object(target)) => target.keys().collect(),
                _ => forms.keys().collect(),
            };
            categories
                .into_iter()
                .map(|form| {
                    let source = forms.get(form).or_else(|| forms.get("other")).and_then(Value::as_str).unwrap_or("");
                    let text = target.and_then(|t| t.get(form)).and_then(Value::as_str);
                    (format!("{key}.{form}"), source, text)
                })
                .collect()
        }
        text => vec![(key.to_owned(), text.as_str().unwrap_or(""), target.and_then(Value::as_str))],
    }
}

/// `locales/<tag>.json` as XLIFF 2.0, English as the source.
pub fn export(tag: &str, english: &Table, target: &Table, meta: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    writeln!(
        out,
        "<xliff xmlns=\"{XLIFF_NAMESPACE}\" xmlns:slr=\"{SIZE_RESTRICTION_NAMESPACE}\" version=\"2.0\" srcLang=\"{SOURCE_LANGUAGE}\" trgLang=\"{}\">",
        escape(tag)
    )
    .unwrap();
    writeln!(out, "  <file id=\"messages\" original=\"locales/{}.json\">", escape(tag)).unwrap();
    out.push_str("    <slr:profiles generalProfile=\"xliff:codepoints\"/>\n");
    for (key, value) in english {
        let about = &meta[key.as_str()];
        for (id, source, text) in units(key, value, target.get(key)) {
            let limit =
                about["max_length"].as_u64().map(|max| format!(" slr:sizeRestriction=\"{max}\"")).unwrap_or_default();
            writeln!(out, "    <unit id=\"{}\"{limit}>", escape(&id)).unwrap();
            out.push_str("      <notes>\n");
            let mut note = |category: &str, text: &str| {
                writeln!(out, "        <note category=\"{category}\">{}</note>", escape(text)).unwrap();
            };
            for field in ["what", "where"] {
                if let Some(text) = about[field].as_str() {
                    note(field, text);
                }
            }
            if let Some(placeholders) = about["placeholders"].as_object() {
                for (name, explained) in placeholders {
                    note("placeholder", &format!("{{{name}}}: {}", explained.as_str().unwrap_or("")));
                }
            }
            if let Some(why) = about["same_in"][tag].as_str() {
                note("same-as-english", why);
            }
            out.push_str("      </notes>\n");
            let names: BTreeSet<String> = pieces(source)
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Placeholder(name) => Some(name),
                    Piece::Text(_) => None,
                })
                .collect();
            if !names.is_empty() {
                out.push_str("      <originalData>\n");
                for name in &names {
                    writeln!(out, "        <data id=\"{name}\">{{{name}}}</data>").unwrap();
                }
                out.push_str("      </originalData>\n");
            }
            let state = if text.is_some() { " state=\"translated\"" } else { "" };
            writeln!(out, "      <segment{state}>").unwrap();
            writeln!(out, "        <source>{}</source>", inline(source)).unwrap();
            if let Some(text) = text {
                writeln!(out, "        <target>{}</target>", inline(text)).unwrap();
            }
            out.push_str("      </segment>\n    </unit>\n");
        }
    }
    out.push_str("  </file>\n</xliff>\n");
    out
}

/// What an XLIFF file gives back: its target language and the locale file it makes.
#[derive(Debug)]
pub struct Imported {
    pub tag: String,
    pub table: Table,
}

/// Reads an XLIFF 2.0 file made by [`export`] (and edited by a translator's tool) back into a
/// locale table in English's key order; or every problem, one line each, naming `file` and the
/// unit.
pub fn import(file: &str, xliff: &str, english: &Table) -> Result<Imported, Vec<String>> {
    let document = roxmltree::Document::parse(xliff).map_err(|e| {
        vec![format!("{file}: not well-formed XML: {e}. Fix: export it again from your tool as XLIFF 2.0")]
    })?;
    let root = document.root_element();
    if root.tag_name().namespace() != Some(XLIFF_NAMESPACE) || root.attribute("version") != Some("2.0") {
        return Err(vec![format!(
            "{file}: not an XLIFF 2.0 document (root <{}>, version {:?}). Fix: save it as XLIFF 2.0",
            root.tag_name().name(),
            root.attribute("version").unwrap_or("none")
        )]);
    }
    let Some(tag) = root.attribute("trgLang") else {
        return Err(vec![format!("{file}: no trgLang on <xliff>. Fix: set the target language, e.g. trgLang=\"fi\"")]);
    };
    let mut problems = Vec::new();
    if root.attribute("srcLang") != Some(SOURCE_LANGUAGE) {
        problems.push(format!(
            "{file}: srcLang is {:?}; the source of every unit is English. Fix: export again with `cargo xtask l10n export {tag}`",
            root.attribute("srcLang").unwrap_or("none")
        ));
    }

    // Each unit's text; `None` for a unit refused already (and so not missing too).
    let mut texts: BTreeMap<String, Option<String>> = BTreeMap::new();
    let element = |node: &roxmltree::Node, name: &str| node.is_element() && node.tag_name().name() == name;
    for unit in root.descendants().filter(|n| element(n, "unit")) {
        let id = unit.attribute("id").unwrap_or("");
        let at = format!("{file}: unit `{id}`");
        if texts.insert(id.to_owned(), None).is_some() {
            problems.push(format!("{at}: twice in the file. Fix: keep one"));
            continue;
        }
        let Some(segment) = unit.children().find(|n| element(n, "segment")) else {
            problems.push(format!("{at}: no <segment>. Fix: export the message again"));
            continue;
        };
        let data: BTreeMap<&str, &str> = unit
            .children()
            .filter(|n| element(n, "originalData"))
            .flat_map(|d| d.children().filter(|n| element(n, "data")))
            .map(|d| (d.attribute("id").unwrap_or(""), d.text().unwrap_or("")))
            .collect();
        let content = |part: &str| segment.children().find(|n| element(n, part)).map(|node| text_of(&node, &data));
        let Some(target) = content("target") else {
            problems.push(format!("{at}: no <target>. Fix: translate it"));
            continue;
        };
        let (source, target) = match (content("source"), target) {
            (Some(Ok(source)), Ok(target)) => (source, target),
            (_, Err(problem)) | (Some(Err(problem)), _) => {
                problems.push(format!("{at}: {problem}"));
                continue;
            }
            (None, _) => {
                problems.push(format!("{at}: no <source>. Fix: export the message again"));
                continue;
            }
        };
        let wanted = placeholder_names(&source);
        let found = placeholder_names(&target);
        for name in wanted.difference(&found) {
            problems.push(format!("{at}: the placeholder {{{name}}} of the source is missing from the target. Fix: put it where its value belongs"));
        }
        for name in found.difference(&wanted) {
            problems.push(format!(
                "{at}: the target has {{{name}}}, which the source has not. Fix: use only the source's placeholders"
            ));
        }
        if wanted == found {
            texts.insert(id.to_owned(), Some(target));
        }
    }

    let mut table = Table::new();
    for (key, value) in english {
        let entry = match value {
            Value::Object(forms) => {
                let prefix = format!("{key}.");
                let units: Vec<(&String, &Option<String>)> =
                    texts.range(prefix.clone()..).take_while(|(id, _)| id.starts_with(&prefix)).collect();
                let translated: serde_json::Map<String, Value> = units
                    .iter()
                    .filter_map(|(id, text)| Some((id[prefix.len()..].to_owned(), Value::String((*text).clone()?))))
                    .collect();
                if units.is_empty() {
                    let first = forms.keys().next().map(String::as_str).unwrap_or("other");
                    problems
                        .push(format!("{file}: unit `{key}.{first}` is missing. Fix: export again and translate it"));
                    continue;
                }
                Value::Object(translated)
            }
            _ => match texts.get(key) {
                Some(Some(text)) => Value::String(text.clone()),
                Some(None) => continue,
                None => {
                    problems.push(format!("{file}: unit `{key}` is missing. Fix: export again and translate it"));
                    continue;
                }
            },
        };
        table.insert(key.clone(), entry);
    }
    for id in texts.keys() {
        let key = id.split_once('.').map_or(id.as_str(), |(key, _)| key);
        let known = match english.get(key) {
            Some(Value::Object(_)) => id.contains('.'),
            Some(_) => !id.contains('.'),
            None => false,
        };
        if !known {
            problems.push(format!("{file}: unit `{id}` is no message of locales/en.json. Fix: remove it"));
        }
    }
    if problems.is_empty() {
        Ok(Imported { tag: tag.to_owned(), table })
    } else {
        Err(problems)
    }
}

/// The text of a `<source>` or `<target>`: its characters, each `<ph>` as the placeholder its
/// `dataRef` names; any other inline markup is refused, since a message has none.
fn text_of(node: &roxmltree::Node, data: &BTreeMap<&str, &str>) -> Result<String, String> {
    let mut out = String::new();
    for child in node.children() {
        if child.is_text() {
            out.push_str(child.text().unwrap_or(""));
        } else if child.is_element() {
            let name = child.tag_name().name();
            if name != "ph" {
                return Err(format!("<{name}> in a text; messages have no markup. Fix: remove it, keep its text"));
            }
            let reference = child.attribute("dataRef").unwrap_or("");
            match data.get(reference) {
                Some(placeholder) => out.push_str(placeholder),
                None => {
                    return Err(format!(
                        "a <ph> refers to `{reference}`, which is no placeholder of this unit. Fix: copy the placeholders from the source"
                    ))
                }
            }
        }
    }
    Ok(out)
}

fn placeholder_names(text: &str) -> BTreeSet<String> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

/// A locale file's text, as the repository keeps it: two-space indents, a final newline.
pub fn to_json(table: &Table) -> String {
    let mut text = serde_json::to_string_pretty(table).expect("a table of strings serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn locale_file(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales").join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn table(name: &str) -> Table {
        serde_json::from_str(&locale_file(name)).unwrap()
    }

    fn exported(tag: &str) -> String {
        let meta: Value = serde_json::from_str(&locale_file("en.meta.json")).unwrap();
        export(tag, &table("en.json"), &table(&format!("{tag}.json")), &meta)
    }

    fn imported(xliff: &str) -> Result<Imported, Vec<String>> {
        import("fi.xlf", xliff, &table("en.json"))
    }

    #[test]
    fn export_then_import_gives_back_every_locale_file_byte_for_byte() {
        for tag in ["en", "fi"] {
            let back = imported(&exported(tag)).unwrap_or_else(|problems| panic!("{tag}: {}", problems.join("\n")));
            assert_eq!(back.tag, tag);
            assert_eq!(to_json(&back.table), locale_file(&format!("{tag}.json")), "{tag}.json changed on the way");
        }
    }

    #[test]
    fn the_export_carries_descriptions_placeholders_and_length_limits() {
        let xliff = exported("fi");
        assert!(xliff.contains("srcLang=\"en\" trgLang=\"fi\""));
        assert!(xliff.contains("<unit id=\"delete_button\" slr:sizeRestriction=\"32\">"), "{xliff}");
        assert!(xliff.contains("<note category=\"placeholder\">{amount}: the refund&apos;s amount"));
        assert!(xliff.contains("<data id=\"count\">{count}</data>"));
        assert!(xliff.contains("<unit id=\"orders_count.one\" slr:sizeRestriction=\"32\">"), "a plural form per unit");
        assert!(xliff.contains("<ph id=\"count\" dataRef=\"count\" disp=\"{count}\"/>"));
        assert!(xliff.contains("<note category=\"same-as-english\">"), "the brand's reason to stay English");
    }

    /// What a CAT tool does to a file: a new translation comes back; a target that loses or
    /// invents a placeholder, an unknown or missing unit, or markup is refused, naming the unit.
    #[test]
    fn an_edited_file_round_trips_or_is_refused_with_one_line_per_problem() {
        let xliff = exported("fi");
        let retranslated = xliff.replace("<target>Liity</target>", "<target>Liity jäseneksi</target>");
        assert_ne!(retranslated, xliff, "the edit hits the join button's target");
        let back = imported(&retranslated).unwrap();
        assert_eq!(back.table["join"], "Liity jäseneksi");

        let fi = table("fi.json");
        let refund = fi["impact_refund_line"].as_str().unwrap();
        let refund_target = format!("<target>{}</target>", inline(refund));
        assert!(xliff.contains(&refund_target));
        let lost = xliff.replace(
            &refund_target,
            &refund_target.replace("<ph id=\"amount\" dataRef=\"amount\" disp=\"{amount}\"/>", ""),
        );
        assert_eq!(
            imported(&lost).unwrap_err(),
            ["fi.xlf: unit `impact_refund_line`: the placeholder {amount} of the source is missing from the target. Fix: put it where its value belongs"]
        );
        let renamed = xliff.replace(&refund_target, &refund_target.replace("dataRef=\"amount\"", "dataRef=\"sum\""));
        assert_eq!(
            imported(&renamed).unwrap_err(),
            ["fi.xlf: unit `impact_refund_line`: a <ph> refers to `sum`, which is no placeholder of this unit. Fix: copy the placeholders from the source"]
        );
        let typed = xliff.replace(
            &refund_target,
            &refund_target.replace("<ph id=\"amount\" dataRef=\"amount\" disp=\"{amount}\"/>", "{sum}"),
        );
        assert_eq!(
            imported(&typed).unwrap_err(),
            [
                "fi.xlf: unit `impact_refund_line`: the placeholder {amount} of the source is missing from the target. Fix: put it where its value belongs",
                "fi.xlf: unit `impact_refund_line`: the target has {sum}, which the source has not. Fix: use only the source's placeholders",
            ]
        );

        let unit = |id: &str| {
            let start = xliff.find(&format!("<unit id=\"{id}\"")).unwrap();
            let end = start + xliff[start..].find("</unit>").unwrap() + "</unit>\n".len();
            &xliff[start..end]
        };
        let join = unit("join");
        let without_join = xliff.replace(join, "");
        assert_eq!(
            imported(&without_join).unwrap_err(),
            ["fi.xlf: unit `join` is missing. Fix: export again and translate it"]
        );
        let stranger = xliff.replace(join, &format!("{join}{}", join.replace("id=\"join\"", "id=\"joinn\"")));
        assert_eq!(
            imported(&stranger).unwrap_err(),
            ["fi.xlf: unit `joinn` is no message of locales/en.json. Fix: remove it"]
        );
        let marked = xliff.replace("<target>Liity</target>", "<target><pc id=\"b\">Liity</pc></target>");
        assert_eq!(
            imported(&marked).unwrap_err(),
            ["fi.xlf: unit `join`: <pc> in a text; messages have no markup. Fix: remove it, keep its text"]
        );
        let untranslated = xliff.replace("<target>Liity</target>", "");
        assert_eq!(imported(&untranslated).unwrap_err(), ["fi.xlf: unit `join`: no <target>. Fix: translate it"]);
        assert!(imported("<xliff version=\"1.2\"/>").unwrap_err()[0].starts_with("fi.xlf: not an XLIFF 2.0 document"));
    }

    #[test]
    fn placeholders_are_split_out_and_other_braces_stay_text() {
        assert_eq!(
            pieces("{a} x {not a name} {b}{"),
            [
                Piece::Placeholder("a".into()),
                Piece::Text(" x {not a name} ".into()),
                Piece::Placeholder("b".into()),
                Piece::Text("{".into())
            ]
        );
        assert_eq!(
            inline("{n} & {n}"),
            "<ph id=\"n\" dataRef=\"n\" disp=\"{n}\"/> &amp; <ph id=\"n-2\" dataRef=\"n\" disp=\"{n}\"/>"
        );
    }
}
