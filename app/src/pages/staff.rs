//! `/staff/reasons`: why people leave, for the service's staff. Anyone else gets the page
//! that is not found (the server function answers 404 and this page renders [`NotFound`]).
//! The chart is SVG made by the server; the page only places it.

use crate::{
    components::form::{LoadError, MessageOption},
    deactivation::ConfirmPassword,
    domain::deactivation::Reason,
    error::AppError,
    format,
    i18n::{fill, page_title, use_locale, use_messages, Locale, Messages, PseudoLocales, Text},
    pages::{account::deactivate::PasswordCheck, not_found::NotFound},
    staff::{
        staff_reasons, Cell, ReasonSummary, ReasonsFilter, ReasonsReport, ReasonsState, Role, WithoutChart,
        WEEK_CHOICES,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StaffReasonsPage() -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let query = use_query_map();
    let confirm = ServerAction::<ConfirmPassword>::new();
    let report = Resource::<_, WithoutChart>::new_with_options(
        move || {
            let query = query.get();
            let value = |name: &str| query.get(name).unwrap_or_default();
            (
                confirm.version().get(),
                locale.get(),
                ReasonsFilter::from_query(&value("weeks"), &value("locale"), &value("role")),
            )
        },
        |(_, page_locale, filter)| {
            staff_reasons(
                page_locale.tag().to_owned(),
                filter.weeks.to_string(),
                filter.locale.map_or("all", Locale::tag).to_owned(),
                filter.role.map_or("all", Role::code).to_owned(),
            )
        },
        false,
    );

    view! {
        <Suspense fallback=move || view! { <p>{move || t.get().working}</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(ReasonsState::Ready(report)) => view! {
                        <Title text=page_title(|m| m.staff_reasons_title)/>
                        <h1>{move || t.get().staff_reasons_title}</h1>
                        <p>{move || t.get().staff_reasons_lead}</p>
                        <Filters filter=report.filter/>
                        <Report report=*report/>
                    }
                    .into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Ok(ReasonsState::NeedsPassword) => view! {
                        <Title text=page_title(|m| m.staff_reasons_title)/>
                        <h1>{move || t.get().staff_reasons_title}</h1>
                        <PasswordCheck confirm intro=|m| m.staff_password_intro/>
                    }
                    .into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The period and the two filters: a plain GET form, so it works without JavaScript.
#[component]
fn Filters(filter: ReasonsFilter) -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    view! {
        <form method="get" class="card filters" action=move || locale.get().href("/staff/reasons")>
            <div class="field">
                <label for="staff-weeks">{move || t.get().staff_filter_weeks}</label>
                <select id="staff-weeks" name="weeks">
                    {WEEK_CHOICES.map(|weeks| view! {
                        <option value=weeks.to_string() selected=filter.weeks == weeks>
                            {move || fill(t.get().staff_weeks.select(i64::from(weeks)), &[("count", &weeks)]).text}
                        </option>
                    })}
                </select>
            </div>
            <div class="field">
                <label for="staff-locale">{move || t.get().staff_filter_locale}</label>
                <select id="staff-locale" name="locale">
                    <MessageOption value="all" selected=filter.locale.is_none() text=Signal::derive(move || t.get().staff_filter_all_locales)/>
                    {Locale::ALL.map(|l| view! {
                        <MessageOption value=l.tag() selected=filter.locale == Some(l) text=Signal::derive(move || l.native_name(PseudoLocales::served(), false))/>
                    })}
                </select>
            </div>
            <div class="field">
                <label for="staff-role">{move || t.get().staff_filter_role}</label>
                <select id="staff-role" name="role">
                    <MessageOption value="all" selected=filter.role.is_none() text=Signal::derive(move || t.get().staff_filter_all_roles)/>
                    {Role::ALL.map(|role| view! {
                        <MessageOption value=role.code() selected=filter.role == Some(role) text=Signal::derive(move || role_label(t.get(), role))/>
                    })}
                </select>
            </div>
            <button type="submit" class="button button-primary">{move || t.get().staff_filter_apply}</button>
        </form>
    }
}

fn role_label(t: &'static Messages, role: Role) -> Text {
    match role {
        Role::Buyer => t.staff_role_buyers,
        Role::Seller => t.staff_role_sellers,
    }
}

fn cell_text(cell: Cell, t: &'static Messages, locale: Locale) -> String {
    match cell {
        Cell::Shown(n) => format::number(n, locale),
        Cell::FewerThanFive => t.staff_fewer_than_5.to_string(),
    }
}

#[component]
fn Report(report: ReasonsReport) -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let ReasonsReport { filter, weeks, reasons, total, previous_total, chart_svg, other_texts } = report;
    let csv = move || format!("{}?{}", locale.get().href("/staff/reasons.csv"), filter.query());

    view! {
        // No name on the two sections that hold a table: the table's scrolling region is the
        // landmark, and two landmarks of one name are one too many (axe's landmark-unique).
        <section class="card">
            <h2>{move || t.get().staff_table_caption}</h2>
            <p>{move || t.get().staff_suppression_note}</p>
            // Focusable: on a narrow screen it scrolls sideways (the keyboard's arrows too).
            <figure class="chart" tabindex="0" aria-labelledby="reasons-chart-title" inner_html=chart_svg></figure>
            <div class="table-wrap" tabindex="0" role="region" aria-labelledby="staff-weekly-caption">
                <table class="data-table" id="staff-weekly">
                    <caption id="staff-weekly-caption">{move || t.get().staff_table_caption}</caption>
                    <thead><tr>
                        <th scope="col">{move || t.get().staff_table_week}</th>
                        {Reason::ALL.map(|r| view! { <th scope="col" class="numeric">{move || r.label(t.get())}</th> })}
                        <th scope="col" class="numeric">{move || t.get().staff_table_total_shown}</th>
                    </tr></thead>
                    <tbody>
                        {weeks.into_iter().map(|week| {
                            let start = week.week_start.clone();
                            view! {
                                <tr>
                                    <th scope="row">{move || format::date(&start, locale.get())}</th>
                                    {week.cells.iter().zip(Reason::ALL).map(|(&cell, reason)| {
                                        let data = match cell {
                                            Cell::Shown(n) if n > 0 => Some(format!("{} {} {n}", week.week_start, reason.code())),
                                            _ => None,
                                        };
                                        view! { <td class="numeric" data-cell=data>{move || cell_text(cell, t.get(), locale.get())}</td> }
                                    }).collect_view()}
                                    <td class="numeric">{move || format::number(week.total, locale.get())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p><a href=csv download="reasons.csv" rel="external">{move || t.get().staff_download_csv}</a></p>
        </section>
        <Summary reasons total previous_total/>
        <section class="card" aria-labelledby="staff-other-title">
            <h2 id="staff-other-title">{move || t.get().staff_other_texts_title}</h2>
            <p>{move || t.get().staff_other_texts_note}</p>
            {if other_texts.is_empty() {
                view! { <p>{move || t.get().staff_other_texts_none}</p> }.into_any()
            } else {
                view! {
                    <dl class="other-texts">
                        {other_texts.into_iter().map(|day| {
                            let date = day.day.clone();
                            view! {
                                <dt>{move || format::date(&date, locale.get())}</dt>
                                {day.texts.into_iter().map(|text| view! { <dd>{text}</dd> }).collect_view()}
                            }
                        }).collect_view()}
                    </dl>
                }
                .into_any()
            }}
        </section>
    }
}

/// Each reason's share of the period and its change against the previous period.
#[component]
fn Summary(reasons: Vec<ReasonSummary>, total: i64, previous_total: i64) -> impl IntoView {
    let t = use_messages();
    let locale = use_locale();
    let percent = move |permille: Option<i64>| match permille {
        Some(value) => fill(t.get().staff_percent, &[("value", &format::tenths(value, false, locale.get()))]),
        None => t.get().staff_no_figure.into(),
    };
    let points = move |permille: Option<i64>| match permille {
        Some(value) => fill(t.get().staff_points, &[("value", &format::tenths(value, true, locale.get()))]),
        None => t.get().staff_no_figure.into(),
    };
    view! {
        <section class="card">
            <h2 id="staff-summary-title">{move || t.get().staff_summary_title}</h2>
            <div class="table-wrap" tabindex="0" role="region" aria-labelledby="staff-summary-title">
                <table class="data-table" id="staff-summary">
                    <thead><tr>
                        <th scope="col">{move || t.get().staff_summary_reason}</th>
                        <th scope="col" class="numeric">{move || t.get().staff_summary_deletions}</th>
                        <th scope="col" class="numeric">{move || t.get().staff_summary_share}</th>
                        <th scope="col" class="numeric">{move || t.get().staff_summary_previous_share}</th>
                        <th scope="col" class="numeric">{move || t.get().staff_summary_change}</th>
                    </tr></thead>
                    <tbody>
                        {reasons.into_iter().map(|r| {
                            let change = r.change_permille();
                            view! {
                                <tr>
                                    <th scope="row">{move || r.reason.label(t.get())}</th>
                                    <td class="numeric">{move || format::number(r.deletions, locale.get())}</td>
                                    <td class="numeric">{move || percent(r.share_permille)}</td>
                                    <td class="numeric">{move || percent(r.previous_share_permille)}</td>
                                    <td class="numeric">{move || points(change)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr>
                        <th scope="row">{move || t.get().staff_summary_all_reasons}</th>
                        <td class="numeric">{move || format::number(total, locale.get())}</td>
                        <td class="numeric">{move || percent((total > 0).then_some(1000))}</td>
                        <td class="numeric">{move || fill(t.get().staff_summary_previous_total, &[("count", &format::number(previous_total, locale.get()))])}</td>
                        <td></td>
                    </tr></tfoot>
                </table>
            </div>
        </section>
    }
}
