use crate::{
    catalogue::load_catalogue_summary,
    format,
    i18n::{fill, page_title, use_locale, use_messages},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let summary = Resource::new(|| (), |_| load_catalogue_summary());

    view! {
        <Title text=page_title(|m| m.home_title)/>
        <section class="hero">
            <h1>{move || t.get().home_title}</h1>
            <p>{move || t.get().home_lead}</p>
            <Suspense fallback=move || view! { <p>{move || t.get().home_catalogue_loading}</p> }>
                {move || Suspend::new(async move {
                    let text = match summary.await {
                        Ok(s) => fill(
                            t.get().home_catalogue.select(s.listed_products),
                            &[("count", &format::number(s.listed_products, locale.get()))],
                        ),
                        Err(e) => e.message(t.get()).to_owned(),
                    };
                    view! { <p class="catalogue-summary">{text}</p> }
                })}
            </Suspense>
        </section>
    }
}
