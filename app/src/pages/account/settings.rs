//! Profile settings: the left menu, Change settings, Edit profile, Change password, Download
//! your data.

use crate::{
    account::{account_overview, ChangePassword, UpdateProfile},
    components::form::{answer_problems, problem_at, ErrorSummary, LoadError, MessageOption, TextField},
    deactivation::ConfirmPassword,
    domain::account::COUNTRIES,
    export::{download_href, load_export_state, ExportState, DOWNLOADS_PER_DAY},
    format,
    i18n::{country_name, fill, page_title, use_locale, use_messages},
    pages::account::deactivate::PasswordCheck,
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};

#[component]
pub fn SettingsLayout() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    view! {
        <div class="settings">
            <nav class="side-menu" aria-label=move || t.get().nav_profile_settings.text>
                <ul>
                    <li><A href=move || locale.get().href("/account/settings/change")>{move || t.get().change_settings}</A></li>
                </ul>
            </nav>
            <div class="settings-content">
                <Outlet/>
            </div>
        </div>
    }
}

#[component]
pub fn SettingsHomePage() -> impl IntoView {
    let t = use_messages();
    view! {
        <Title text=page_title(|m| m.nav_profile_settings)/>
        <h1>{move || t.get().nav_profile_settings}</h1>
        <p>{move || t.get().settings_intro}</p>
    }
}

#[component]
pub fn ChangeSettingsPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    view! {
        <Title text=page_title(|m| m.change_settings)/>
        <h1>{move || t.get().change_settings}</h1>
        <div class="setting-groups">
            <section class="card" aria-labelledby="group-personal">
                <h2 id="group-personal">{move || t.get().personal_information}</h2>
                <ul class="link-list">
                    <li><A href=move || locale.get().href("/account/settings/profile")>{move || t.get().edit_profile}</A></li>
                </ul>
            </section>
            <section class="card" aria-labelledby="group-security">
                <h2 id="group-security">{move || t.get().security}</h2>
                <ul class="link-list">
                    <li><A href=move || locale.get().href("/account/settings/password")>{move || t.get().change_password}</A></li>
                </ul>
            </section>
            <section class="card" aria-labelledby="group-data">
                <h2 id="group-data">{move || t.get().export_group}</h2>
                <ul class="link-list">
                    <li><DownloadLink/></li>
                </ul>
            </section>
        </div>
    }
}

/// The link to the ZIP: a plain download outside the router (`rel="external"`), so it works
/// with and without JavaScript. A session whose password is stale is sent to [`DataPage`].
#[component]
pub fn DownloadLink() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    view! { <a href=move || download_href(locale.get()) rel="external">{move || t.get().export_link}</a> }
}

/// `/account/settings/data`: what the download holds, and the password first when it is stale.
#[component]
pub fn DataPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let confirm = ServerAction::<ConfirmPassword>::new();
    let state = Resource::new(move || confirm.version().get(), |_| load_export_state());
    let limit = move || {
        fill(
            t.get().export_limit_note.select(i64::from(DOWNLOADS_PER_DAY)),
            &[("count", &format::number(i64::from(DOWNLOADS_PER_DAY), locale.get()))],
        )
    };
    view! {
        <Title text=page_title(|m| m.export_link)/>
        <h1>{move || t.get().export_link}</h1>
        <p>{move || t.get().export_intro}</p>
        <p>{limit}</p>
        <Suspense fallback=move || view! { <p>{move || t.get().working}</p> }>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(ExportState::NeedsPassword) => view! { <PasswordCheck confirm intro=|m| m.export_password_intro/> }.into_any(),
                    Ok(ExportState::Ready) => view! { <p><DownloadLink/></p> }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn EditProfilePage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let save = ServerAction::<UpdateProfile>::new();
    // Reloads after a save, so the details show what the database now holds.
    let overview = Resource::new(move || save.version().get(), |_| account_overview());
    let answer = Signal::derive(move || save.value().get());
    let (problems, general) = answer_problems(answer);
    let saved = move || matches!(answer.get(), Some(Ok(_)));
    let country_problem = Memo::new(move |_| problem_at(&problems.read(), "country"));

    view! {
        <Title text=page_title(|m| m.edit_profile)/>
        <div class="page-heading">
            <h1>{move || t.get().edit_profile}</h1>
            <A href=move || locale.get().href("/account/deactivate") attr:class="deactivate-link">
                {move || t.get().deactivate_link}
            </A>
        </div>
        <Suspense fallback=move || view! { <p>{move || t.get().working}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => {
                        let p = o.profile;
                        let (name, country, phone) = (p.name.clone(), p.country.clone(), p.phone.clone().unwrap_or_default());
                        view! {
                            <section class="card" aria-labelledby="details-title">
                                <h2 id="details-title">{move || t.get().your_details}</h2>
                                <dl class="details">
                                    <dt>{move || t.get().field_name}</dt><dd><bdi translate="no">{p.name.clone()}</bdi></dd>
                                    <dt>{move || t.get().field_email}</dt><dd><bdi translate="no">{p.email.clone()}</bdi></dd>
                                    <dt>{move || t.get().field_country}</dt><dd>{move || country_name(t.get(), &p.country)}</dd>
                                    <dt>{move || t.get().field_phone}</dt>
                                    <dd>{match p.phone.clone() {
                                        Some(phone) => view! { <bdi translate="no">{phone}</bdi> }.into_any(),
                                        None => view! { {move || t.get().not_given} }.into_any(),
                                    }}</dd>
                                    <dt>{move || t.get().member_since_label}</dt>
                                    <dd>{move || format::date(&p.member_since, locale.get())}</dd>
                                </dl>
                            </section>
                            <section class="card" aria-labelledby="edit-title">
                                <h2 id="edit-title">{move || t.get().edit_details}</h2>
                                <ErrorSummary problems general/>
                                <Show when=saved>
                                    <p class="notice" role="status">{move || t.get().profile_saved}</p>
                                </Show>
                                <ActionForm action=save attr:novalidate=true attr:class="form">
                                    <TextField name="name" label=Signal::derive(move || t.get().field_name) autocomplete="name" problems value=Signal::stored(name.clone())/>
                                    <div class="field" class:field-invalid=move || country_problem.read().is_some()>
                                        <label for="field-country">{move || t.get().field_country}</label>
                                        {move || country_problem.get().map(|p| view! {
                                            <p class="field-error" id="field-country-error">{p.problem.message(t.get())}</p>
                                        })}
                                        <select id="field-country" name="country" autocomplete="country"
                                            aria-invalid=move || country_problem.read().is_some().then_some("true")
                                            aria-describedby=move || country_problem.read().is_some().then_some("field-country-error")>
                                            {COUNTRIES.into_iter().map(|code| {
                                                let selected = code == country;
                                                view! { <MessageOption value=code selected text=Signal::derive(move || country_name(t.get(), code))/> }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <TextField name="phone" label=Signal::derive(move || t.get().field_phone) input_type="tel" autocomplete="tel" problems value=Signal::stored(phone.clone())/>
                                    <button type="submit" class="button button-primary">{move || t.get().save_changes}</button>
                                </ActionForm>
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

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let t = use_messages();
    let action = ServerAction::<ChangePassword>::new();
    let answer = Signal::derive(move || action.value().get());
    let (problems, general) = answer_problems(answer);
    let saved = move || matches!(answer.get(), Some(Ok(_)));

    view! {
        <Title text=page_title(|m| m.change_password)/>
        <h1>{move || t.get().change_password}</h1>
        <section class="card narrow">
            <ErrorSummary problems general/>
            <Show when=saved>
                <p class="notice" role="status">{move || t.get().password_changed}</p>
            </Show>
            <ActionForm action attr:novalidate=true attr:class="form">
                <TextField name="current" label=Signal::derive(move || t.get().field_current_password) input_type="password" autocomplete="current-password" problems/>
                <TextField name="new" label=Signal::derive(move || t.get().field_new_password) input_type="password" autocomplete="new-password" hint=Signal::derive(move || t.get().field_password_hint) problems/>
                <button type="submit" class="button button-primary">{move || t.get().change_password}</button>
            </ActionForm>
        </section>
    }
}
