//! A build that refuses broken translations (issue 15, point 3). `build.rs` runs the checks of
//! `build/lint.rs` on every build; the tests here prove that each check finds its problem, and
//! add the checks that need the source code: every placeholder a `fill` call gives exists in its
//! message (and every one of the message is given), and every key is used.
//!
//! Run with `cargo test -p app --features ssr --test translations`.

#[path = "../build/lint.rs"]
#[allow(dead_code)] // shared with build.rs, which uses the rest
mod lint;

mod source;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use serde_json::{json, Map, Value};
use source::rust_files;
use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
    str::FromStr,
};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("app/ is in the workspace").to_owned()
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn read_locale_file(name: &str) -> Map<String, Value> {
    let path = workspace().join("locales").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    object(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display())))
}

fn lines(problems: Vec<lint::Problem>) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

fn described(keys: &[(&str, Value)]) -> Map<String, Value> {
    keys.iter().map(|(key, entry)| (key.to_string(), entry.clone())).collect()
}

#[test]
fn clean_tables_have_no_problem() {
    let en = object(
        json!({"save": "Save", "hello": "Hi, {name}", "items": {"one": "{count} item", "other": "{count} items"}}),
    );
    let fi = object(
        json!({"save": "Tallenna", "hello": "Hei, {name}", "items": {"one": "{count} tuote", "other": "{count} tuotetta"}}),
    );
    let meta = described(&[
        ("save", json!({"what": "a button", "where": "a form", "max_length": 10})),
        ("hello", json!({"what": "a greeting", "where": "the header", "placeholders": {"name": "the person's name"}})),
        ("items", json!({"what": "a count", "where": "a tile", "placeholders": {"count": "the number"}})),
    ]);

    assert_eq!(lines(lint::check(&[("en", &en), ("fi", &fi)], &meta)), Vec::<String>::new());
}

#[test]
fn each_check_names_the_file_the_key_and_the_fix() {
    let en = object(json!({
        "save": "Save",
        "hello": "Hi, {name}",
        "items": {"one": "{count} item", "other": "{count} items"},
        "brand": "Shop",
        "wait": "Wait...",
        "quote": "Type “{phrase}”",
        "undescribed": "Text",
        "Bad_Key": "Text",
    }));
    let fi = object(json!({
        "save": "Tallenna tämä painike, jonka teksti on aivan liian pitkä",
        "hello": "Hei, {nimi}",
        "items": {"one": "{count} tuote", "many": "{count} tuotetta"},
        "brand": "Shop",
        "wait": "Odota  hetki\u{2026}",
        "quote": "Kirjoita \u{201c}{phrase}\u{201d} ja\u{0308}",
        "undescribed": "Teksti",
        "Bad_Key": "Teksti",
        "extra": "Ylimääräinen",
    }));
    let meta = described(&[
        ("save", json!({"what": "a button", "where": "a form", "max_length": 20})),
        ("hello", json!({"what": "a greeting", "where": ""})),
        ("items", json!({"what": "a count", "where": "a tile", "placeholders": {"count": "the number", "total": "?"}})),
        ("brand", json!({"what": "the brand", "where": "the header"})),
        ("wait", json!({"what": "loading", "where": "a page"})),
        ("quote", json!({"what": "a label", "where": "a form", "placeholders": {"phrase": "the phrase"}, "note": 1})),
        ("Bad_Key", json!({"what": "a label", "where": "a form"})),
        ("gone", json!({"what": "a label", "where": "a form"})),
    ]);

    let found = lines(lint::check(&[("en", &en), ("fi", &fi)], &meta));

    assert_eq!(
        found,
        [
            "locales/en.json: `Bad_Key`: the key is not snake_case. Fix: use lower-case letters, digits and `_`.",
            "locales/en.json: `wait`: three dots. Fix: use the ellipsis character ….",
            "locales/en.meta.json: `gone`: describes a key en.json does not have. Fix: remove the description.",
            "locales/en.meta.json: `hello`: no `where`. Fix: say where it shows.",
            "locales/en.meta.json: `hello`: the placeholder {name} is not explained. Fix: add \"placeholders\": {\"name\": \"<what it holds>\"}.",
            "locales/en.meta.json: `items`: explains {total}, which en.json does not have. Fix: remove the explanation.",
            "locales/en.meta.json: `quote`: unknown field `note`. Fix: use what, where, placeholders, max_length, same_in, no_screenshot, not_on_a_page.",
            "locales/en.meta.json: `undescribed`: no translator's description. Fix: add {\"what\": \"…\", \"where\": \"…\"} (and \"placeholders\" and \"max_length\" where they apply).",
            "locales/fi.json: `Bad_Key`: the key is not snake_case. Fix: use lower-case letters, digits and `_`.",
            "locales/fi.json: `brand`: identical to the English text. Fix: translate it, or allow it with `\"same_in\": {\"fi\": \"<why>\"}` in en.meta.json.",
            "locales/fi.json: `extra`: not a key of en.json. Fix: remove it, or add it to the reference first.",
            "locales/fi.json: `hello`: the placeholder {name} of en.json is missing. Fix: put {name} where its value belongs (see en.meta.json).",
            "locales/fi.json: `hello`: the placeholder {nimi} is not one of en.json. Fix: use only {name}.",
            "locales/fi.json: `items`: `many` is not a plural category of fi. Fix: remove it (fi has one, other).",
            "locales/fi.json: `items`: the plural category `other` is missing or empty. Fix: write the `other` form (fi needs one, other).",
            "locales/fi.json: `quote`: not in Unicode NFC. Fix: write the text composed (NFC), e.g. ä as one character.",
            "locales/fi.json: `quote`: the quotation mark “. Fix: quote as ”…”.",
            "locales/fi.json: `save`: 56 characters, the layout has room for 20 (en.meta.json). Fix: shorten it to 20 characters at most.",
            "locales/fi.json: `wait`: a double space. Fix: use one space.",
        ]
    );
}

/// The testers' console shows each key's result of each check: every problem says which found it.
#[test]
fn each_problem_names_the_check_that_found_it() {
    use lint::Check;
    let en = object(json!({"save": "Save", "hello": "Hi, {name}", "wait": "Wait...", "mail": "Sent", "gone": "x"}));
    let fi = object(json!({"save": "Tallenna pitkästi", "hello": "Hei", "wait": "Odota…", "mail": "Sent"}));
    let meta = described(&[
        (
            "save",
            json!({"what": "a button", "where": "a form", "max_length": 8, "no_screenshot": "shown only on a crash"}),
        ),
        (
            "hello",
            json!({"what": "a greeting", "where": "the header", "placeholders": {"name": "a name"}, "no_screenshot": " "}),
        ),
        ("wait", json!({"what": "loading", "where": "a page"})),
        ("mail", json!({"what": "a subject", "where": "an email", "not_on_a_page": "fax"})),
    ]);

    let found: Vec<(String, String, Check)> = lint::check(&[("en", &en), ("fi", &fi)], &meta)
        .into_iter()
        .map(|problem| (problem.file, problem.key, problem.check))
        .collect();

    assert_eq!(
        found,
        [
            ("en.json".to_owned(), "wait".to_owned(), Check::Typography),
            ("en.meta.json".to_owned(), "gone".to_owned(), Check::Description),
            ("en.meta.json".to_owned(), "hello".to_owned(), Check::Description),
            ("en.meta.json".to_owned(), "mail".to_owned(), Check::Description),
            ("fi.json".to_owned(), "gone".to_owned(), Check::Keys),
            ("fi.json".to_owned(), "hello".to_owned(), Check::Placeholders),
            ("fi.json".to_owned(), "mail".to_owned(), Check::Translated),
            ("fi.json".to_owned(), "save".to_owned(), Check::Length),
        ]
    );
    assert_eq!(Check::ALL.map(|check| Check::from_name(check.name())), Check::ALL.map(Some));
}

#[test]
fn allowed_sameness_and_english_quotes_pass() {
    let en = object(json!({"brand": "Shop", "phrase": "Type “it”"}));
    let fi = object(json!({"brand": "Shop", "phrase": "Kirjoita ”se”"}));
    let meta = described(&[
        ("brand", json!({"what": "the brand", "where": "the header", "same_in": {"fi": "a brand"}})),
        ("phrase", json!({"what": "a label", "where": "a form"})),
    ]);
    assert_eq!(lines(lint::check(&[("en", &en), ("fi", &fi)], &meta)), Vec::<String>::new());

    let straight = object(json!({"brand": "Shop", "phrase": "Type \"it\""}));
    assert_eq!(
        lines(lint::check(&[("en", &straight), ("fi", &fi)], &meta)),
        ["locales/en.json: `phrase`: the quotation mark \". Fix: quote as “…”."]
    );
}

// ---------------------------------------------------------------------------------------------
// Checks against the code: what `fill` gives, and which keys are used
// ---------------------------------------------------------------------------------------------

/// The code that shows messages: the app (its views included) and the server.
fn source_files() -> Vec<(String, TokenStream)> {
    let root = workspace();
    ["app/src", "server/src"]
        .iter()
        .flat_map(|dir| rust_files(&root.join(dir)))
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            let tokens = TokenStream::from_str(&text).unwrap_or_else(|e| panic!("{name} does not lex: {e}"));
            (name, tokens)
        })
        .collect()
}

/// A call `fill(<message>, &[("name", value), …])`: the message's key and the names it gives.
#[derive(Debug, PartialEq)]
struct FillCall {
    line: usize,
    key: Option<String>,
    names: Option<BTreeSet<String>>,
}

/// The `fill` calls of `tokens` at any depth (macro bodies such as `view!` included), whose
/// message is one of `keys`; calls on a literal template (the tests of `fill` itself) are not
/// about messages and are left out.
fn fill_calls(tokens: TokenStream, keys: &Map<String, Value>, found: &mut Vec<FillCall>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        let TokenTree::Group(group) = tree else { continue };
        let is_fill_call = group.delimiter() == Delimiter::Parenthesis
            && matches!(trees.get(i.wrapping_sub(1)), Some(TokenTree::Ident(name)) if name == "fill")
            && !matches!(trees.get(i.wrapping_sub(2)), Some(TokenTree::Ident(word)) if word == "fn")
            && !matches!(trees.get(i.wrapping_sub(2)), Some(TokenTree::Punct(p)) if p.as_char() == '.');
        if is_fill_call {
            let arguments: Vec<Vec<TokenTree>> = split_commas(group.stream());
            let template = arguments.first().cloned().unwrap_or_default();
            if !template.iter().any(|t| matches!(t, TokenTree::Literal(_))) {
                let key = template.iter().find_map(|t| match t {
                    TokenTree::Ident(ident) if keys.contains_key(&ident.to_string()) => Some(ident.to_string()),
                    _ => None,
                });
                let names = arguments.get(1).and_then(|values| given_names(values));
                found.push(FillCall { line: group.span().start().line, key, names });
            }
        }
        fill_calls(group.stream(), keys, found);
    }
}

fn split_commas(stream: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut parts = vec![Vec::new()];
    for tree in stream {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
            _ => parts.last_mut().unwrap().push(tree),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// The names of `&[("name", value), …]`; `None` if the argument is not written so.
fn given_names(tokens: &[TokenTree]) -> Option<BTreeSet<String>> {
    let [TokenTree::Punct(and), TokenTree::Group(list)] = tokens else { return None };
    if and.as_char() != '&' || list.delimiter() != Delimiter::Bracket {
        return None;
    }
    split_commas(list.stream())
        .into_iter()
        .map(|pair| match pair.as_slice() {
            [TokenTree::Group(pair)] if pair.delimiter() == Delimiter::Parenthesis => {
                match split_commas(pair.stream()).first()?.as_slice() {
                    [TokenTree::Literal(name)] => Some(name.to_string().trim_matches('"').to_owned()),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

/// What is wrong with the `fill` calls of `file`: a message that is not a key, names that are
/// not written as literals, a name the message lacks, or a placeholder left unfilled.
fn fill_problems(file: &str, tokens: TokenStream, english: &Map<String, Value>) -> Vec<String> {
    let mut calls = Vec::new();
    fill_calls(tokens, english, &mut calls);
    let mut problems = Vec::new();
    for call in calls {
        let at = format!("{file}:{}", call.line);
        let (Some(key), Some(names)) = (&call.key, &call.names) else {
            problems.push(format!(
                "{at}: a fill call whose message key or names cannot be read. Fix: write fill(t.<key>, &[(\"name\", value), …])"
            ));
            continue;
        };
        let wanted: BTreeSet<String> =
            lint::texts(&english[key]).into_iter().flat_map(|(_, t)| lint::placeholders(t)).collect();
        for name in names.difference(&wanted) {
            problems.push(format!(
                "{at}: `{key}` has no placeholder {{{name}}} in locales/en.json. Fix: add it to the message in every locale, or stop filling it"
            ));
        }
        for name in wanted.difference(names) {
            problems.push(format!(
                "{at}: `{key}` has the placeholder {{{name}}}, which this call leaves unfilled. Fix: give (\"{name}\", value)"
            ));
        }
    }
    problems
}

/// Files that fill any message with the same values on purpose: the testers' plural gallery
/// shows every plural with its count in whichever placeholders count.
const GENERIC_FILLS: [&str; 1] = ["app/src/pages/plural_gallery.rs"];

#[test]
fn every_placeholder_code_fills_is_in_its_message_and_every_one_is_filled() {
    let english = read_locale_file("en.json");
    let mut calls = 0;
    let mut problems = Vec::new();
    for (file, tokens) in source_files().into_iter().filter(|(file, _)| !GENERIC_FILLS.contains(&file.as_str())) {
        let mut found = Vec::new();
        fill_calls(tokens.clone(), &english, &mut found);
        calls += found.len();
        problems.extend(fill_problems(&file, tokens, &english));
    }
    assert!(calls >= 10, "the scan sees the fill calls ({calls})");
    assert!(problems.is_empty(), "fill calls and messages disagree:\n{}", problems.join("\n"));
}

#[test]
fn the_fill_check_finds_a_missing_an_extra_and_an_unreadable_name() {
    let english = object(json!({"hello": "Hi, {name}", "refund": "{amount} for {order}"}));
    let source = r#"
        fn view() {
            view! { <p>{move || fill(t.get().hello, &[("name", &n), ("count", &3)])}</p> }
            let line = fill(t.refund, &[
                ("amount", &money),
            ]);
            fill(t.hello, &pairs);
            fill("{a} literal", &[("a", &1)]);
        }
        fn fill(template: &str) {}
    "#;

    let problems = fill_problems("x.rs", TokenStream::from_str(source).unwrap(), &english);

    assert_eq!(
        problems,
        [
            "x.rs:3: `hello` has no placeholder {count} in locales/en.json. Fix: add it to the message in every locale, or stop filling it",
            "x.rs:4: `refund` has the placeholder {order}, which this call leaves unfilled. Fix: give (\"order\", value)",
            "x.rs:7: a fill call whose message key or names cannot be read. Fix: write fill(t.<key>, &[(\"name\", value), …])",
        ]
    );
}

/// The keys `tokens` reads as fields (`t.get().key`, `EN.key`): a `.` then the key, not called.
fn used_keys(tokens: TokenStream, keys: &Map<String, Value>, used: &mut BTreeSet<String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => used_keys(group.stream(), keys, used),
            TokenTree::Ident(ident) if keys.contains_key(&ident.to_string()) => {
                let after_dot = matches!(trees.get(i.wrapping_sub(1)), Some(TokenTree::Punct(p)) if p.as_char() == '.');
                let called =
                    matches!(trees.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                if after_dot && !called {
                    used.insert(ident.to_string());
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_key_is_used() {
    let english = read_locale_file("en.json");
    let mut used = BTreeSet::new();
    for (_, tokens) in source_files() {
        used_keys(tokens, &english, &mut used);
    }
    let unused: Vec<String> = english
        .keys()
        .filter(|key| !used.contains(*key))
        .map(|key| format!("locales/en.json: `{key}`: no code shows it. Fix: remove it from every locale and from en.meta.json, or show it"))
        .collect();
    assert!(used.len() > 100, "the scan sees the keys in use ({})", used.len());
    assert!(unused.is_empty(), "unused keys:\n{}", unused.join("\n"));
}

#[test]
fn a_method_of_the_same_name_is_not_a_use() {
    let keys = object(json!({"join": "Join", "brand": "Shop"}));
    let mut used = BTreeSet::new();
    used_keys(TokenStream::from_str("parts.join(\", \"); let b = t.get().brand;").unwrap(), &keys, &mut used);
    assert_eq!(used, BTreeSet::from(["brand".to_owned()]));
}

/// The number of `fill` calls per file, so a reader of a failure sees what the scan found.
#[test]
fn the_scan_finds_fill_calls_inside_views() {
    let english = read_locale_file("en.json");
    let per_file: BTreeMap<String, usize> = source_files()
        .into_iter()
        .map(|(file, tokens)| {
            let mut found = Vec::new();
            fill_calls(tokens, &english, &mut found);
            (file, found.len())
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(per_file.get("app/src/pages/account/deactivate.rs").is_some_and(|n| *n >= 4), "{per_file:#?}");
}
