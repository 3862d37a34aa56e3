//! Form parts following the GOV.UK error pattern: a summary at the top that links to each
//! field, and the message again at the field (`aria-invalid`, `aria-describedby`).

use crate::{
    domain::FieldProblem,
    error::AppError,
    i18n::{use_messages, Message, Text},
};
use leptos::prelude::*;

/// The `id` of a field's input, which the error summary links to.
pub fn field_id(name: &str) -> String {
    format!("field-{name}")
}

/// The summary of everything wrong with a submitted form; says nothing when all is well.
#[component]
pub fn ErrorSummary(
    #[prop(into)] problems: Signal<Vec<FieldProblem>>,
    /// A problem that belongs to no field (wrong credentials, too many attempts).
    #[prop(into)]
    general: Signal<Option<Message>>,
) -> impl IntoView {
    let t = use_messages();
    let has_any = move || !problems.read().is_empty() || general.read().is_some();

    view! {
        <Show when=has_any>
            <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
                <h2 id="error-summary-title">{move || t.get().error_summary_title}</h2>
                {move || general.get().map(|message| view! { <p>{message}</p> })}
                <ul>
                    {move || {
                        problems
                            .get()
                            .into_iter()
                            .map(|p| {
                                let id = field_id(&p.field);
                                view! {
                                    <li>
                                        <a href=format!("#{id}") on:click=move |event| focus_field(event, &id)>
                                            {p.problem.message(t.get())}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </Show>
    }
}

/// A failure to load what a page shows, in the page's language.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    let t = use_messages();
    view! { <p class="error" role="alert">{move || error.message(t.get())}</p> }
}

/// The field problems of a server function's last answer, and its message that belongs to no
/// field (wrong credentials, too many attempts, a server failure).
pub fn answer_problems<T: Clone + Send + Sync + 'static>(
    answer: Signal<Option<Result<T, AppError>>>,
) -> (Signal<Vec<FieldProblem>>, Signal<Option<Message>>) {
    let t = use_messages();
    (
        Signal::derive(move || match answer.get() {
            Some(Err(e)) => e.field_problems().to_vec(),
            _ => Vec::new(),
        }),
        Signal::derive(move || match answer.get() {
            Some(Err(AppError::Invalid(_))) | Some(Ok(_)) | None => None,
            Some(Err(e)) => Some(e.message(t.get())),
        }),
    )
}

/// Following a summary link moves the focus into the field itself (a plain fragment link would
/// only scroll there); without JavaScript the link still scrolls.
fn focus_field(event: leptos::ev::MouseEvent, id: &str) {
    use leptos::wasm_bindgen::JsCast;
    let Some(field) = document().get_element_by_id(id) else { return };
    let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() else { return };
    event.prevent_default();
    field.scroll_into_view();
    let _ = field.focus();
}

/// The message for field `name` among `problems`, if any.
pub fn problem_at(problems: &[FieldProblem], name: &str) -> Option<FieldProblem> {
    problems.iter().find(|p| p.field == name).cloned()
}

/// A labelled input with its hint and its error message.
#[component]
pub fn TextField(
    name: &'static str,
    #[prop(into)] label: Signal<Text>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] hint: Option<Signal<Text>>,
    #[prop(into)] problems: Signal<Vec<FieldProblem>>,
    #[prop(optional, into)] value: Signal<String>,
) -> impl IntoView {
    let t = use_messages();
    let id = field_id(name);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let problem = Memo::new(move |_| problem_at(&problems.read(), name));
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if problem.read().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };

    view! {
        <div class="field" class:field-invalid=move || problem.read().is_some()>
            <label for=id.clone()>{move || label.get()}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{move || hint.get()}</p> })}
            {move || {
                problem
                    .get()
                    .map(|p| {
                        view! {
                            <p class="field-error" id=error_id.clone()>
                                {p.problem.message(t.get())}
                            </p>
                        }
                    })
            }}
            <input
                id=id.clone()
                name=name
                type=input_type
                autocomplete=autocomplete
                prop:value=move || value.get()
                aria-invalid=move || problem.read().is_some().then_some("true")
                aria-describedby=described_by
            />
        </div>
    }
}

/// An `<option>` showing a message. An option holds text only (the HTML parser drops a `<span>`
/// inside it), so the message's key goes on the option itself.
#[component]
pub fn MessageOption(
    value: &'static str,
    #[prop(into)] text: Signal<Text>,
    #[prop(optional)] selected: bool,
) -> impl IntoView {
    view! { <option value=value selected=selected data-l10n-key=move || text.get().key>{move || text.get().text}</option> }
}
