//! The testers' console (issue 16, point 3): `/{locale}/_l10n` lists every message key with its
//! English and Finnish text, its description, each translation check's result and its
//! screenshots cropped to its box, one per language side by side; a GET form filters by page,
//! by failing check and by text. Served only where the pseudo-locales are
//! (`APP_PSEUDO_LOCALES=1`; otherwise the address is the app's 404), rendered here on the server
//! and never hydrated, so none of it reaches the wasm (decision 0038). Also serves the
//! screenshots it crops and the problem report's script (decision 0039).

mod catalogue;
#[path = "../../../app/build/lint.rs"]
#[allow(dead_code)] // shared with the build and its tests, which use the rest
mod lint;
mod page;
pub mod shots;

pub use catalogue::{Catalogue, Entry};
pub use lint::Check;

use crate::startup::AppState;
use app::i18n::Locale;
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use std::{collections::HashMap, path::PathBuf, sync::Arc, sync::LazyLock};

/// Where the screenshots of the last test run are (`APP_L10N_SCREENSHOTS`), if anywhere.
#[derive(Clone, Default)]
pub struct ScreenshotDir(pub Option<Arc<PathBuf>>);

/// The console's address under a locale.
pub const PATH: &str = "_l10n";
/// The problem report's script (`app::REPORT_SCRIPT`), outside the locales.
pub const REPORT_SCRIPT: &str = include_str!("report.js");
const STYLESHEET: &str = include_str!("console.css");

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::built_in);

/// The console's routes, for a server that serves the pseudo-locales.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{lang}/_l10n", get(console))
        .route("/{lang}/_l10n/console.css", get(stylesheet))
        .route("/{lang}/_l10n/shots/{*picture}", get(picture))
        .route("/{lang}/_l10n/shots.json", get(key_shots))
        .route(app::REPORT_SCRIPT, get(report_script))
}

/// What the filter form asks for; anything else in the address is ignored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Filter {
    pub page: Option<String>,
    pub check: Option<Check>,
    pub text: Option<String>,
}

impl Filter {
    /// From the form's fields (`page`, `check`, `q`): empty means no limit; a check that does
    /// not exist is no limit either.
    pub fn from_query(query: &HashMap<String, String>) -> Filter {
        let given = |name: &str| query.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Filter { page: given("page"), check: given("check").and_then(|name| Check::from_name(&name)), text: given("q") }
    }

    /// Whether `entry` passes the filter; its screenshots decide the page.
    pub fn keeps(&self, entry: &Entry, shots: &shots::Shots) -> bool {
        let on_page = self.page.as_deref().is_none_or(|page| shots.of(&entry.key).iter().any(|s| s.page() == page));
        let failing = self.check.is_none_or(|check| entry.fails(check));
        let matching = self.text.as_deref().is_none_or(|text| {
            let text = text.to_lowercase();
            [&entry.key, &entry.english, &entry.finnish].iter().any(|field| field.to_lowercase().contains(&text))
        });
        on_page && failing && matching
    }
}

fn locale_of(lang: &str) -> Option<Locale> {
    Locale::from_path_segment(lang)
}

async fn console(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(locale) = locale_of(&lang) else { return StatusCode::NOT_FOUND.into_response() };
    let filter = query.map(|Query(q)| Filter::from_query(&q)).unwrap_or_default();
    let shots = shots::Shots::read(state.l10n_screenshots.0.as_deref().map(PathBuf::as_path));
    Html(page::render(locale, &CATALOGUE, &shots, &filter)).into_response()
}

async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLESHEET).into_response()
}

async fn report_script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], REPORT_SCRIPT).into_response()
}

/// A picture the index names, from the screenshots' directory.
async fn picture(State(state): State<AppState>, Path((lang, picture)): Path<(String, String)>) -> Response {
    let shots = shots::Shots::read(state.l10n_screenshots.0.as_deref().map(PathBuf::as_path));
    let file = locale_of(&lang).and_then(|_| shots.file(&picture));
    match file.map(std::fs::read) {
        Some(Ok(bytes)) => {
            ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-cache")], bytes).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `?key=…`: the key's best picture in each pictured locale, with its box and address, for the
/// problem report (`report.js` crops it in the browser).
async fn key_shots(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(locale) = locale_of(&lang) else { return StatusCode::NOT_FOUND.into_response() };
    let key = query.ok().and_then(|Query(q)| q.get("key").cloned()).unwrap_or_default();
    let shots = shots::Shots::read(state.l10n_screenshots.0.as_deref().map(PathBuf::as_path));
    let found: Vec<serde_json::Value> = page::PICTURED
        .iter()
        .filter_map(|pictured| shots.best(&key, pictured.tag()))
        .map(|shot| {
            serde_json::json!({
                "locale": shot.locale(),
                "picture": shot.picture,
                "url": format!("/{}/{PATH}/shots/{}", locale.tag(), shot.picture),
                "box": { "x": shot.area.x, "y": shot.area.y, "width": shot.area.width, "height": shot.area.height },
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "key": key, "shots": found })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `save` is too long in Finnish; `hello` lost its placeholder there.
    fn broken() -> Catalogue {
        Catalogue::from_files(
            r#"{"save": "Save", "hello": "Hi, {name}", "bye": "Bye"}"#,
            r#"{"save": "Tallenna kaikki muutokset nyt", "hello": "Hei", "bye": "Hei hei"}"#,
            r#"{"save": {"what": "a button", "where": "a form", "max_length": 10},
                "hello": {"what": "a greeting", "where": "the header", "placeholders": {"name": "a name"}},
                "bye": {"what": "a farewell", "where": "the goodbye page"}}"#,
        )
    }

    fn filter(pairs: &[(&str, &str)]) -> Filter {
        Filter::from_query(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn kept(catalogue: &Catalogue, filter: &Filter) -> Vec<String> {
        let shots = shots::Shots::default();
        catalogue.entries.iter().filter(|e| filter.keeps(e, &shots)).map(|e| e.key.clone()).collect()
    }

    #[test]
    fn the_filter_keeps_the_keys_a_check_fails_or_a_text_matches() {
        let catalogue = broken();
        assert_eq!(kept(&catalogue, &filter(&[("check", "length")])), ["save"]);
        assert_eq!(kept(&catalogue, &filter(&[("check", "placeholders")])), ["hello"]);
        assert!(kept(&catalogue, &filter(&[("check", "typography")])).is_empty());
        assert_eq!(kept(&catalogue, &filter(&[("q", "HEI")])), ["bye", "hello"], "Finnish text, any case");
        assert_eq!(kept(&catalogue, &filter(&[("q", "sav")])), ["save"], "a part of a key");
        assert_eq!(kept(&catalogue, &filter(&[("check", "nonsense"), ("q", " ")])).len(), 3, "no limit");
        assert!(kept(&catalogue, &filter(&[("page", "home")])).is_empty(), "no picture shows any");
    }

    #[test]
    fn a_failing_check_shows_its_problem_beside_the_key() {
        let html = page::render(Locale::Fi, &broken(), &shots::Shots::default(), &filter(&[("check", "length")]));
        let save = html.split("id=\"key-save\"").nth(1).expect("`save` is listed");
        let failed: Vec<&str> = save.split("<li").filter(|item| item.contains("l10n-check-failed")).collect();
        assert_eq!(failed.len(), 1, "{save}");
        assert!(failed[0].contains("data-check=\"length\""), "{save}");
        assert!(save.contains("29 characters, the layout has room for 10"), "{save}");
        assert!(!html.contains("id=\"key-hello\""), "the filter leaves out what passes the length check");
        assert!(html.contains("<html lang=\"fi\"") && html.contains(app::i18n::FI_KEYED.l10n_console_title.text));
    }
}
