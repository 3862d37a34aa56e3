//! The site header: the brand, the language switcher and the profile area top right.

use crate::{
    components::profile_menu::ProfileMenu,
    i18n::{use_locale, use_messages, with_query, Locale, PseudoLocales},
    pages::account::ViewerResource,
};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

#[component]
pub fn Header() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let viewer = expect_context::<ViewerResource>();

    view! {
        <header class="site-header">
            <A href=move || locale.get().href("/") attr:class="brand">
                {move || t.get().brand}
            </A>
            <LanguageSwitcher/>
            <nav class="profile-area" aria-label=move || t.get().account_menu.text>
                <Suspense>
                    {move || Suspend::new(async move {
                        match viewer.await {
                            Ok(Some(viewer)) => view! { <ProfileMenu name=viewer.name/> }.into_any(),
                            _ => view! { <SignedOutArea/> }.into_any(),
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}

#[component]
fn SignedOutArea() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    view! {
        <A href=move || locale.get().href("/login") attr:class="button button-primary">
            {move || t.get().sign_in}
        </A>
        <A href=move || locale.get().href("/register") attr:class="button">
            {move || t.get().join}
        </A>
    }
}

/// Links to the same page in each language. Following one is a client-side navigation, so the
/// page changes without a reload; the locale cookie remembers the choice.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let t = use_messages();
    let current = use_locale();
    let location = use_location();
    let served = PseudoLocales::served();
    let show_keys = use_context::<crate::show_keys::ShowKeys>();
    let same_page_in = move |target: Locale| {
        let path = location.pathname.get();
        let rest = path
            .strip_prefix('/')
            .and_then(|p| p.split_once('/').map(|(_, rest)| format!("/{rest}")))
            .unwrap_or_default();
        with_query(&target.href(if rest.is_empty() { "/" } else { &rest }), &location.search.get())
    };

    view! {
        <nav class="language-switcher" aria-label=move || t.get().language.text>
            <ul>
                {PseudoLocales::locales()
                    .into_iter()
                    .map(|target| {
                        view! {
                            <li>
                                <a
                                    href=move || same_page_in(target)
                                    hreflang=target.tag()
                                    lang=target.tag()
                                    aria-current=move || (current.get() == target).then_some("true")
                                >
                                    {move || target.native_name(served, show_keys.is_some_and(|on| on.0.get()))}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
