//! The frame of every localized page: reads the locale from the path, sets `<html lang>`,
//! and renders the header around the page.

use crate::{
    auth::forms::current_viewer,
    components::header::Header,
    i18n::{use_messages, Locale, PseudoLocales, LOCALE_COOKIE},
    pages::{account::ViewerResource, not_found::NotFound},
    show_keys::provide_show_keys,
};
use leptos::prelude::*;
use leptos_meta::{Html, Title};
use leptos_router::{components::Outlet, hooks::use_params_map};

#[component]
pub fn LocaleLayout() -> impl IntoView {
    let params = use_params_map();
    let tag = Memo::new(move |_| params.read().get("lang"));
    // A pseudo-locale is a page only where the server serves them.
    let served = PseudoLocales::locales();
    let in_path =
        Memo::new(move |_| tag.get().as_deref().and_then(Locale::from_path_segment).filter(|l| served.contains(l)));
    let known = move || in_path.get().is_some();
    let locale = Memo::new(move |_| in_path.get().unwrap_or_default());
    provide_context(locale);
    provide_show_keys();
    let t = use_messages();
    provide_context::<ViewerResource>(Resource::new(|| (), |_| current_viewer()));
    remember_locale(locale);

    view! {
        // `try_get`: leptos_meta may read these after a rebuild disposed them (`i18n::page_title`).
        <Html {..}
            lang=move || locale.try_get().unwrap_or_default().tag()
            dir=move || locale.try_get().unwrap_or_default().direction()
        />
        <Title formatter=move |page: String| {
            format!("{page} | {}", t.try_get().map(|t| t.brand.text).unwrap_or_default())
        }/>
        <Show when=known fallback=|| view! { <main id="main"><NotFound/></main> }>
            <a class="skip-link" href="#main">{move || t.get().skip_to_content}</a>
            <Header/>
            <main id="main" tabindex="-1">
                <Outlet/>
            </main>
        </Show>
    }
}

/// Keeps the locale cookie in step with the page, so a bare address later opens in the
/// language the visitor last used (never a pseudo-locale). Runs in the browser only.
fn remember_locale(locale: Memo<Locale>) {
    Effect::new(move |_| {
        use leptos::wasm_bindgen::JsCast;
        if locale.get().is_pseudo() {
            return;
        }
        let cookie = format!("{}={}; Path=/; Max-Age=31536000; SameSite=Lax", LOCALE_COOKIE, locale.get().tag());
        if let Ok(document) = document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = document.set_cookie(&cookie);
        }
    });
}
