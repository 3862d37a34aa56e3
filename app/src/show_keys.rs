//! Show-keys mode for localization testers (like i18next's `cimode`): `?l10n=keys` renders every
//! message as its key and arguments (`orders_count.other(count=5)`), on the server and after
//! hydration alike; a session cookie keeps it on from page to page until `?l10n=off`. Only where
//! the pseudo-locales are served (`APP_PSEUDO_LOCALES=1`).

use crate::i18n::PseudoLocales;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The query parameter and the cookie.
pub const L10N: &str = "l10n";

/// Whether the page shows keys, in the context of every localized page.
#[derive(Clone, Copy)]
pub struct ShowKeys(pub Memo<bool>);

/// What the address says (`keys`, `off`) decides; without it, the cookie.
pub fn wanted(query: Option<&str>, cookie: Option<&str>) -> bool {
    match query {
        Some("keys") => true,
        Some("off") => false,
        _ => cookie == Some("keys"),
    }
}

/// Decides the mode for this page, keeps the cookie in step with the address, and provides it.
pub fn provide_show_keys() {
    let query = use_query_map();
    let served = PseudoLocales::served();
    let cookie = cookie_value();
    let asked = move || query.read().get(L10N).filter(|v| v == "keys" || v == "off");
    let on = Memo::new(move |_| served && wanted(asked().as_deref(), cookie.as_deref()));
    if served {
        keep_cookie(asked);
    }
    provide_context(ShowKeys(on));
}

fn cookie_line(value: &str) -> String {
    match value {
        "keys" => format!("{L10N}=keys; Path=/; SameSite=Lax"),
        _ => format!("{L10N}=; Path=/; Max-Age=0; SameSite=Lax"),
    }
}

#[cfg(feature = "ssr")]
fn cookie_value() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == L10N).then(|| value.to_owned())
        })
}

/// The server sets the cookie on the response, so it holds with JavaScript off too.
#[cfg(feature = "ssr")]
fn keep_cookie(asked: impl Fn() -> Option<String>) {
    if let Some(value) = asked() {
        crate::server_context::set_cookie(&cookie_line(&value));
    }
}

#[cfg(not(feature = "ssr"))]
fn cookie_value() -> Option<String> {
    use leptos::wasm_bindgen::JsCast;
    let cookies = document().dyn_into::<web_sys::HtmlDocument>().ok()?.cookie().ok()?;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == L10N).then(|| value.to_owned())
    })
}

/// In the browser, a later navigation to `?l10n=…` changes the cookie too.
#[cfg(not(feature = "ssr"))]
fn keep_cookie(asked: impl Fn() -> Option<String> + 'static) {
    use leptos::wasm_bindgen::JsCast;
    Effect::new(move |_| {
        if let (Some(value), Ok(document)) = (asked(), document().dyn_into::<web_sys::HtmlDocument>()) {
            let _ = document.set_cookie(&cookie_line(&value));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_decides_before_the_cookie() {
        assert!(wanted(Some("keys"), None));
        assert!(!wanted(Some("off"), Some("keys")));
        assert!(wanted(None, Some("keys")));
        assert!(!wanted(None, None));
        assert!(!wanted(None, Some("off")));
    }
}
