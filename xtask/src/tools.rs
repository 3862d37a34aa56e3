//! Installs what the build and the tests need when it is missing, one line saying what and why.
//! Versions are pinned where a mismatch breaks the build (docs/operations.md, "Toolchain"); nothing prompts.

use crate::process::{self, is_root};
use crate::workspace::{cargo, Workspace};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

/// 0.3.11 needs rustc 1.96; 0.3.10 with `no_downloads` finds the other tools on PATH.
const CARGO_LEPTOS_VERSION: &str = "0.3.10";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const OHA_VERSION: &str = "1.16.0";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Run,
    Test,
    Bench,
}

pub fn prepare(ws: &Workspace, purpose: Purpose) -> Result<()> {
    put_tools_on_path(ws)?;
    ensure_wasm_target()?;
    ensure_cargo_leptos()?;
    ensure_wasm_bindgen(ws)?;
    ensure_npm_tools(ws)?;
    if matches!(purpose, Purpose::Test | Purpose::Bench) {
        ensure_chromium()?;
        ensure_playwright_packages(ws)?;
    }
    if purpose == Purpose::Test {
        ensure_schemathesis(ws)?;
    }
    if purpose == Purpose::Bench {
        ensure_oha()?;
        ensure_nginx()?;
    }
    Ok(())
}

/// Every child process (cargo-leptos above all) finds our tools first: the npm ones in
/// `.tools/node` and whatever `cargo install` put in Cargo's bin folder.
fn put_tools_on_path(ws: &Workspace) -> Result<()> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .ok_or_else(|| anyhow!("neither CARGO_HOME nor HOME is set — set HOME"))?;
    let current: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
    let mut path = vec![npm_tools_dir(ws).join("node_modules/.bin")];
    path.extend(Some(cargo_home.join("bin")).filter(|bin| !current.contains(bin)));
    path.extend(current);
    let path: OsString = std::env::join_paths(path)
        .map_err(|e| anyhow!("cannot build PATH: {e} — remove the entry with a `:` from PATH"))?;
    // Set before any thread starts; children inherit it.
    std::env::set_var("PATH", path);
    Ok(())
}

fn ensure_wasm_target() -> Result<()> {
    let sysroot = process::probe(Command::new("rustc").args(["--print", "sysroot"]))
        .ok_or_else(|| anyhow!("`rustc --print sysroot` failed — install Rust with rustup"))?;
    if Path::new(&sysroot).join("lib/rustlib").join(WASM_TARGET).exists() {
        return Ok(());
    }
    println!("installing the Rust target {WASM_TARGET} (the browser half of the app compiles to it)");
    process::run(
        Command::new("rustup").args(["target", "add", WASM_TARGET]).stdin(Stdio::null()),
        "install rustup (https://rustup.rs) or add the target to your Rust toolchain",
    )
}

fn ensure_cargo_leptos() -> Result<()> {
    let found = process::probe(Command::new("cargo-leptos").arg("--version"));
    if last_word(found.as_deref()) == Some(CARGO_LEPTOS_VERSION) {
        return Ok(());
    }
    println!(
        "installing cargo-leptos {CARGO_LEPTOS_VERSION} (builds the server and the wasm app; {}; compiles from source, about 15 minutes)",
        found.map_or("not installed".to_owned(), |f| format!("found {f}"))
    );
    process::run(
        cargo()
            .args(["install", "cargo-leptos", "--locked", "--features", "no_downloads"])
            .arg(format!("--version=={CARGO_LEPTOS_VERSION}"))
            .stdin(Stdio::null()),
        "read cargo's message above; crates.io must be reachable",
    )
}

/// The CLI must be exactly the version of the `wasm-bindgen` crate the app links.
fn ensure_wasm_bindgen(ws: &Workspace) -> Result<()> {
    // Cargo resolves the wasm's dependencies (and writes Cargo.lock if it is missing).
    let metadata = process::output(
        cargo().args(["metadata", "--format-version", "1", "--filter-platform", WASM_TARGET]).current_dir(&ws.root),
        "crates.io must be reachable the first time",
    )?;
    let metadata: Value = serde_json::from_str(&metadata)
        .context("cargo metadata printed invalid JSON — update Rust with `rustup update`")?;
    let wanted = resolved_version(&metadata, "wasm-bindgen")?;
    let found = process::probe(Command::new("wasm-bindgen").arg("--version"));
    if last_word(found.as_deref()) == Some(wanted.as_str()) {
        return Ok(());
    }
    println!(
        "installing wasm-bindgen-cli {wanted} (must match the wasm-bindgen crate in Cargo.lock; {}; about 4 minutes)",
        found.map_or("not installed".to_owned(), |f| format!("found {f}"))
    );
    // No --locked: its own lock file does not build with current Rust (docs/operations.md, "Toolchain").
    process::run(
        cargo().args(["install", "wasm-bindgen-cli"]).arg(format!("--version=={wanted}")).stdin(Stdio::null()),
        "read cargo's message above; crates.io must be reachable",
    )
}

/// sass (dart-sass in JavaScript; Debian has none), wasm-opt and maildev (the local SMTP
/// server with a web inbox, `crate::mail`) come from npm, pinned by the committed
/// `xtask/tools/package-lock.json`. `npm ci` installs exactly that lock file, so every
/// machine gets the same versions; we redo it whenever the committed lock file changes.
fn ensure_npm_tools(ws: &Workspace) -> Result<()> {
    let pinned = ws.root.join("xtask/tools");
    let installed = npm_tools_dir(ws);
    let bin = installed.join("node_modules/.bin");
    let lock_now = fs::read(pinned.join("package-lock.json")).ok();
    let lock_installed = fs::read(installed.join("package-lock.json")).ok();
    let installed_all = ["sass", "wasm-opt", "maildev"].iter().all(|tool| bin.join(tool).exists());
    if installed_all && lock_now == lock_installed {
        return Ok(());
    }
    ensure_npm()?;
    println!("installing sass, wasm-opt and maildev into .tools/node (pinned in xtask/tools/package-lock.json; cargo-leptos compiles the styles and shrinks the wasm with the first two; maildev catches the app's emails under `run` and `test`)");
    fs::create_dir_all(&installed)
        .map_err(|e| anyhow!("cannot create {}: {e} — check the permissions of the workspace", installed.display()))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(pinned.join(file), installed.join(file)).map_err(|e| {
            anyhow!("cannot copy xtask/tools/{file} to .tools/node: {e} — restore it with `git checkout xtask/tools`")
        })?;
    }
    // Optional dependencies are sass's file watcher, a native module we never use.
    process::run(
        Command::new("npm")
            .args(["ci", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&installed)
            .stdin(Stdio::null()),
        "read npm's message above; the npm registry must be reachable",
    )
}

/// Schemathesis (PyPI) in a virtual environment of its own, `.tools/python`, with every package
/// pinned by the committed `xtask/tools/schemathesis-requirements.txt`; reinstalled whenever that
/// file changes, as the npm tools are.
fn ensure_schemathesis(ws: &Workspace) -> Result<()> {
    let pinned = ws.root.join("xtask/tools/schemathesis-requirements.txt");
    let venv = ws.root.join(".tools/python");
    let installed = venv.join("schemathesis-requirements.txt");
    if schemathesis(ws).exists() && fs::read(&pinned).ok() == fs::read(&installed).ok() {
        return Ok(());
    }
    if process::probe(Command::new("python3").args(["-c", "import venv, ensurepip"])).is_none() {
        apt_install("python3-venv", "Schemathesis is a Python package, installed into a virtual environment")?;
    }
    println!("installing Schemathesis into .tools/python (pinned in xtask/tools/schemathesis-requirements.txt; it fuzzes the OpenAPI description in cargo xtask test)");
    process::run(
        Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv).stdin(Stdio::null()),
        "python3 -m venv failed: install python3-venv",
    )?;
    process::run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "--no-deps", "-r"])
            .arg(&pinned)
            .stdin(Stdio::null()),
        "read pip's message above; PyPI must be reachable",
    )?;
    fs::copy(&pinned, &installed)
        .map(|_| ())
        .map_err(|e| anyhow!("cannot copy {} to {}: {e}", pinned.display(), installed.display()))
}

/// The Schemathesis command line `ensure_schemathesis` installs.
pub fn schemathesis(ws: &Workspace) -> PathBuf {
    ws.root.join(".tools/python/bin/st")
}

fn npm_tools_dir(ws: &Workspace) -> PathBuf {
    ws.root.join(".tools/node")
}

fn ensure_npm() -> Result<()> {
    if process::probe(Command::new("npm").arg("--version")).is_some() {
        return Ok(());
    }
    apt_install("npm", "sass, wasm-opt and Playwright are npm packages")
}

/// The benchmark's HTTP load generator, pinned: its JSON output is parsed.
fn ensure_oha() -> Result<()> {
    let installed = process::probe(Command::new("oha").arg("--version"));
    if last_word(installed.as_deref()) == Some(OHA_VERSION) {
        return Ok(());
    }
    println!(
        "installing oha {OHA_VERSION} (the benchmark's HTTP load generator; compiles from source, about 5 minutes)"
    );
    process::run(
        cargo().args(["install", "oha", "--locked", "--version", OHA_VERSION]).stdin(Stdio::null()),
        "read cargo's message above; crates.io must be reachable",
    )
}

fn ensure_nginx() -> Result<()> {
    if process::probe(Command::new("nginx").arg("-v")).is_some() || Path::new("/usr/sbin/nginx").exists() {
        return Ok(());
    }
    apt_install("nginx", "the benchmark compares the server with nginx sending the same bytes")
}

fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    apt_install("chromium", "the Playwright tests run in headless Chromium")
}

/// Playwright's packages, without its own browser download (that needs GitHub; we use Debian's),
/// for the repository's suite and for the example outside suite, each from its own lock file.
fn ensure_playwright_packages(ws: &Workspace) -> Result<()> {
    for suite in ["end2end", "examples/playwright-suite"] {
        let dir = ws.root.join(suite);
        let lock = dir.join("package-lock.json");
        let Ok(lock_changed) = fs::metadata(&lock).and_then(|m| m.modified()) else {
            bail!("{suite}/package-lock.json is missing — run `npm install` in {suite}/ and commit the lock file");
        };
        // npm ci writes this copy of the lock file last, so it dates the installation.
        let installed = fs::metadata(dir.join("node_modules/.package-lock.json")).and_then(|m| m.modified());
        if installed.is_ok_and(|installed| installed >= lock_changed) {
            continue;
        }
        ensure_npm()?;
        println!(
            "installing the Playwright test packages (npm ci in {suite}/; no browser download: the tests use {CHROMIUM})"
        );
        process::run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
                .stdin(Stdio::null()),
            "read npm's message above; the npm registry must be reachable",
        )?;
    }
    Ok(())
}

/// Installs a Debian package as root; otherwise tells the user the exact command.
pub fn apt_install(package: &str, why: &str) -> Result<()> {
    if !is_root() {
        bail!(
            "the Debian package `{package}` is missing ({why}) — install it with `sudo apt-get install -y {package}`"
        );
    }
    println!("installing the Debian package {package} ({why})");
    static UPDATED: AtomicBool = AtomicBool::new(false);
    let apt_get = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive").stdin(Stdio::null());
        cmd
    };
    if !UPDATED.swap(true, Ordering::SeqCst) {
        process::run(&mut apt_get(&["update", "-q"]), "check the network and /etc/apt/sources.list")?;
    }
    process::run(
        &mut apt_get(&["install", "-y", "-q", package]),
        &format!("read apt's message above, or install `{package}` yourself"),
    )
}

/// The version in `cargo-leptos 0.3.10`-style output.
fn last_word(output: Option<&str>) -> Option<&str> {
    output?.split_whitespace().last()
}

/// The one version of `package` that `cargo metadata` resolved.
fn resolved_version(metadata: &Value, package: &str) -> Result<String> {
    let packages = metadata["packages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let versions: Vec<&str> =
        packages.iter().filter(|p| p["name"] == package).filter_map(|p| p["version"].as_str()).collect();
    match versions.as_slice() {
        [version] => Ok((*version).to_owned()),
        [] => Err(anyhow!("Cargo.lock has no `{package}` package — add it to the app (`{package}.workspace = true`) and build once")),
        several => Err(anyhow!(
            "Cargo.lock has several `{package}` versions ({}) — pin one with `{package} = \"=<version>\"` in the root Cargo.toml and run `cargo update -p {package}`",
            several.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(packages: &[(&str, &str)]) -> Value {
        let packages: Vec<Value> =
            packages.iter().map(|(name, version)| serde_json::json!({ "name": name, "version": version })).collect();
        serde_json::json!({ "packages": packages, "workspace_root": "/w" })
    }

    #[test]
    fn the_wasm_bindgen_version_comes_from_its_own_package() {
        let resolved = metadata(&[("wasm-bindgen", "0.2.130"), ("wasm-bindgen-macro", "0.2.131")]);
        assert_eq!(resolved_version(&resolved, "wasm-bindgen").unwrap(), "0.2.130");
        assert_eq!(resolved_version(&resolved, "wasm-bindgen-macro").unwrap(), "0.2.131");
    }

    #[test]
    fn a_missing_or_ambiguous_package_is_an_error() {
        let resolved = metadata(&[("wasm-bindgen", "0.2.130"), ("wasm-bindgen", "0.2.99")]);
        assert!(resolved_version(&resolved, "leptos").is_err());
        let message = resolved_version(&resolved, "wasm-bindgen").unwrap_err().to_string();
        assert!(message.contains("0.2.130, 0.2.99"), "{message}");
    }

    #[test]
    fn the_workspace_resolves_one_wasm_bindgen_for_the_wasm() {
        let output = std::process::Command::new(env!("CARGO"))
            .args(["metadata", "--format-version", "1", "--locked", "--filter-platform", WASM_TARGET])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let resolved: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(resolved_version(&resolved, "wasm-bindgen").is_ok());
    }

    #[test]
    fn versions_are_the_last_word_of_version_output() {
        assert_eq!(last_word(Some("cargo-leptos 0.3.10\n")), Some("0.3.10"));
        assert_eq!(last_word(Some("wasm-bindgen 0.2.130")), Some("0.2.130"));
        assert_eq!(last_word(None), None);
    }
}
