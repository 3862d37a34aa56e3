use crate::i18n::{Locale, PseudoLocales};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// Shown for any path that matches no page, in the language its path names (else English).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let path = use_location().pathname.get_untracked();
    let locale = path.split('/').nth(1).and_then(Locale::from_tag).unwrap_or_default();
    let t = locale.shown_messages(PseudoLocales::served());

    view! {
        <Title text=t.not_found_title.text/>
        <section class="not-found">
            <h1>{t.not_found_title}</h1>
            <p>{t.not_found_body}</p>
            <a href=locale.href("/")>{t.back_home}</a>
        </section>
    }
}
