//! `/login` and `/register`.

use crate::{
    auth::forms::{SignIn, SignUp},
    components::form::{answer_problems, ErrorSummary, MessageOption, TextField},
    domain::account::COUNTRIES,
    error::AppError,
    i18n::{country_name, page_title, use_locale, use_messages},
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// The last answer of a form's server function: where to go next, or what was wrong.
type Answer = Option<Result<String, AppError>>;

/// After a successful sign-in or sign-up, load the destination afresh: the whole page now
/// belongs to the signed-in account.
fn follow_success(value: Signal<Answer>) {
    Effect::new(move |_| {
        if let Some(Ok(target)) = value.get() {
            let _ = window().location().assign(&target);
        }
    });
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let next = move || use_query_map().read().get("next");
    let action = ServerAction::<SignIn>::new();
    let answer = Signal::derive(move || action.value().get());
    let (problems, general) = answer_problems(answer);
    follow_success(answer);

    view! {
        <Title text=page_title(|m| m.sign_in_title)/>
        <section class="card narrow">
            <h1>{move || t.get().sign_in_title}</h1>
            <ErrorSummary problems general/>
            <ActionForm action attr:novalidate=true attr:class="form">
                <input type="hidden" name="locale" value=move || locale.get().tag()/>
                {move || next().map(|next| view! { <input type="hidden" name="next" value=next/> })}
                <TextField name="email" label=Signal::derive(move || t.get().field_email) input_type="email" autocomplete="username" problems/>
                <TextField name="password" label=Signal::derive(move || t.get().field_password) input_type="password" autocomplete="current-password" problems/>
                <button type="submit" class="button button-primary" disabled=action.pending()>
                    {move || if action.pending().get() { t.get().working } else { t.get().sign_in_submit }}
                </button>
            </ActionForm>
            <p>
                {move || t.get().sign_in_no_account} " "
                <A href=move || locale.get().href("/register")>{move || t.get().sign_in_create_account}</A>
            </p>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let action = ServerAction::<SignUp>::new();
    let answer = Signal::derive(move || action.value().get());
    let (problems, general) = answer_problems(answer);
    follow_success(answer);
    let country_problem = Memo::new(move |_| crate::components::form::problem_at(&problems.read(), "country"));

    view! {
        <Title text=page_title(|m| m.sign_up_title)/>
        <section class="card narrow">
            <h1>{move || t.get().sign_up_title}</h1>
            <ErrorSummary problems general/>
            <ActionForm action attr:novalidate=true attr:class="form">
                <input type="hidden" name="locale" value=move || locale.get().tag()/>
                <TextField name="name" label=Signal::derive(move || t.get().field_name) autocomplete="name" problems/>
                <TextField name="email" label=Signal::derive(move || t.get().field_email) input_type="email" autocomplete="email" problems/>
                <TextField
                    name="password"
                    label=Signal::derive(move || t.get().field_password)
                    input_type="password"
                    autocomplete="new-password"
                    hint=Signal::derive(move || t.get().field_password_hint)
                    problems
                />
                <div class="field" class:field-invalid=move || country_problem.read().is_some()>
                    <label for="field-country">{move || t.get().field_country}</label>
                    {move || country_problem.get().map(|p| view! {
                        <p class="field-error" id="field-country-error">{p.problem.message(t.get())}</p>
                    })}
                    <select
                        id="field-country"
                        name="country"
                        autocomplete="country"
                        aria-invalid=move || country_problem.read().is_some().then_some("true")
                        aria-describedby=move || country_problem.read().is_some().then_some("field-country-error")
                    >
                        <MessageOption value="" text=Signal::derive(move || t.get().choose)/>
                        {COUNTRIES
                            .into_iter()
                            .map(|code| view! { <MessageOption value=code text=Signal::derive(move || country_name(t.get(), code))/> })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit" class="button button-primary" disabled=action.pending()>
                    {move || if action.pending().get() { t.get().working } else { t.get().sign_up_submit }}
                </button>
            </ActionForm>
            <p>
                {move || t.get().sign_up_have_account} " "
                <A href=move || locale.get().href("/login")>{move || t.get().sign_in_title}</A>
            </p>
        </section>
    }
}
