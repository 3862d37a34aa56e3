use crate::{
    account::{account_overview, capped},
    components::form::LoadError,
    format,
    i18n::{country_name, fill, page_title, use_locale, use_messages},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let overview = Resource::new(|| (), |_| account_overview());

    view! {
        <Title text=page_title(|m| m.my_area)/>
        <h1>{move || t.get().my_area}</h1>
        <Suspense fallback=move || view! { <p>{move || t.get().working}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => {
                        let member_since = o.profile.member_since.clone();
                        view! {
                            <section class="card">
                                <h2>{move || fill(t.get().hello_name, &[("name", &o.profile.name)])}</h2>
                                <p>{move || fill(t.get().member_since, &[("date", &format::date(&member_since, locale.get()))])}</p>
                                <p>{move || country_name(t.get(), &o.profile.country)}</p>
                                <ul class="stats">
                                    <li>
                                        <A href=move || locale.get().href("/account/orders")>
                                            {move || fill(t.get().orders_count.select(o.orders), &[("count", &capped(o.orders, locale.get()))])}
                                        </A>
                                    </li>
                                    <li>
                                        <A href=move || locale.get().href("/account/messages")>
                                            {move || fill(t.get().messages_count.select(o.messages), &[("count", &capped(o.messages, locale.get()))])}
                                        </A>
                                    </li>
                                </ul>
                            </section>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
