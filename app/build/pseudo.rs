//! The pseudo-locales for localization testers, generated from the English table at build time
//! (never written by hand): `en-XA` accents every letter, lengthens the text as a translation
//! would (short texts most) and wraps it in `⟦…⟧`; `ar-XB` wraps it in `⟦…⟧` and shows every
//! word mirrored, right to left, with Unicode direction marks. Placeholders stay intact, so the
//! values the code fills in show as they are. And the texts of show-keys mode: each message's
//! key and arguments.

/// The accented twin of an ASCII letter (the other characters stay).
fn accented(c: char) -> char {
    const FROM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const TO: &str = "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ";
    FROM.find(c).and_then(|i| TO.chars().nth(i)).unwrap_or(c)
}

/// Words added to lengthen a text; accented, so that they are plainly not English.
const PADDING: &str = "ļöŕéɱ îþšûɱ ðöļöŕ šîţ åɱéţ çöñšéçţéţûŕ åðîþîšçîñĝ éļîţ šéð ðö éîûšɱöð ţéɱþöŕ";

/// How much longer a text of `length` characters becomes, in percent (after Microsoft's
/// guidance on text expansion: the shorter the English, the longer its translation).
fn expansion_percent(length: usize) -> usize {
    match length {
        0..=10 => 100,
        11..=20 => 80,
        21..=30 => 60,
        _ => 40,
    }
}

/// The parts of a text: `(is_placeholder, text)`.
fn parts(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        if open > 0 {
            out.push((false, &rest[..open]));
        }
        out.push((true, &rest[open..=close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push((false, rest));
    }
    out
}

/// `en-XA`: `⟦Ŝåṽé çĥåñĝéš ļöŕéɱ îþšûɱ⟧`.
pub fn accented_text(english: &str) -> String {
    let mut body: String = parts(english)
        .into_iter()
        .map(|(placeholder, text)| if placeholder { text.to_owned() } else { text.chars().map(accented).collect() })
        .collect();
    let length = english.chars().count();
    let target = length + (length * expansion_percent(length)).div_ceil(100);
    let mut padding = PADDING.chars().cycle();
    body.push(' ');
    while body.chars().count() < target || body.ends_with(' ') {
        body.extend(padding.next());
    }
    format!("⟦{body}⟧")
}

const RIGHT_TO_LEFT_MARK: char = '\u{200f}';
const RIGHT_TO_LEFT_OVERRIDE: char = '\u{202e}';
const POP_DIRECTIONAL_FORMATTING: char = '\u{202c}';

/// `ar-XB`: each word shown mirrored, right to left (as Android's `ar-XB`): a right-to-left
/// mark, then the word inside a right-to-left override; placeholders stay outside the override.
pub fn mirrored_text(english: &str) -> String {
    let mut out = String::from("⟦");
    for (placeholder, text) in parts(english) {
        if placeholder {
            out.push(RIGHT_TO_LEFT_MARK);
            out.push_str(text);
            continue;
        }
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if !word.is_empty() {
                out.push(RIGHT_TO_LEFT_MARK);
                out.push(RIGHT_TO_LEFT_OVERRIDE);
                out.push_str(word);
                out.push(POP_DIRECTIONAL_FORMATTING);
            }
        }
    }
    out.push(RIGHT_TO_LEFT_MARK);
    out.push('⟧');
    out
}

/// Show-keys mode: `orders_count.other(count={count})`, so the filled text names the key, the
/// plural form and each argument's value.
pub fn key_text(key: &str, form: Option<&str>, english: &str) -> String {
    let form = form.map(|f| format!(".{f}")).unwrap_or_default();
    let mut arguments: Vec<String> = Vec::new();
    for (_, placeholder) in parts(english).into_iter().filter(|(is_placeholder, _)| *is_placeholder) {
        let argument = format!("{}={placeholder}", &placeholder[1..placeholder.len() - 1]);
        if !arguments.contains(&argument) {
            arguments.push(argument);
        }
    }
    if arguments.is_empty() {
        format!("{key}{form}")
    } else {
        format!("{key}{form}({})", arguments.join(", "))
    }
}
