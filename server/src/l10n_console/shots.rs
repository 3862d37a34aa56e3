//! The key-linked screenshots of the last test run, read from the configured directory
//! (`APP_L10N_SCREENSHOTS`, `end2end/screenshots` under `cargo xtask run` and `test`): the boxes
//! `end2end/tests/screenshots.spec.ts` writes for each width and locale
//! (`keys/<width>-<locale>.json`, a list of `{key, picture, box}`), read on every request, so
//! the console shows the pictures of a run still under way. (`keys.json`, the same boxes joined by
//! `cargo xtask test` after Playwright, is for people and other tools.)

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

/// A box in a picture's pixels (an element partly off the page starts left of or above it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PixelBox {
    pub x: i64,
    pub y: i64,
    pub width: u32,
    pub height: u32,
}

/// Where a key shows: a picture (its path under the directory, `1280/en/account.png`) and a box.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Shot {
    pub key: String,
    pub picture: String,
    #[serde(rename = "box")]
    pub area: PixelBox,
}

impl Shot {
    /// The locale of the picture: its second folder (`1280/en/…`).
    pub fn locale(&self) -> Option<&str> {
        self.picture.split('/').nth(1)
    }

    /// The page or state the picture shows: its file name without `.png` (`account-settings`).
    pub fn page(&self) -> &str {
        let name = self.picture.rsplit('/').next().unwrap_or_default();
        name.strip_suffix(".png").unwrap_or(name)
    }

    fn width(&self) -> u32 {
        self.picture.split('/').next().and_then(|w| w.parse().ok()).unwrap_or(0)
    }
}

#[derive(Debug, Default)]
pub struct Shots {
    dir: Option<PathBuf>,
    by_key: BTreeMap<String, Vec<Shot>>,
}

impl Shots {
    /// Everything under `dir/keys/` (nothing when no directory is configured or nothing is
    /// there yet; a part that is not a list, or an entry that is not a box, is left out).
    pub fn read(dir: Option<&Path>) -> Shots {
        let Some(dir) = dir else { return Shots::default() };
        let mut parts: Vec<PathBuf> = fs::read_dir(dir.join("keys"))
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        parts.sort();
        let mut by_key: BTreeMap<String, Vec<Shot>> = BTreeMap::new();
        for part in parts.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
            let Ok(Ok(entries)) = fs::read(part).map(|bytes| serde_json::from_slice::<Vec<serde_json::Value>>(&bytes))
            else {
                continue;
            };
            for shot in entries.into_iter().filter_map(|entry| serde_json::from_value::<Shot>(entry).ok()) {
                by_key.entry(shot.key.clone()).or_default().push(shot);
            }
        }
        Shots { dir: Some(dir.to_owned()), by_key }
    }

    pub fn of(&self, key: &str) -> &[Shot] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    /// The one picture of `key` shown for `locale`: the widest, then the first by name.
    pub fn best(&self, key: &str, locale: &str) -> Option<&Shot> {
        self.of(key)
            .iter()
            .filter(|shot| shot.locale() == Some(locale))
            .min_by(|a, b| b.width().cmp(&a.width()).then_with(|| a.picture.cmp(&b.picture)))
    }

    /// Every page or state some picture shows, sorted.
    pub fn pages(&self) -> BTreeSet<&str> {
        self.by_key.values().flatten().map(Shot::page).collect()
    }

    /// The file of a picture the index names (and only of one: nothing else in or out of the
    /// directory is served).
    pub fn file(&self, picture: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let relative = Path::new(picture);
        let plain = relative.components().all(|c| matches!(c, Component::Normal(_)));
        let named = self.by_key.values().flatten().any(|shot| shot.picture == picture);
        (plain && named && picture.ends_with(".png")).then(|| dir.join(relative))
    }

    /// A picture's size in pixels, from its PNG header (`IHDR`: width and height follow the
    /// 8-byte signature and the chunk's length and type).
    pub fn size(&self, picture: &str) -> Option<(u32, u32)> {
        use std::io::Read;
        let mut header = [0u8; 24];
        fs::File::open(self.file(picture)?).ok()?.read_exact(&mut header).ok()?;
        let signature_and_ihdr = header.starts_with(b"\x89PNG\r\n\x1a\n") && &header[12..16] == b"IHDR";
        let number = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().expect("four bytes"));
        signature_and_ihdr.then(|| (number(16), number(20)))
    }
}
