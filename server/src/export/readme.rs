//! README.txt of the data export: what each file holds, in the account's language.

use super::archive::SCHEMA_VERSION;
use app::i18n::{fill, Locale};

/// The README of an export of `email`'s account taken at `exported_at`.
pub fn text(locale: Locale, email: &str, exported_at: &str) -> String {
    let t = locale.messages();
    let files = [
        t.export_readme_profile,
        t.export_readme_addresses,
        t.export_readme_orders,
        t.export_readme_messages,
        t.export_readme_store,
    ]
    .map(|file| format!("- {file}"))
    .join("\n");
    let mut text = [
        t.export_readme_title.to_string(),
        fill(t.export_readme_intro, &[("email", &email), ("time", &exported_at)]).text,
        fill(t.export_readme_json, &[("version", &SCHEMA_VERSION)]).text,
        format!("{}\n{files}", t.export_readme_csv),
        t.export_readme_formats.to_string(),
    ]
    .join("\n\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_names_every_file_in_the_account_language() {
        let english = text(Locale::En, "a@example.test", "2026-12-02T07:41:10Z");
        let finnish = text(Locale::Fi, "a@example.test", "2026-12-02T07:41:10Z");
        for readme in [&english, &finnish] {
            assert!(readme.contains("a@example.test") && readme.contains("2026-12-02T07:41:10Z"), "{readme}");
            for file in crate::export::sets::CSV_FILES {
                assert!(readme.contains(&format!("{}.csv", file.name)), "{} missing from {readme}", file.name);
            }
        }
        assert!(english.starts_with("Your AliExpress data"), "{english}");
        assert!(finnish.starts_with("AliExpress-tietosi"), "{finnish}");
    }
}
