//! `cargo xtask l10n`: exchange with translators. `export <locale> [<file>]` writes
//! `locales/<locale>.json` as XLIFF 2.0 (`<locale>.xlf` here unless a file is named), which any
//! translation tool opens; `import <file>` writes the translated file back into
//! `locales/<locale>.json`, or refuses it with one line per problem and changes nothing.
//! `cargo build` then runs the translation checks of `app/build/lint.rs` on the result.
//! `shots` indexes the key-linked screenshots already taken (a hand run of
//! `end2end/tests/screenshots.spec.ts`) and prints their coverage, as `cargo xtask test` does.

mod shots;
mod xliff;

use crate::summary::Counts;
use crate::workspace::Workspace;
use anyhow::{anyhow, bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn l10n(args: &[String]) -> Result<ExitCode> {
    let ws = Workspace::load()?;
    match args {
        [command, tag] if command == "export" => export(&ws, tag, &PathBuf::from(format!("{tag}.xlf"))),
        [command, tag, file] if command == "export" => export(&ws, tag, Path::new(file)),
        [command, file] if command == "import" => import(&ws, Path::new(file)),
        [command] if command == "shots" => {
            Ok(if screenshot_coverage(&ws)?.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        _ => bail!(
            "`l10n {}` is not an l10n command — use `cargo xtask l10n export fi`, `cargo xtask l10n import fi.xlf` or `cargo xtask l10n shots`",
            args.join(" ")
        ),
    }
}

/// Where `end2end/tests/screenshots.spec.ts` puts its pictures and their key boxes; the
/// testers' console shows them (`APP_L10N_SCREENSHOTS`).
pub const SCREENSHOTS: &str = "end2end/screenshots";

/// Before Playwright: the key boxes of an earlier run must not count.
pub fn forget_screenshot_keys(ws: &Workspace) {
    let _ = fs::remove_dir_all(ws.root.join(SCREENSHOTS).join("keys"));
}

/// After Playwright: joins the key boxes into `end2end/screenshots/keys.json` and prints the
/// share of message keys seen, naming each key never seen; fails when no picture was indexed.
pub fn screenshot_coverage(ws: &Workspace) -> Result<Counts> {
    let dir = locales_dir(ws);
    let english = read_table(&dir.join("en.json"))?;
    let meta = read_meta(&dir)?;
    let coverage = shots::index(&ws.root.join(SCREENSHOTS), &english, &meta)?;
    println!("{}", coverage.report());
    Ok(Counts::of_check(coverage.passed()))
}

fn locales_dir(ws: &Workspace) -> PathBuf {
    ws.root.join("locales")
}

/// The locales with a file in `locales/` (`en`, `fi`).
fn known_locales(ws: &Workspace) -> Result<Vec<String>> {
    let mut tags: Vec<String> = fs::read_dir(locales_dir(ws))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
        .filter(|tag| !tag.contains('.'))
        .collect();
    tags.sort();
    Ok(tags)
}

fn read_table(path: &Path) -> Result<xliff::Table> {
    let text = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON object of messages — fix it first", path.display()))
}

fn read_meta(locales: &Path) -> Result<serde_json::Value> {
    let path = locales.join("en.meta.json");
    let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON — fix it first", path.display()))
}

fn export(ws: &Workspace, tag: &str, out: &Path) -> Result<ExitCode> {
    let known = known_locales(ws)?;
    if !known.iter().any(|k| k == tag) {
        bail!("there is no locales/{tag}.json — export one of: {}", known.join(", "));
    }
    let dir = locales_dir(ws);
    let english = read_table(&dir.join("en.json"))?;
    let target = read_table(&dir.join(format!("{tag}.json")))?;
    let meta = read_meta(&dir)?;
    fs::write(out, xliff::export(tag, &english, &target, &meta)).map_err(|e| {
        anyhow!("cannot write {}: {e} — name a writable file: `cargo xtask l10n export {tag} <file>`", out.display())
    })?;
    println!(
        "wrote {} (XLIFF 2.0, English to {tag}); send it to the translator, then `cargo xtask l10n import {}`",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn import(ws: &Workspace, file: &Path) -> Result<ExitCode> {
    let text = fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let english = read_table(&locales_dir(ws).join("en.json"))?;
    let imported = match xliff::import(&file.display().to_string(), &text, &english) {
        Ok(imported) => imported,
        Err(problems) => {
            eprintln!("{} problem(s); locales/ is unchanged:", problems.len());
            for problem in problems {
                eprintln!("{problem}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let known = known_locales(ws)?;
    if !known.contains(&imported.tag) {
        bail!(
            "{} is for `{}`, which has no locales/{}.json — the locales are {}",
            file.display(),
            imported.tag,
            imported.tag,
            known.join(", ")
        );
    }
    let path = locales_dir(ws).join(format!("{}.json", imported.tag));
    fs::write(&path, xliff::to_json(&imported.table)).with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}; `cargo build` checks the translations (app/build/lint.rs)", path.display());
    Ok(ExitCode::SUCCESS)
}
