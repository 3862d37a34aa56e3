//! The pseudo-locales `build.rs` generates from `locales/en.json` (`build/pseudo.rs`): every
//! English text becomes a bracketed, accented and longer `en-XA` text and a bracketed, mirrored
//! `ar-XB` text, with its placeholders intact.
//!
//! Run with `cargo test -p app --features ssr --test pseudo_locales`.

#[path = "../build/lint.rs"]
#[allow(dead_code)] // shared with build.rs; only the placeholder reader is needed here
mod lint;
#[path = "../build/pseudo.rs"]
mod pseudo;

use app::i18n::{Locale, AR_XB, EN, EN_XA};
use serde_json::{Map, Value};
use std::{fs, path::Path};

fn english() -> Map<String, Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales/en.json");
    match serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap() {
        Value::Object(map) => map,
        _ => panic!("en.json holds one object"),
    }
}

/// Every English text: (key, text).
fn texts(table: &Map<String, Value>) -> Vec<(String, String)> {
    table
        .iter()
        .flat_map(|(key, value)| lint::texts(value).into_iter().map(|(_, t)| (key.clone(), t.to_owned())))
        .collect()
}

/// The text without its placeholders.
fn words(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = rest[open..].split_once('}').map_or("", |(_, after)| after);
    }
    out + rest
}

#[test]
fn en_xa_is_bracketed_accented_longer_with_its_placeholders() {
    let table = english();
    assert!(table.len() > 100);
    for (key, text) in texts(&table) {
        let pseudo = pseudo::accented_text(&text);

        assert!(pseudo.starts_with('⟦') && pseudo.ends_with('⟧'), "{key}: {pseudo}");
        assert_eq!(lint::placeholders(&pseudo), lint::placeholders(&text), "{key}: {pseudo}");
        let ascii_letters: String = words(&pseudo).chars().filter(char::is_ascii_alphabetic).collect();
        assert_eq!(ascii_letters, "", "{key}: every letter accented: {pseudo}");
        let (english, longer) = (text.chars().count(), pseudo.chars().count() - 2);
        assert!(longer * 10 >= english * 14, "{key}: {longer} characters for {english}: {pseudo}");
        if english <= 10 {
            assert!(longer >= english * 2 - 1, "{key}: a short text doubles: {pseudo}");
        }
    }
    assert_eq!(pseudo::accented_text("Hi, {name}"), "⟦Ĥî, {name} ļöŕéɱ îþš⟧");
}

#[test]
fn ar_xb_is_bracketed_and_each_word_mirrored_with_its_placeholders() {
    for (key, text) in texts(&english()) {
        let pseudo = pseudo::mirrored_text(&text);

        assert!(pseudo.starts_with('⟦') && pseudo.ends_with('⟧'), "{key}: {pseudo}");
        assert_eq!(lint::placeholders(&pseudo), lint::placeholders(&text), "{key}: {pseudo}");
        let visible: String = pseudo.chars().filter(|c| !matches!(c, '\u{200f}' | '\u{202e}' | '\u{202c}')).collect();
        assert_eq!(visible, format!("⟦{text}⟧"), "{key}: only direction marks are added");
    }
    assert_eq!(
        pseudo::mirrored_text("Hi, {name}!"),
        "⟦\u{200f}\u{202e}Hi,\u{202c} \u{200f}{name}\u{200f}\u{202e}!\u{202c}\u{200f}⟧"
    );
}

#[test]
fn the_generated_tables_are_the_english_one_transformed() {
    let table = english();
    let plural = &table["orders_count"];
    assert_eq!(EN_XA.sign_in_title.text, pseudo::accented_text(EN.sign_in_title.text));
    assert_eq!(AR_XB.delete_button.text, pseudo::mirrored_text(EN.delete_button.text));
    assert_eq!(EN_XA.orders_count.other.text, pseudo::accented_text(plural["other"].as_str().unwrap()));
    assert_eq!(Locale::ArXb.direction(), "rtl");
    assert_eq!(Locale::from_tag("en-XA"), None, "never chosen by a cookie or a browser");
    assert_eq!(Locale::from_path_segment("ar-XB"), Some(Locale::ArXb));
}

#[test]
fn show_keys_texts_name_the_key_the_form_and_each_argument() {
    assert_eq!(pseudo::key_text("brand", None, "AliExpress"), "brand");
    assert_eq!(pseudo::key_text("orders_count", Some("other"), "{count} orders"), "orders_count.other(count={count})");
    assert_eq!(
        pseudo::key_text("impact_refund_line", None, "{amount} for order {order}, {amount}"),
        "impact_refund_line(amount={amount}, order={order})"
    );
    assert_eq!(app::i18n::KEYS.hello_name.text, "hello_name(name={name})");
    assert_eq!(app::i18n::fill(app::i18n::KEYS.hello_name, &[("name", &"Aino")]).text, "hello_name(name=Aino)");
}

/// Where testers are served, a message carries its key, and a filled one its arguments, for the
/// page's `data-l10n-key` and `data-l10n-args` (`app/src/message.rs`); production tables carry
/// neither.
#[test]
fn keyed_tables_name_each_message_and_its_arguments_and_production_tables_do_not() {
    use app::i18n::{fill, EN, EN_KEYED, FI_KEYED};
    assert_eq!(EN_KEYED.sign_in_title.key, Some("sign_in_title"));
    assert_eq!(FI_KEYED.orders_count.one.key, Some("orders_count.one"));
    assert_eq!((EN_XA.delete_button.key, AR_XB.delete_button.key), (Some("delete_button"), Some("delete_button")));
    assert_eq!(EN_KEYED.sign_in_title.text, EN.sign_in_title.text);

    let keyed = fill(EN_KEYED.hello_name, &[("name", &"Aino")]);
    assert_eq!(keyed.key, Some("hello_name"));
    assert_eq!(keyed.args_json().as_deref(), Some(r#"{"name":"Aino"}"#));
    assert_eq!(keyed.text, fill(EN.hello_name, &[("name", &"Aino")]).text);

    let production = fill(EN.hello_name, &[("name", &"Aino")]);
    assert_eq!((production.key, production.args_json()), (None, None));
    assert!(EN.plurals().iter().all(|(_, plural)| plural.one.key.is_none() && plural.other.key.is_none()));
}
