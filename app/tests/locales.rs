//! The words of the app (`docs/design.md`, section "Words"): the reference wording holds, and no
//! component writes a visible string itself. (Complete locales with the same placeholders: the
//! build's checks, `build/lint.rs`, tested in `tests/translations.rs`.)
//!
//! Run with `cargo test -p app --features ssr --test locales`.

mod source;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use serde_json::{Map, Value};
use source::rust_files;
use std::{
    fs,
    path::{Path, PathBuf},
};
use syn::visit::Visit;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("app/ is in the workspace").to_owned()
}

fn locale(tag: &str) -> Map<String, Value> {
    let path = workspace().join("locales").join(format!("{tag}.json"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => panic!("{} must hold one JSON object", path.display()),
        Err(e) => panic!("{} is not valid JSON: {e}", path.display()),
    }
}

/// The reference wording of `docs/design.md` (section "Words"), row by row in the table's order:
/// (key idea as the table names it, key, English, Finnish).
/// `the_reference_copy_matches_the_words_table_of_docs_design_md` checks this copy against the file.
const REFERENCE_WORDING: [(&str, &str, &str, &str); 22] = [
    ("my area", "my_area", "My AliExpress", "Oma AliExpress"),
    ("profile settings", "nav_profile_settings", "Profile settings", "Profiilin asetukset"),
    ("change settings", "change_settings", "Change settings", "Muuta asetuksia"),
    ("personal information", "personal_information", "Personal information", "Henkilökohtaiset tiedot"),
    ("edit profile", "edit_profile", "Edit profile", "Muokkaa profiilia"),
    ("deactivate link", "deactivate_link", "Deactivate my account", "Poista tilini käytöstä"),
    ("phrase to type", "deactivate_phrase", "deactivate my account", "poista tilini käytöstä"),
    ("button", "delete_button", "Delete my account", "Poista tilini"),
    (
        "reason 1",
        "reason_registered_by_mistake",
        "I registered by mistake and don't need this account",
        "Rekisteröidyin vahingossa enkä tarvitse tätä tiliä",
    ),
    (
        "reason 2",
        "reason_no_suitable_products",
        "I can't find products or suppliers that meet my needs",
        "En löydä tarpeisiini sopivia tuotteita tai toimittajia",
    ),
    (
        "reason 3",
        "reason_too_many_emails",
        "I receive too many emails from AliExpress.com",
        "Saan liikaa sähköpostia AliExpress.comilta",
    ),
    (
        "reason 4",
        "reason_leaving_business",
        "I am retiring or leaving business",
        "Jään eläkkeelle tai lopetan liiketoimintani",
    ),
    ("reason 5", "reason_cheated", "I was cheated", "Minua huijattiin"),
    (
        "reason 6",
        "reason_wrong_email",
        "The email address of my AliExpress.com account is incorrect",
        "AliExpress.com-tilini sähköpostiosoite on virheellinen",
    ),
    (
        "reason 7",
        "reason_found_supplier",
        "I have found a supplier that meets my needs",
        "Löysin tarpeisiini sopivan toimittajan",
    ),
    (
        "reason 8",
        "reason_no_answers",
        "Buyers or suppliers did not answer my inquiries",
        "Ostajat tai toimittajat eivät vastanneet tiedusteluihini",
    ),
    ("reason 9", "reason_other", "Other (please tell us)", "Muu syy (kerro lisää)"),
    (
        "consequence 1",
        "consequence_1",
        "You can't use buyer or seller features with a deleted account. To trade again, you need a new account.",
        "Poistetulla tilillä et voi käyttää ostajan etkä myyjän toimintoja. Jos haluat jatkaa kaupankäyntiä, \
         tarvitset uuden tilin.",
    ),
    (
        "consequence 2",
        "consequence_2",
        "All information about your completed orders is deleted. Orders that are not completed are cancelled.",
        "Kaikki tiedot päättyneistä tilauksistasi poistetaan. Keskeneräiset tilaukset perutaan.",
    ),
    (
        "consequence 3",
        "consequence_3",
        "All your messages on AliExpress and Alibaba.com are deleted and can't be recovered.",
        "Kaikki viestisi AliExpressissa ja Alibaba.comissa poistetaan, eikä niitä voi palauttaa.",
    ),
    (
        "consequence 4",
        "consequence_4",
        "This email address can't be used to register a new account.",
        "Tällä sähköpostiosoitteella ei voi enää rekisteröidä uutta tiliä.",
    ),
    (
        "refund advice",
        "refund_advice",
        "We recommend waiting until refunds for cancelled orders have arrived.",
        "Suosittelemme odottamaan, kunnes peruttujen tilausten hyvitykset ovat saapuneet.",
    ),
];

#[test]
fn the_reference_wording_of_the_design_holds_in_both_locales() {
    let (en, fi) = (locale("en"), locale("fi"));
    let mut problems = Vec::new();
    for (idea, key, english, finnish) in &REFERENCE_WORDING {
        for (tag, table, expected) in [("en", &en, english), ("fi", &fi, finnish)] {
            match table.get(*key).and_then(Value::as_str) {
                Some(actual) if actual == *expected => {}
                actual => problems.push(format!("{idea}: {tag}.{key} is {actual:?}, the reference is {expected:?}")),
            }
        }
    }
    assert!(problems.is_empty(), "the reference wording does not hold:\n  {}", problems.join("\n  "));
}

/// The design notes, inside the repository; their "Words" section holds the reference wording.
const DESIGN_DOC: &str = "docs/design.md";
const WORDS_HEADING: &str = "## Words";
const WORDS_HEADER: [&str; 3] = ["key idea", "English", "Finnish"];

/// The rows of the first table of the "Words" section: (key idea, English, Finnish); or what is
/// missing.
fn words_table(design: &str) -> Result<Vec<(String, String, String)>, String> {
    let start = design
        .lines()
        .position(|line| line.trim_end() == WORDS_HEADING)
        .ok_or_else(|| format!("no `{WORDS_HEADING}` section"))?;
    let cells = |line: &str| -> Vec<String> {
        line.trim().trim_matches('|').split('|').map(|cell| cell.trim().to_owned()).collect()
    };
    let mut table = design
        .lines()
        .skip(start + 1)
        .take_while(|line| !line.starts_with("## "))
        .map(str::trim)
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'));
    let header = table.next().ok_or_else(|| format!("no table in the `{WORDS_HEADING}` section"))?;
    if cells(header) != WORDS_HEADER {
        return Err(format!("the words table's header is `{header}`, not `| {} |`", WORDS_HEADER.join(" | ")));
    }
    let separator = table.next().unwrap_or_default();
    if !cells(separator).iter().all(|cell| !cell.is_empty() && cell.chars().all(|c| c == '-' || c == ':')) {
        return Err(format!("the words table's header is not followed by a `| --- |` line but by `{separator}`"));
    }
    let mut rows = Vec::new();
    for line in table {
        match cells(line).as_slice() {
            [idea, english, finnish] => rows.push((idea.clone(), english.clone(), finnish.clone())),
            other => return Err(format!("a row of the words table has {} cells, not 3: `{line}`", other.len())),
        }
    }
    if rows.is_empty() {
        return Err("the words table has no rows".to_owned());
    }
    Ok(rows)
}

/// `REFERENCE_WORDING` above is a copy of the words table of `docs/design.md`, with the keys
/// added; the copy must match the table row for row. The file is part of the repository: if it
/// or its table is missing, that is a failure, not a reason to skip.
#[test]
fn the_reference_copy_matches_the_words_table_of_docs_design_md() {
    let path = workspace().join(DESIGN_DOC);
    let design = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {}: {e} — the reference wording lives in its `{WORDS_HEADING}` section", path.display())
    });

    let from_design = words_table(&design).unwrap_or_else(|problem| panic!("{}: {problem}", path.display()));

    let copied: Vec<(String, String, String)> =
        REFERENCE_WORDING.iter().map(|(idea, _, en, fi)| (idea.to_string(), en.to_string(), fi.to_string())).collect();
    assert_eq!(
        from_design, copied,
        "the words table of {DESIGN_DOC} and REFERENCE_WORDING differ: change them together, with locales/*.json"
    );
}

#[test]
fn the_words_table_reader_says_what_is_missing() {
    let table =
        "| key idea | English | Finnish |\n| --- | --- | --- |\n| button | Delete my account | Poista tilini |\n";
    let design = format!("# Design\n\n## Words\n\nText.\n\n{table}\nMore text.\n\n## Next\n\n| a | b | c |\n");

    assert_eq!(
        words_table(&design),
        Ok(vec![("button".to_owned(), "Delete my account".to_owned(), "Poista tilini".to_owned())])
    );
    assert_eq!(words_table("# Design\n## Other\n"), Err("no `## Words` section".to_owned()));
    assert_eq!(
        words_table("## Words\nNo table.\n## Next\n| a | b | c |\n"),
        Err("no table in the `## Words` section".to_owned())
    );
    assert!(words_table("## Words\n| a | b |\n| --- | --- |\n").unwrap_err().contains("header"));
    assert_eq!(
        words_table("## Words\n| key idea | English | Finnish |\n| --- | --- | --- |\n"),
        Err("the words table has no rows".to_owned())
    );
    assert!(words_table(&design.replace("| button |", "| button | extra |")).unwrap_err().contains("4 cells"));
}

// ---------------------------------------------------------------------------------------------
// No hard-coded visible string in a component
// ---------------------------------------------------------------------------------------------

/// A token of a `view!` body, as far as the scan needs: delimited groups are nested, and
/// identifiers and punctuation keep where they start and end, (line, column), so that
/// `aria` `-` `label` is one attribute name only when they touch.
#[derive(Debug)]
enum Token {
    /// A string literal's value and its line.
    Str {
        text: String,
        line: usize,
    },
    Ident {
        text: String,
        start: Position,
        end: Position,
    },
    Punct {
        ch: char,
        start: Position,
        end: Position,
    },
    Group {
        open: char,
        tokens: Vec<Token>,
    },
    /// Anything else (numbers, byte strings, char literals).
    Other,
}

type Position = (usize, usize);

fn position(at: proc_macro2::LineColumn) -> Position {
    (at.line, at.column)
}

/// The tokens of a macro body (not Rust syntax, so only tokens), from proc-macro2.
fn tokens_of(stream: TokenStream) -> Vec<Token> {
    stream
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => Token::Group {
                open: match group.delimiter() {
                    Delimiter::Parenthesis => '(',
                    Delimiter::Bracket => '[',
                    Delimiter::Brace => '{',
                    Delimiter::None => ' ',
                },
                tokens: tokens_of(group.stream()),
            },
            TokenTree::Ident(ident) => Token::Ident {
                text: ident.to_string(),
                start: position(ident.span().start()),
                end: position(ident.span().end()),
            },
            TokenTree::Punct(punct) => Token::Punct {
                ch: punct.as_char(),
                start: position(punct.span().start()),
                end: position(punct.span().end()),
            },
            TokenTree::Literal(literal) => match syn::Lit::new(literal.clone()) {
                syn::Lit::Str(text) => Token::Str { text: text.value(), line: literal.span().start().line },
                _ => Token::Other,
            },
        })
        .collect()
}

/// Collects the hard-coded strings of every `view!` that syn finds in a file, and of the views
/// nested in any macro's body (a view inside a view, or inside `vec![...]`).
struct ViewFinder {
    found: Vec<Offender>,
}

impl<'ast> Visit<'ast> for ViewFinder {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let body = tokens_of(mac.tokens.clone());
        if mac.path.segments.last().is_some_and(|segment| segment.ident == "view") {
            scan_children(&body, &mut self.found);
        }
        find_views(&body, &mut self.found);
        syn::visit::visit_macro(self, mac);
    }
}

/// A hard-coded visible string: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Offender {
    line: usize,
    text: String,
}

/// Attributes and props whose value people see or hear: a literal there is visible text too.
const VISIBLE_ATTRIBUTES: [&str; 10] = [
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-valuetext",
    "label",
    "text",
    "hint",
];

fn is_visible_text(literal: &str) -> bool {
    literal.chars().any(char::is_alphabetic)
}

/// Every hard-coded visible string inside the `view!` macros of `source`, a Rust file.
fn hard_coded_strings(source: &str) -> Vec<Offender> {
    let file = syn::parse_file(source).unwrap_or_else(|e| {
        let at = e.span().start();
        panic!("not a Rust file syn can read, at {}:{}: {e}", at.line, at.column + 1)
    });
    let mut finder = ViewFinder { found: Vec::new() };
    finder.visit_file(&file);
    finder.found.sort_by_key(|o| o.line);
    finder.found
}

/// Looks for `view! { … }` at any depth of a macro body (views nest inside the blocks of
/// other views).
fn find_views(tokens: &[Token], found: &mut Vec<Offender>) {
    for (i, token) in tokens.iter().enumerate() {
        if let Token::Group { tokens: inner, .. } = token {
            let is_view = i >= 2
                && matches!(&tokens[i - 2], Token::Ident { text, .. } if text == "view")
                && matches!(tokens[i - 1], Token::Punct { ch: '!', .. });
            if is_view {
                scan_children(inner, found);
            }
            find_views(inner, found);
        }
    }
}

/// The nodes of a view: elements, text literals and `{…}` blocks.
fn scan_children(tokens: &[Token], found: &mut Vec<Offender>) {
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Punct { ch: '<', .. } => {
                i = scan_tag(tokens, i + 1, found);
                continue;
            }
            // A text node: `<p>"Hello"</p>`, or a literal alone on its line.
            Token::Str { text, line } if is_visible_text(text) => {
                found.push(Offender { line: *line, text: text.clone() });
            }
            // `{"Hello"}`: a block that is nothing but a literal is a text node too.
            Token::Group { open: '{', tokens: inner } => {
                if let [Token::Str { text, line }] = inner.as_slice() {
                    if is_visible_text(text) {
                        found.push(Offender { line: *line, text: text.clone() });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Skips an element's tag from just after its `<` to just after its `>`; literals in it are
/// attribute values, allowed unless the attribute is one people see ([`VISIBLE_ATTRIBUTES`]).
fn scan_tag(tokens: &[Token], mut i: usize, found: &mut Vec<Offender>) -> usize {
    while i < tokens.len() {
        match &tokens[i] {
            // `=>` and `->` inside an unbraced attribute expression do not end the tag.
            Token::Punct { ch: '>', start, .. } => {
                let joined = matches!(tokens.get(i.wrapping_sub(1)), Some(Token::Punct { ch: '=' | '-', end, .. }) if end == start);
                if !joined {
                    return i + 1;
                }
            }
            Token::Str { text, line } if is_visible_text(text) => {
                if let Some(name) = attribute_before(tokens, i) {
                    if VISIBLE_ATTRIBUTES.contains(&name.as_str()) {
                        found.push(Offender { line: *line, text: format!("{name}=\"{text}\"") });
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// The attribute name (`aria-label`, `attr:title`, `class`) right before the `=` before token `i`.
fn attribute_before(tokens: &[Token], i: usize) -> Option<String> {
    let Some(Token::Punct { ch: '=', start: eq_start, .. }) = tokens.get(i.checked_sub(1)?) else { return None };
    let mut parts = Vec::new();
    let mut next_start = *eq_start;
    let mut j = i - 1;
    while j > 0 {
        j -= 1;
        let (text, start, end) = match &tokens[j] {
            Token::Ident { text, start, end, .. } => (text.clone(), *start, *end),
            Token::Punct { ch: ch @ ('-' | ':'), start, end } => (ch.to_string(), *start, *end),
            _ => break,
        };
        if end != next_start {
            break;
        }
        parts.push(text);
        next_start = start;
    }
    parts.reverse();
    let name = parts.concat();
    // `attr:title`, `prop:label`: the name is the last part.
    Some(name.rsplit(':').next().unwrap_or_default().to_owned())
}

#[test]
fn the_scanner_flags_hard_coded_text_and_allows_attributes_and_punctuation() {
    let sample = r##"
        fn sample() -> impl IntoView {
            let (quote, apostrophe, label): (char, char, &'static str) = ('"', '\'', "not in a view");
            view! {
                <p>"Hello"</p>
                <input type="email" name="email" id="field-email" class="input" autocomplete="off" aria-describedby="x-hint"/>
                <a href="/en/account" rel="noopener">{move || t.get().my_area}</a>
                <span>" · "</span>
                {" "}
                <button aria-expanded=move || if open.get() { "true" } else { "false" } disabled=action.pending()>
                    {"Hard-coded in braces"}
                </button>
                <p>
                    "A literal alone on its line"
                </p>
                {move || show.then(|| view! { <em>"Nested"</em> })}
                // <p>"in a comment"</p>
                <img src="/logo.png" alt="Our logo"/>
                <Title text="Shop"/>
                <div class=r#"raw"#>{format!("{} items", n)}</div>
            }
        }
    "##;

    let found: Vec<String> =
        hard_coded_strings(sample).into_iter().map(|o| format!("{}: {}", o.line, o.text)).collect();

    assert_eq!(
        found,
        [
            "5: Hello",
            "11: Hard-coded in braces",
            "14: A literal alone on its line",
            "16: Nested",
            "18: alt=\"Our logo\"",
            "19: text=\"Shop\"",
        ]
    );
}

/// The scanner reads the real components well enough: a text node slipped in at the start of
/// every view and before every closing tag of the real files is found, each one.
#[test]
fn the_scanner_finds_text_slipped_into_the_real_components() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut slipped_in = 0;
    for file in ["src/pages", "src/components"].iter().flat_map(|d| rust_files(&app.join(d))) {
        let source = fs::read_to_string(&file).unwrap();
        let before = hard_coded_strings(&source).len();
        let n = source.matches("view! {").count() + source.matches("</").count();
        let mutated = source.replace("view! {", "view! { \"Slipped in\" ").replace("</", "\"Slipped in\"</");

        let found = hard_coded_strings(&mutated);

        let slipped = found.iter().filter(|o| o.text == "Slipped in").count();
        assert_eq!((slipped, found.len() - slipped), (n, before), "{}", file.display());
        slipped_in += n;
    }
    assert!(slipped_in > 50, "{slipped_in}");
}

#[test]
fn no_component_writes_a_visible_string_itself() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<PathBuf> = ["src/pages", "src/components"].iter().flat_map(|d| rust_files(&app.join(d))).collect();
    assert!(files.len() >= 5, "the scan sees the components: {files:?}");
    let mut views = 0;
    let mut offenders = Vec::new();
    for file in &files {
        let source = fs::read_to_string(file).unwrap();
        views += source.matches("view!").count();
        for o in hard_coded_strings(&source) {
            offenders.push(format!("{}:{}: {:?}", file.strip_prefix(app).unwrap_or(file).display(), o.line, o.text));
        }
    }
    assert!(views >= 10, "the scan sees the views ({views})");
    assert!(
        offenders.is_empty(),
        "visible strings are written in components instead of locales/*.json:\n  {}",
        offenders.join("\n  ")
    );
}
