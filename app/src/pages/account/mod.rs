//! The signed-in area: My AliExpress and everything under `/account`.

pub mod deactivate;
pub mod lists;
pub mod overview;
pub mod settings;

use crate::{
    auth::Viewer,
    error::AppError,
    i18n::{use_locale, use_messages, with_query},
};
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::use_location,
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Who is signed in, loaded once per page by the locale layout and shared by the header and
/// the account pages.
pub type ViewerResource = Resource<Result<Option<Viewer>, AppError>>;

/// Guards every account page: a signed-out visitor goes to sign-in, and comes back afterwards.
///
/// The page (`Outlet`) stands outside the guard's `Suspense`: built inside it, the page was built
/// again each time the server walked and resolved the suspended view, three times a request,
/// and so were its resources: every account page loaded its data from PostgreSQL three times
/// (issue 14; the Leptos advice in leptos-rs/leptos#4688 and #2188). The page's own server
/// functions refuse a signed-out visitor anyway, and the guard redirects them.
#[component]
pub fn AccountLayout() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let viewer = expect_context::<ViewerResource>();
    let location = use_location();
    let sign_in_then_back = move || {
        let here = with_query(&location.pathname.get_untracked(), &location.search.get_untracked());
        format!("{}?next={}", locale.get_untracked().href("/login"), percent_encode(&here))
    };

    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match viewer.await {
                    Ok(Some(_)) => view! {
                        <nav class="account-bar" aria-label=move || t.get().my_area.text>
                            <ul>
                                <li><A href=move || locale.get().href("/account") exact=true>{move || t.get().nav_overview}</A></li>
                                <li><A href=move || locale.get().href("/account/orders")>{move || t.get().nav_orders}</A></li>
                                <li><A href=move || locale.get().href("/account/messages")>{move || t.get().nav_messages}</A></li>
                                <li><A href=move || locale.get().href("/account/settings")>{move || t.get().nav_profile_settings}</A></li>
                            </ul>
                        </nav>
                    }
                    .into_any(),
                    _ => view! { <Redirect path=sign_in_then_back()/> }.into_any(),
                }
            })}
        </Suspense>
        <Outlet/>
    }
}

/// What stays as it is in a path and query carried in a query parameter: the unreserved
/// characters of RFC 3986 and `/`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_return_path_survives_as_one_query_parameter() {
        assert_eq!(
            super::percent_encode("/fi/account/orders?page=2&x=ä"),
            "/fi/account/orders%3Fpage%3D2%26x%3D%C3%A4"
        );
    }
}
