//! The frame of every localized page: reads the locale from the path, sets `<html lang>`,
//! and renders the header around the page.

use crate::{components::header::Header, i18n::Locale, pages::not_found::NotFound};
use leptos::prelude::*;
use leptos_meta::{Html, Title};
use leptos_router::{components::Outlet, hooks::use_params_map};

#[component]
pub fn LocaleLayout() -> impl IntoView {
    let params = use_params_map();
    let tag = Memo::new(move |_| params.read().get("lang"));
    let known = move || tag.get().as_deref().and_then(Locale::from_tag).is_some();
    let locale = Memo::new(move |_| tag.get().as_deref().and_then(Locale::from_tag).unwrap_or_default());
    provide_context(locale);

    view! {
        <Html {..} lang=move || locale.get().tag()/>
        <Title formatter=move |page: String| format!("{page} | {}", locale.get().messages().brand)/>
        <Show when=known fallback=|| view! { <main id="main"><NotFound/></main> }>
            <a class="skip-link" href="#main">{move || locale.get().messages().skip_to_content}</a>
            <Header/>
            <main id="main" tabindex="-1">
                <Outlet/>
            </main>
        </Show>
    }
}
