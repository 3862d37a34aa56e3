//! The Leptos application, compiled twice: into the server (feature `ssr`) and to wasm
//! (feature `hydrate`). Server-only code lives behind `ssr` and never reaches the browser.

pub mod account;
pub mod auth;
pub mod catalogue;
pub mod components;
pub mod deactivation;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod email;
pub mod error;
pub mod export;
pub mod format;
pub mod i18n;
pub mod message;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server_context;
pub mod show_keys;
pub mod staff;

use components::layout::LocaleLayout;
use i18n::{PseudoLocales, PSEUDO_LOCALES_META};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment, WildcardSegment,
};
use pages::{
    account::{
        deactivate::DeactivatePage,
        lists::{MessagesPage, OrdersPage},
        overview::OverviewPage,
        settings::{
            ChangePasswordPage, ChangeSettingsPage, DataPage, EditProfilePage, SettingsHomePage, SettingsLayout,
        },
        AccountLayout,
    },
    goodbye::GoodbyePage,
    home::HomePage,
    not_found::NotFound,
    plural_gallery::PluralGallery,
    sign_in::{SignInPage, SignUpPage},
    staff::StaffReasonsPage,
};

/// The testers' problem report, served by the server only where the pseudo-locales are.
pub const REPORT_SCRIPT: &str = "/l10n-report.js";

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                // Where testers are served, the problem report (Alt+click a text): a plain script
                // of its own, outside the wasm (decision 0039).
                {PseudoLocales::served()
                    .then(|| {
                        view! {
                            <meta name=PSEUDO_LOCALES_META content="on"/>
                            <script src=REPORT_SCRIPT defer></script>
                        }
                    })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/deactivate.css"/>
        <Router>
            // Pages render completely before the first byte (`SsrMode::Async`), so the status is
            // right: a signed-out visitor of an account page gets a real 302 to sign-in, and an
            // unknown page a 404, rather than a 200 page that corrects itself later.
            <Routes fallback=NotFound>
                <ParentRoute path=ParamSegment("lang") view=LocaleLayout ssr=SsrMode::Async>
                    <Route path=StaticSegment("") view=HomePage/>
                    <Route path=StaticSegment("login") view=SignInPage/>
                    <Route path=StaticSegment("goodbye") view=GoodbyePage/>
                    <Route path=StaticSegment("register") view=SignUpPage/>
                    <Route path=(StaticSegment("l10n"), StaticSegment("plurals")) view=PluralGallery/>
                    <Route path=(StaticSegment("staff"), StaticSegment("reasons")) view=StaffReasonsPage/>
                    <ParentRoute path=StaticSegment("account") view=AccountLayout>
                        <Route path=StaticSegment("") view=OverviewPage/>
                        <Route path=StaticSegment("orders") view=OrdersPage/>
                        <Route path=StaticSegment("messages") view=MessagesPage/>
                        <ParentRoute path=StaticSegment("settings") view=SettingsLayout>
                            <Route path=StaticSegment("") view=SettingsHomePage/>
                            <Route path=StaticSegment("change") view=ChangeSettingsPage/>
                            <Route path=StaticSegment("profile") view=EditProfilePage/>
                            <Route path=StaticSegment("password") view=ChangePasswordPage/>
                            <Route path=StaticSegment("data") view=DataPage/>
                        </ParentRoute>
                        <Route path=StaticSegment("deactivate") view=DeactivatePage/>
                    </ParentRoute>
                    <Route path=WildcardSegment("any") view=NotFound/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Sets `data-hydrated` on `<body>` once the wasm has taken over the page. Effects run only in
/// the browser, after hydration, so end-to-end tests wait for this before they interact.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
