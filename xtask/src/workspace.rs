//! Where things are: the workspace root, Cargo's target directory, and what cargo-leptos builds.

use crate::process;
use anyhow::{anyhow, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Workspace {
    pub root: PathBuf,
    /// Cargo's target directory (`CARGO_TARGET_DIR` if set).
    pub target_dir: PathBuf,
    pub leptos: LeptosOutput,
}

/// What `cargo leptos build --release` produces, and what the server needs to be told about it.
pub struct LeptosOutput {
    pub server_binary: PathBuf,
    pub site_root: PathBuf,
    pub site_pkg_dir: String,
    pub output_name: String,
}

impl Workspace {
    pub fn load() -> Result<Self> {
        // The xtask's own manifest sits one level below the workspace root.
        let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let json = process::output(
            cargo().args(["metadata", "--format-version", "1", "--no-deps"]).current_dir(xtask_dir),
            "fix the Cargo.toml it names",
        )?;
        let metadata: Value = serde_json::from_str(&json)
            .context("cargo metadata printed invalid JSON — update Rust with `rustup update`")?;
        let root = PathBuf::from(json_str(&metadata, "workspace_root")?);
        // Honours CARGO_TARGET_DIR (CI keeps it outside the clone to stay warm).
        let target_dir = PathBuf::from(json_str(&metadata, "target_directory")?);
        let leptos = metadata
            .pointer("/metadata/leptos/0")
            .ok_or_else(|| anyhow!("the root Cargo.toml has no [[workspace.metadata.leptos]] table — add it back: cargo-leptos builds from it (docs/operations.md, \"Toolchain\")"))?;
        let leptos = LeptosOutput::from_metadata(leptos, &root, &target_dir)?;
        Ok(Workspace { root, target_dir, leptos })
    }

    /// Local state of `cargo xtask run` (git-ignored): the database cluster and secrets.
    pub fn data_dir(&self) -> PathBuf {
        self.root.join(".data")
    }
}

impl LeptosOutput {
    /// Mirrors cargo-leptos 0.3's rules for its `[[workspace.metadata.leptos]]` keys.
    fn from_metadata(config: &Value, root: &Path, target_dir: &Path) -> Result<Self> {
        let key = |name: &str, default: &str| config.get(name).and_then(Value::as_str).unwrap_or(default).to_owned();
        let bin_package = key("bin-package", "");
        if bin_package.is_empty() {
            return Err(anyhow!(
                "[[workspace.metadata.leptos]] has no bin-package — set it to the server crate's name"
            ));
        }
        let name = key("name", &bin_package);
        Ok(LeptosOutput {
            server_binary: target_dir.join("release").join(&bin_package),
            site_root: site_root(&key("site-root", "CARGO_TARGET_DIR/site"), root, target_dir),
            site_pkg_dir: key("site-pkg-dir", "pkg"),
            output_name: key("output-name", &name),
        })
    }
}

/// cargo-leptos replaces a leading `CARGO_TARGET_DIR` (or `CARGO_BUILD_TARGET_DIR`) with the
/// target directory; any other relative site-root is relative to the workspace root, even when
/// CARGO_TARGET_DIR points elsewhere.
fn site_root(configured: &str, root: &Path, target_dir: &Path) -> PathBuf {
    let configured = Path::new(configured);
    for marker in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"] {
        if let Ok(rest) = configured.strip_prefix(marker) {
            return target_dir.join(rest);
        }
    }
    root.join(configured)
}

fn json_str<'a>(value: &'a Value, key: &str) -> Result<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("cargo metadata has no `{key}` — update Rust with `rustup update`"))
}

/// The cargo that runs us (same toolchain), or the one on PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_root_is_relative_to_the_workspace_unless_it_names_the_target_dir() {
        let root = Path::new("/ws");
        let target = Path::new("/cache/target");
        assert_eq!(site_root("target/site", root, target), Path::new("/ws/target/site"));
        assert_eq!(site_root("CARGO_TARGET_DIR/site", root, target), Path::new("/cache/target/site"));
        assert_eq!(site_root("CARGO_BUILD_TARGET_DIR/site", root, target), Path::new("/cache/target/site"));
    }

    #[test]
    fn leptos_output_follows_the_metadata() {
        let config = serde_json::json!({
            "name": "deactivate",
            "bin-package": "server",
            "site-root": "target/site",
        });
        let output = LeptosOutput::from_metadata(&config, Path::new("/ws"), Path::new("/t")).unwrap();
        assert_eq!(output.server_binary, Path::new("/t/release/server"));
        assert_eq!(output.site_root, Path::new("/ws/target/site"));
        assert_eq!(output.site_pkg_dir, "pkg");
        assert_eq!(output.output_name, "deactivate");
    }
}
