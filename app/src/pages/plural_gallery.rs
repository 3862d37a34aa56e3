//! `/l10n/plurals`, for localization testers only (served with the pseudo-locales): every plural
//! message at the counts that pick different forms, in every locale, on one page to screenshot.

use crate::{
    format,
    i18n::{fill, use_locale, use_messages, Locale, PseudoLocales},
    pages::not_found::NotFound,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Counts that reach every CLDR category of English and Finnish, grouping and large numbers.
pub const GALLERY_COUNTS: [i64; 6] = [0, 1, 2, 5, 21, 1_000_000];

/// The placeholders a plural fills with its count (`store` and the like stay visible).
const COUNT_PLACEHOLDERS: [&str; 3] = ["count", "minutes", "sales"];

#[component]
pub fn PluralGallery() -> impl IntoView {
    if !PseudoLocales::served() {
        return view! { <NotFound/> }.into_any();
    }
    let t = use_messages();
    let page_locale = use_locale();
    let locales: Vec<Locale> = PseudoLocales::locales();
    let rows = move || {
        let keys: Vec<&'static str> = t.get().plurals().iter().map(|(key, _)| *key).collect();
        keys.into_iter()
            .flat_map(|key| locales.clone().into_iter().map(move |locale| (key, locale)))
            .map(|(key, locale)| {
                let plural = locale.keyed_messages().plurals().into_iter().find(|(k, _)| *k == key).map(|(_, p)| p);
                view! {
                    <tr>
                        <th scope="row" translate="no"><code>{key}</code></th>
                        <td translate="no"><code>{locale.tag()}</code></td>
                        {GALLERY_COUNTS
                            .into_iter()
                            .map(|count| {
                                let text = plural.map(|p| {
                                    let value = format::number(count, locale);
                                    let values: Vec<(&str, &dyn std::fmt::Display)> =
                                        COUNT_PLACEHOLDERS.iter().map(|name| (*name, &value as &dyn std::fmt::Display)).collect();
                                    fill(p.select(count), &values)
                                });
                                view! { <td lang=locale.tag() dir=locale.direction()>{text}</td> }
                            })
                            .collect_view()}
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <Title text=move || t.get().plural_gallery_title.text/>
        <section class="card plural-gallery">
            <h1>{move || t.get().plural_gallery_title}</h1>
            <div class="table-wrap">
                <table class="data-table">
                    <thead>
                        <tr>
                            <th scope="col">{move || t.get().plural_gallery_key}</th>
                            <th scope="col">{move || t.get().plural_gallery_locale}</th>
                            {GALLERY_COUNTS.into_iter().map(|count| view! { <th scope="col" class="numeric">{move || format::number(count, page_locale.get())}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
