//! The console's HTML, rendered once on the server with Leptos' `view!` (never hydrated: it
//! needs no script, and its filter is a GET form). Its texts are the app's messages, with their
//! keys as on every page served to testers; descriptions and the checks' problems are the
//! translators' English, marked `lang="en"`.

use super::{catalogue::Catalogue, lint::Check, shots::Shots, Entry, Filter};
use app::{
    format,
    i18n::{fill, Locale, Messages},
    message::Text,
};
use leptos::prelude::*;

/// The widest a crop is drawn, in CSS pixels (a wider box is scaled down).
const CROP_WIDTH: u32 = 480;
/// The locales the screenshot run pictures, side by side.
pub const PICTURED: [Locale; 2] = [Locale::En, Locale::Fi];

fn check_name(t: &'static Messages, check: Check) -> Text {
    match check {
        Check::Keys => t.l10n_console_check_keys,
        Check::Placeholders => t.l10n_console_check_placeholders,
        Check::Translated => t.l10n_console_check_translated,
        Check::Typography => t.l10n_console_check_typography,
        Check::Length => t.l10n_console_check_length,
        Check::Description => t.l10n_console_check_description,
    }
}

/// The whole document for `locale`, with the entries `filter` keeps.
pub fn render(locale: Locale, catalogue: &Catalogue, shots: &Shots, filter: &Filter) -> String {
    let t = locale.keyed_messages();
    let kept: Vec<&Entry> = catalogue.entries.iter().filter(|entry| filter.keeps(entry, shots)).collect();
    let count = fill(
        t.l10n_console_count.select(kept.len() as i64),
        &[
            ("count", &format::number(kept.len() as i64, locale)),
            ("total", &format::number(catalogue.entries.len() as i64, locale)),
        ],
    );
    let pages: Vec<String> = shots.pages().into_iter().map(str::to_owned).collect();
    let page_options = pages
        .into_iter()
        .map(|page| {
            let selected = filter.page.as_deref() == Some(page.as_str());
            view! { <option value=page.clone() selected=selected translate="no">{page.clone()}</option> }
        })
        .collect_view();
    let check_options = Check::ALL
        .into_iter()
        .map(|check| {
            let name = check_name(t, check);
            view! {
                <option value=check.name() selected=filter.check == Some(check) data-l10n-key=name.key>
                    {name.text}
                </option>
            }
        })
        .collect_view();
    let list = if kept.is_empty() {
        view! { <p>{t.l10n_console_none}</p> }.into_any()
    } else {
        let items = kept.into_iter().map(|entry| entry_view(locale, t, entry, shots)).collect_view();
        view! { <ul class="l10n-keys">{items}</ul> }.into_any()
    };
    let stylesheet = format!("/{}/{}/console.css", locale.tag(), super::PATH);
    let body = view! {
        <html lang=locale.tag() dir=locale.direction()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <title>{t.l10n_console_title.text}</title>
                <link rel="stylesheet" href=stylesheet/>
            </head>
            <body class="l10n-console">
                <main>
                    <h1>{t.l10n_console_title}</h1>
                    <p>{t.l10n_console_lead}</p>
                    <p>{t.l10n_console_report_hint}</p>
                    <form method="get" class="l10n-filter" role="search" aria-labelledby="l10n-filter-title">
                        <h2 id="l10n-filter-title">{t.l10n_console_filter_title}</h2>
                        <p>
                            <label for="l10n-page">{t.l10n_console_filter_page}</label>
                            <select id="l10n-page" name="page">
                                <option value="" data-l10n-key=t.l10n_console_filter_all_pages.key>
                                    {t.l10n_console_filter_all_pages.text}
                                </option>
                                {page_options}
                            </select>
                        </p>
                        <p>
                            <label for="l10n-check">{t.l10n_console_filter_check}</label>
                            <select id="l10n-check" name="check">
                                <option value="" data-l10n-key=t.l10n_console_filter_any_check.key>
                                    {t.l10n_console_filter_any_check.text}
                                </option>
                                {check_options}
                            </select>
                        </p>
                        <p>
                            <label for="l10n-text">{t.l10n_console_filter_text}</label>
                            <input id="l10n-text" name="q" type="search" value=filter.text.clone().unwrap_or_default()/>
                        </p>
                        <p>
                            <button type="submit">{t.l10n_console_filter_apply}</button>
                        </p>
                    </form>
                    <p class="l10n-count" role="status">{count}</p>
                    {list}
                </main>
            </body>
        </html>
    };
    format!("<!DOCTYPE html>{}", body.to_html())
}

fn entry_view(locale: Locale, t: &'static Messages, entry: &Entry, shots: &Shots) -> impl IntoView {
    let heading = format!("l10n-key-{}", entry.key);
    let labelled_by = heading.clone();
    let placeholders = if entry.placeholders.is_empty() {
        view! { {t.l10n_console_no_placeholders} }.into_any()
    } else {
        let items = entry
            .placeholders
            .iter()
            .map(|(name, holds)| {
                view! {
                    <li>
                        <code translate="no">{format!("{{{name}}}")}</code>
                        " "
                        <span lang="en">{holds.clone()}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul>{items}</ul> }.into_any()
    };
    let limit = match entry.max_length {
        Some(max) => {
            fill(t.l10n_console_characters.select(max as i64), &[("count", &format::number(max as i64, locale))])
                .into_any()
        }
        None => t.l10n_console_no_limit.into_any(),
    };
    let checks = entry
        .checks
        .iter()
        .map(|(check, problems)| {
            let result = if problems.is_empty() { t.l10n_console_check_passed } else { t.l10n_console_check_failed };
            let state = if problems.is_empty() { "passed" } else { "failed" };
            let details = problems.iter().map(|p| view! { <li lang="en">{p.clone()}</li> }).collect_view();
            view! {
                <li class=format!("l10n-check l10n-check-{state}") data-check=check.name()>
                    {check_name(t, *check)}
                    ": "
                    <strong>{result}</strong>
                    {(!problems.is_empty()).then(|| view! { <ul>{details}</ul> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <li>
            <article class="l10n-key" aria-labelledby=labelled_by id=format!("key-{}", entry.key)>
                <h2 id=heading>
                    <code translate="no">{entry.key.clone()}</code>
                </h2>
                <dl>
                    <dt>{t.l10n_console_text_en}</dt>
                    <dd lang="en" translate="no">{entry.english.clone()}</dd>
                    <dt>{t.l10n_console_text_fi}</dt>
                    <dd lang="fi" translate="no">{entry.finnish.clone()}</dd>
                    <dt>{t.l10n_console_what}</dt>
                    <dd lang="en">{entry.what.clone()}</dd>
                    <dt>{t.l10n_console_where}</dt>
                    <dd lang="en">{entry.where_shown.clone()}</dd>
                    <dt>{t.l10n_console_placeholders}</dt>
                    <dd>{placeholders}</dd>
                    <dt>{t.l10n_console_max_length}</dt>
                    <dd>{limit}</dd>
                    <dt>{t.l10n_console_checks}</dt>
                    <dd>
                        <ul class="l10n-checks">{checks}</ul>
                    </dd>
                    <dt>{t.l10n_console_screenshots}</dt>
                    <dd>{screenshots(locale, t, entry, shots)}</dd>
                </dl>
            </article>
        </li>
    }
}

/// The key's best picture in each pictured locale, cropped to its box by the SVG's `viewBox`
/// (the browser draws only that part; decision 0038); or why there is none.
fn screenshots(locale: Locale, t: &'static Messages, entry: &Entry, shots: &Shots) -> AnyView {
    let found: Vec<_> = PICTURED
        .into_iter()
        .filter_map(|pictured| {
            let shot = shots.best(&entry.key, pictured.tag())?;
            let (width, height) = shots.size(&shot.picture)?;
            Some((pictured, shot, width, height))
        })
        .collect();
    if found.is_empty() {
        let why = match (&entry.not_on_a_page, &entry.no_screenshot) {
            (Some(used), _) => fill(t.l10n_console_not_on_a_page, &[("used", used)]).into_any(),
            (None, Some(why)) => {
                view! { {t.l10n_console_no_screenshot} " " <span lang="en">{why.clone()}</span> }.into_any()
            }
            (None, None) => t.l10n_console_no_screenshot.into_any(),
        };
        return view! { <p class="l10n-no-shot">{why}</p> }.into_any();
    }
    let figures = found
        .into_iter()
        .map(|(pictured, shot, width, height)| {
            let area = shot.area;
            let shown_width = area.width.clamp(1, CROP_WIDTH);
            let shown_height =
                (u64::from(area.height.max(1)) * u64::from(shown_width) / u64::from(area.width.max(1))).max(1);
            let label = fill(t.l10n_console_screenshot_of, &[("key", &entry.key), ("picture", &shot.picture)]).text;
            let href = format!("/{}/{}/shots/{}", locale.tag(), super::PATH, shot.picture);
            view! {
                <figure class="l10n-shot" lang=pictured.tag()>
                    <svg
                        role="img"
                        aria-label=label
                        viewBox=format!("{} {} {} {}", area.x, area.y, area.width.max(1), area.height.max(1))
                        width=shown_width
                        height=shown_height
                        data-picture=shot.picture.clone()
                    >
                        <image href=href width=width height=height></image>
                    </svg>
                    <figcaption>{pictured.native_name(true, false)}</figcaption>
                </figure>
            }
        })
        .collect_view();
    view! { <div class="l10n-shots">{figures}</div> }.into_any()
}
