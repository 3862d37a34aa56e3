//! `/goodbye`: the confirmation after a deletion. It shows what was done and the receipt
//! number, and nothing about the person.

use crate::i18n::{page_title, use_locale, use_messages};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// A receipt as the deletion issues it (`DA-1A2B-3C4D-5E6F`); anything else is not shown.
pub fn is_receipt(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 4
        && groups[0] == "DA"
        && groups[1..].iter().all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)))
}

#[component]
pub fn GoodbyePage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let query = use_query_map();
    let receipt = move || query.read().get("receipt").filter(|r| is_receipt(r));

    view! {
        <Title text=page_title(|m| m.goodbye_title)/>
        <section class="card goodbye">
            <h1>{move || t.get().goodbye_title}</h1>
            <p>{move || t.get().goodbye_lead}</p>
            <ul>
                <li>{move || t.get().goodbye_done_sign_in}</li>
                <li>{move || t.get().goodbye_done_orders}</li>
                <li>{move || t.get().goodbye_done_messages}</li>
                <li>{move || t.get().goodbye_done_email}</li>
            </ul>
            {move || receipt().map(|receipt| view! {
                <p class="receipt">{move || t.get().goodbye_receipt} " " <strong data-testid="receipt" translate="no">{receipt.clone()}</strong></p>
            })}
            <p>{move || t.get().refund_advice}</p>
            <A href=move || locale.get().href("/")>{move || t.get().back_home}</A>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::is_receipt;

    #[test]
    fn only_well_formed_receipts_are_shown() {
        assert!(is_receipt("DA-1A2B-3C4D-5E6F"));
        for bad in ["", "DA-1A2B-3C4D", "XX-1A2B-3C4D-5E6F", "DA-1a2b-3C4D-5E6F", "DA-<scr-ipt>-5E6F-0000"] {
            assert!(!is_receipt(bad), "{bad}");
        }
    }
}
