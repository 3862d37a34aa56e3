//! Brotli and gzip copies of the site's JS, WASM and CSS beside them, made once per build, so
//! the server sends compressed bytes (tower-http's `ServeDir::precompressed_br/_gzip`) without
//! compressing on every request.

use crate::process;
use anyhow::{anyhow, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPRESSED: [&str; 3] = ["js", "wasm", "css"];

pub fn precompress(pkg_dir: &Path) -> Result<()> {
    for file in compressible(pkg_dir)? {
        for (suffix, command) in [("br", brotli(&file)), ("gz", gzip(&file))] {
            let copy = PathBuf::from(format!("{}.{suffix}", file.display()));
            if is_newer(&copy, &file) {
                continue;
            }
            let mut command = command;
            process::run(&mut command, "install brotli and gzip (Debian packages)")?;
        }
    }
    Ok(())
}

fn compressible(pkg_dir: &Path) -> Result<Vec<PathBuf>> {
    let entries =
        fs::read_dir(pkg_dir).map_err(|e| anyhow!("cannot read {}: {e} — build the site first", pkg_dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSED.contains(&e)))
        .collect();
    files.sort();
    Ok(files)
}

fn brotli(file: &Path) -> Command {
    let mut cmd = Command::new("brotli");
    cmd.args(["--force", "--quality=11", "--keep"]).arg(file);
    cmd
}

fn gzip(file: &Path) -> Command {
    let mut cmd = Command::new("gzip");
    cmd.args(["--force", "--best", "--keep", "--no-name"]).arg(file);
    cmd
}

/// Whether `copy` exists and was written after `source` last changed.
fn is_newer(copy: &Path, source: &Path) -> bool {
    let modified = |path: &Path| fs::metadata(path).and_then(|m| m.modified()).ok();
    matches!((modified(copy), modified(source)), (Some(copy), Some(source)) if copy >= source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_code_and_styles_are_compressed() {
        let dir = std::env::temp_dir().join(format!("precompress-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for name in ["app.js", "app.wasm", "app.css", "app.d.ts", "app.wasm.br"] {
            fs::write(dir.join(name), b"x").unwrap();
        }
        let names: Vec<String> =
            compressible(&dir).unwrap().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(names, ["app.css", "app.js", "app.wasm"]);
    }
}
