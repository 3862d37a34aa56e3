//! My orders and Messages: read-only, one page at a time, newest first. A page's address names
//! where it starts (`?page=after.<key>`, `?page=before.<key>`, `?page=last`; see
//! [`PageAt`]), so each page costs the same however long the history.

use crate::{
    account::{my_messages, my_orders, OrderStatus, Page, PageAt},
    components::form::LoadError,
    format,
    i18n::{fill, page_title, use_locale, use_messages, Messages, Text},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// The `page` value of the address, as the server function reads it: an unreadable one (an old
/// `?page=2` bookmark) is the first page.
fn current_page() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| {
        let page = query.read().get("page").unwrap_or_default();
        PageAt::parse(&page).unwrap_or(PageAt::First).query()
    })
}

pub fn status_label(t: &'static Messages, status: OrderStatus) -> Text {
    match status {
        OrderStatus::AwaitingPayment => t.status_awaiting_payment,
        OrderStatus::Paid => t.status_paid,
        OrderStatus::Shipped => t.status_shipped,
        OrderStatus::Completed => t.status_completed,
        OrderStatus::Cancelled => t.status_cancelled,
    }
}

/// A counterparty's name, or "Deleted account" once its account is gone.
/// A person's or store's name as they typed it (isolated for right-to-left pages, and marked as
/// not to be translated), or the placeholder of a deleted account.
#[component]
fn NameOrDeleted(name: String) -> impl IntoView {
    let t = use_messages();
    if name.is_empty() {
        view! { {move || t.get().deleted_account} }.into_any()
    } else {
        view! { <bdi translate="no">{name}</bdi> }.into_any()
    }
}

/// Links to the first, newer, older and last pages under a list (each only where there are
/// rows that way).
#[component]
fn Pager(path: &'static str, newer: Option<String>, older: Option<String>) -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let link = move |page: &str| match page {
        "" => locale.get().href(path),
        page => format!("{}?page={page}", locale.get().href(path)),
    };
    let first = newer.is_some().then_some(PageAt::First.query());
    let last = older.is_some().then_some(PageAt::Last.query());
    let item = move |page: Option<String>, rel: &'static str, label: fn(&'static Messages) -> Text| {
        page.map(|page| view! { <A href=move || link(&page) attr:rel=rel>{move || label(t.get())}</A> })
    };
    view! {
        <nav class="pager" aria-label=move || t.get().pagination.text>
            {item(first, "first", |t| t.page_first)}
            {item(newer, "prev", |t| t.page_previous)}
            {item(older, "next", |t| t.page_next)}
            {item(last, "last", |t| t.page_last)}
        </nav>
    }
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let page = current_page();
    let orders = Resource::new(move || page.get(), my_orders);

    view! {
        <Title text=page_title(|m| m.nav_orders)/>
        <h1>{move || t.get().nav_orders}</h1>
        <Suspense fallback=move || view! { <p>{move || t.get().working}</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(Page { rows, newer, older }) if !rows.is_empty() || newer.is_some() => view! {
                        <div class="table-wrap">
                            <table class="data-table">
                                <thead>
                                    <tr>
                                        <th scope="col">{move || t.get().order_number}</th>
                                        <th scope="col">{move || t.get().order_store}</th>
                                        <th scope="col">{move || t.get().order_date}</th>
                                        <th scope="col">{move || t.get().order_status}</th>
                                        <th scope="col" class="numeric">{move || t.get().order_total}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows.into_iter().map(|order| view! {
                                        <tr>
                                            <td><bdi translate="no">{order.number}</bdi></td>
                                            <td><NameOrDeleted name=order.store/></td>
                                            <td>{move || format::date(&order.placed_on, locale.get())}</td>
                                            <td>{move || status_label(t.get(), order.status)}</td>
                                            <td class="numeric">{move || format::money(order.total_minor, &order.currency, locale.get())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager path="/account/orders" newer older/>
                    }
                    .into_any(),
                    Ok(_) => view! { <p>{move || t.get().orders_empty}</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MessagesPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let page = current_page();
    let messages = Resource::new(move || page.get(), my_messages);

    view! {
        <Title text=page_title(|m| m.nav_messages)/>
        <h1>{move || t.get().nav_messages}</h1>
        <Suspense fallback=move || view! { <p>{move || t.get().working}</p> }>
            {move || Suspend::new(async move {
                match messages.await {
                    Ok(Page { rows, newer, older }) if !rows.is_empty() || newer.is_some() => view! {
                        <ol class="message-list">
                            {rows.into_iter().map(|m| {
                                let (with, subject, body) = (m.with, m.subject, m.body);
                                view! {
                                    <li class="message" class:from-me=m.from_me>
                                        <p class="message-meta">
                                            <strong>{match subject {
                                                Some(subject) => view! { <bdi translate="no">{subject}</bdi> }.into_any(),
                                                None => view! { {move || t.get().message_subject_deleted} }.into_any(),
                                            }}</strong>
                                            " · "
                                            <NameOrDeleted name=with/>
                                            " · "
                                            {move || if m.from_me { t.get().message_from_me } else { t.get().message_to_me }}
                                            " · "
                                            {move || fill(t.get().message_sent_at, &[
                                                ("date", &format::date(&m.sent_on, locale.get())),
                                                ("time", &format::time(&m.sent_on, locale.get())),
                                            ])}
                                        </p>
                                        {match body {
                                            Some(body) => view! { <p translate="no" dir="auto">{body}</p> }.into_any(),
                                            None => view! { <p class="message-deleted">{move || t.get().message_body_deleted}</p> }.into_any(),
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        <Pager path="/account/messages" newer older/>
                    }
                    .into_any(),
                    Ok(_) => view! { <p>{move || t.get().messages_empty}</p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
