//! `/account/deactivate`: the warning, what will happen to this account's data, and the form.
//! The browser checks the form with the same rules the server applies (`domain::deactivation`).

use crate::{
    account::{capped, OrderStatus},
    components::form::{answer_problems, field_id, problem_at, ErrorSummary, LoadError, TextField},
    deactivation::{load_deactivation_state, ConfirmPassword, DeactivateAccount, DeactivationState, Impact},
    domain::{
        deactivation::{parse_deactivation, DeactivationInput, Reason},
        FieldProblem,
    },
    format,
    i18n::{fill, page_title, use_locale, use_messages, Messages, Text},
    pages::account::{lists::status_label, settings::DownloadLink},
};
use leptos::{ev, form::ActionForm, prelude::*, wasm_bindgen::JsCast};
use leptos_meta::Title;

#[component]
pub fn DeactivatePage() -> impl IntoView {
    let t = use_messages();
    let confirm = ServerAction::<ConfirmPassword>::new();
    let state = Resource::new(move || confirm.version().get(), |_| load_deactivation_state());

    view! {
        <Title text=page_title(|m| m.deactivate_title)/>
        <h1>{move || t.get().deactivate_title}</h1>
        <Suspense fallback=move || view! { <p>{move || t.get().working}</p> }>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(DeactivationState::NeedsPassword) => {
                        view! { <PasswordCheck confirm intro=|m| m.confirm_password_intro/> }.into_any()
                    }
                    Ok(DeactivationState::Ready { email, impact }) => view! {
                        <Warning/>
                        <ImpactSummary impact/>
                        <DeactivationForm email/>
                    }
                    .into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Sudo mode: the password again before anything destructive, or a staff page; `intro` says why.
#[component]
pub fn PasswordCheck(confirm: ServerAction<ConfirmPassword>, intro: fn(&Messages) -> Text) -> impl IntoView {
    let t = use_messages();
    let answer = Signal::derive(move || confirm.value().get());
    let (problems, general) = answer_problems(answer);
    view! {
        <section class="card narrow" aria-labelledby="password-check-title">
            <h2 id="password-check-title">{move || t.get().confirm_password_title}</h2>
            <p>{move || intro(t.get())}</p>
            <ErrorSummary problems general/>
            <ActionForm action=confirm attr:novalidate=true attr:class="form">
                <TextField name="password" label=Signal::derive(move || t.get().field_password) input_type="password" autocomplete="current-password" problems/>
                <button type="submit" class="button button-primary">{move || t.get().confirm_password_submit}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Warning() -> impl IntoView {
    let t = use_messages();
    view! {
        <section class="card warning" aria-labelledby="warning-title">
            <h2 id="warning-title">{move || t.get().warning_title}</h2>
            <ul>
                <li>{move || t.get().consequence_1}</li>
                <li>{move || t.get().consequence_2}</li>
                <li>{move || t.get().consequence_3}</li>
                <li>{move || t.get().consequence_4}</li>
            </ul>
            <p><strong>{move || t.get().refund_advice}</strong></p>
            <p><DownloadLink/></p>
        </section>
    }
}

#[component]
fn ImpactSummary(impact: Impact) -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let Impact { open_orders, open_orders_total, pending_refunds, pending_refunds_total, messages, store } = impact;
    let more = move |shown: usize, total: i64| {
        (total > shown as i64)
            .then(|| view! { <p>{move || fill(t.get().impact_and_more, &[("count", &format::number(total - shown as i64, locale.get()))])}</p> })
    };
    let shown_orders = open_orders.len();
    let shown_refunds = pending_refunds.len();

    view! {
        <section class="card" aria-labelledby="impact-title">
            <h2 id="impact-title">{move || t.get().impact_title}</h2>
            <h3>{move || t.get().impact_open_orders}</h3>
            {if open_orders.is_empty() {
                view! { <p>{move || t.get().impact_no_open_orders}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table">
                            <thead><tr>
                                <th scope="col">{move || t.get().order_number}</th>
                                <th scope="col">{move || t.get().order_status}</th>
                                <th scope="col" class="numeric">{move || t.get().order_total}</th>
                                <th scope="col">{move || t.get().impact_what_happens}</th>
                            </tr></thead>
                            <tbody>
                                {open_orders.into_iter().map(|order| {
                                    let refunded = order.will_be_refunded();
                                    let status = OrderStatus::from_code(&order.status);
                                    view! {
                                        <tr>
                                            <td><bdi translate="no">{order.number}</bdi></td>
                                            <td>{move || status_label(t.get(), status)}</td>
                                            <td class="numeric">{move || format::money(order.total_minor, &order.currency, locale.get())}</td>
                                            <td>{move || if refunded { t.get().impact_cancel_refund } else { t.get().impact_cancel }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {more(shown_orders, open_orders_total)}
                }
                .into_any()
            }}
            <h3>{move || t.get().impact_pending_refunds}</h3>
            {if pending_refunds.is_empty() {
                view! { <p>{move || t.get().impact_no_pending_refunds}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {pending_refunds.into_iter().map(|refund| view! {
                            <li>{move || fill(t.get().impact_refund_line, &[
                                ("amount", &format::money(refund.amount_minor, &refund.currency, locale.get())),
                                ("order", &refund.order_number),
                            ])}</li>
                        }).collect_view()}
                    </ul>
                    {more(shown_refunds, pending_refunds_total)}
                }
                .into_any()
            }}
            <h3>{move || t.get().nav_messages}</h3>
            <p>{move || fill(t.get().impact_messages.select(messages), &[("count", &capped(messages, locale.get()))])}</p>
            {store.map(|store| view! {
                <h3>{move || t.get().impact_store}</h3>
                <p>{move || fill(t.get().impact_store_line.select(store.listed_products), &[
                    ("store", &store.name),
                    ("count", &format::number(store.listed_products, locale.get())),
                    ("sales", &format::number(store.open_sales, locale.get())),
                ])}</p>
            })}
        </section>
    }
}

/// The values of the deactivation form's fields, read from the form element.
fn read_form(form: &web_sys::HtmlFormElement) -> [String; 4] {
    let data = web_sys::FormData::new_with_form(form).ok();
    ["email", "phrase", "reason", "other_text"]
        .map(|name| data.as_ref().and_then(|d| d.get(name).as_string()).unwrap_or_default())
}

#[component]
fn DeactivationForm(email: String) -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let action = ServerAction::<DeactivateAccount>::new();
    let answer = Signal::derive(move || action.value().get());
    let (server_problems, general) = answer_problems(answer);
    // The browser's own verdict, once the person has tried to submit: then it follows every keystroke.
    let browser_problems = RwSignal::new(None::<Vec<FieldProblem>>);
    let problems = Signal::derive(move || browser_problems.get().unwrap_or_else(|| server_problems.get()));
    let account_email = StoredValue::new(email);

    let check = move |form: &web_sys::HtmlFormElement| -> Vec<FieldProblem> {
        let [email, phrase, reason, other_text] = read_form(form);
        let input = DeactivationInput { email: &email, phrase: &phrase, reason: &reason, other_text: &other_text };
        parse_deactivation(&input, &account_email.get_value(), locale.get_untracked()).err().unwrap_or_default()
    };
    let on_submit = move |event: ev::SubmitEvent| {
        let Some(form) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
        // Words typed for "Other" do not count once another reason is chosen.
        if read_form(&form)[2] != Reason::Other.code() {
            if let Some(text) = form.elements().named_item("other_text") {
                if let Ok(area) = text.dyn_into::<web_sys::HtmlTextAreaElement>() {
                    area.set_value("");
                }
            }
        }
        let found = check(&form);
        if !found.is_empty() {
            event.prevent_default();
            event.stop_propagation();
            focus_error_summary();
        }
        browser_problems.set(Some(found));
    };
    let on_input = move |event: ev::Event| {
        if browser_problems.get_untracked().is_none() {
            return;
        }
        let form = event.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(form) = form {
            browser_problems.set(Some(check(&form)));
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(target)) = action.value().get() {
            let _ = window().location().assign(&target);
        }
    });
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Err(_))) {
            browser_problems.set(None);
            focus_error_summary();
        }
    });
    let reason_problem = Memo::new(move |_| problem_at(&problems.read(), "reason"));
    let other_problem = Memo::new(move |_| problem_at(&problems.read(), "other_text"));

    view! {
        <section class="card" aria-labelledby="form-title">
            <h2 id="form-title">{move || t.get().deactivate_form_title}</h2>
            <ErrorSummary problems general/>
            <ActionForm action attr:novalidate=true attr:class="form deactivation-form" on:submit:capture=on_submit on:input=on_input>
                <input type="hidden" name="locale" value=move || locale.get().tag()/>
                <TextField name="email" label=Signal::derive(move || t.get().step_email) input_type="email" autocomplete="off" hint=Signal::derive(move || t.get().step_email_hint) problems/>
                <TextField name="phrase" label=Signal::derive(move || t.get().step_phrase) autocomplete="off" hint=Signal::derive(move || t.get().step_phrase_hint) problems/>
                <fieldset
                    class="field reasons"
                    class:field-invalid=move || reason_problem.read().is_some()
                    id=field_id("reason")
                    tabindex="-1"
                    aria-describedby=move || reason_problem.read().is_some().then_some("field-reason-error")
                >
                    <legend>{move || t.get().step_reason}</legend>
                    {move || reason_problem.get().map(|p| view! {
                        <p class="field-error" id="field-reason-error">{p.problem.message(t.get())}</p>
                    })}
                    {Reason::ALL.into_iter().map(|reason| {
                        let id = format!("reason-{}", reason.code());
                        view! {
                            <div class="choice">
                                <input type="radio" name="reason" id=id.clone() value=reason.code()/>
                                <label for=id>{move || reason.label(t.get())}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="field other-text" class:field-invalid=move || other_problem.read().is_some()>
                    <label for=field_id("other_text")>{move || t.get().step_other_text}</label>
                    <p class="field-hint" id="field-other_text-hint">{move || t.get().step_other_text_hint}</p>
                    {move || other_problem.get().map(|p| view! {
                        <p class="field-error" id="field-other_text-error">{p.problem.message(t.get())}</p>
                    })}
                    <textarea
                        id=field_id("other_text")
                        name="other_text"
                        rows="3"
                        aria-invalid=move || other_problem.read().is_some().then_some("true")
                        aria-describedby=move || if other_problem.read().is_some() { "field-other_text-hint field-other_text-error" } else { "field-other_text-hint" }
                    ></textarea>
                </div>
                <button type="submit" class="button button-danger" disabled=action.pending()>
                    {move || if action.pending().get() { t.get().working } else { t.get().delete_button }}
                </button>
            </ActionForm>
        </section>
    }
}

/// Moves focus to the error summary, so keyboard and screen reader users hear what is wrong.
fn focus_error_summary() {
    request_animation_frame(|| {
        if let Some(summary) = document().query_selector(".error-summary").ok().flatten() {
            if let Ok(summary) = summary.dyn_into::<web_sys::HtmlElement>() {
                let _ = summary.focus();
            }
        }
    });
}
