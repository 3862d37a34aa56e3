//! The service's staff: the reason statistics page (`/{en,fi}/staff/reasons`) and its CSV.
//!
//! Every staff URL and server function answers as if it did not exist (404) to anyone who is
//! not a staff member: signed out, a customer, a deleted account. A staff member whose password
//! was not entered in this session within [`crate::deactivation::RECENT_PASSWORD_MINUTES`] is
//! asked for it first (decision 0028).
//! The role is granted and revoked only from the command line (`server staff grant|revoke`).
//!
//! The figures are anonymous by construction (migration 0008, decision 0012); on top of that
//! every cell of fewer than [`SMALL_CELL`] deletions is shown as "fewer than 5", and every total
//! is the sum of the cells shown, so that no hidden cell can be worked out by subtraction
//! (decision 0027).

#[cfg(feature = "ssr")]
pub mod chart;
#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod store;

use crate::domain::{deactivation::Reason, problems::Problem, FieldProblem};
use crate::error::AppError;
use crate::i18n::Locale;
#[cfg(feature = "ssr")]
use crate::server_context::with_status;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A cell of fewer deletions than this is not shown (k-anonymity with k = 5).
pub const SMALL_CELL: i64 = 5;
/// The periods the page offers, in weeks; the first visit shows [`DEFAULT_WEEKS`].
pub const WEEK_CHOICES: [u32; 3] = [4, 12, 52];
pub const DEFAULT_WEEKS: u32 = 12;
/// The newest "Other" texts the page lists.
pub const OTHER_TEXTS_SHOWN: i64 = 100;

/// Buyer or seller, as the statistics keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Role {
    Buyer,
    Seller,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Buyer, Role::Seller];

    pub fn code(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::Seller => "seller",
        }
    }
}

/// What the page shows: the period and the two filters (`None`: everyone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReasonsFilter {
    pub weeks: u32,
    pub locale: Option<Locale>,
    pub role: Option<Role>,
}

impl Default for ReasonsFilter {
    fn default() -> Self {
        ReasonsFilter { weeks: DEFAULT_WEEKS, locale: None, role: None }
    }
}

impl ReasonsFilter {
    /// The filter the form sent: `""` or `all` for a default, anything else unknown is a problem.
    pub fn parse(weeks: &str, locale: &str, role: &str) -> Result<ReasonsFilter, Vec<FieldProblem>> {
        let mut problems = crate::domain::problems::Problems::default();
        let weeks = problems.check(
            "weeks",
            match weeks.trim() {
                "" => Ok(DEFAULT_WEEKS),
                text => text.parse().ok().filter(|w| WEEK_CHOICES.contains(w)).ok_or(Problem::ChoiceUnknown),
            },
        );
        let locale = problems.check(
            "locale",
            match locale.trim() {
                "" | "all" => Ok(None),
                tag => Locale::ALL.into_iter().find(|l| l.tag() == tag).map(Some).ok_or(Problem::ChoiceUnknown),
            },
        );
        let role = problems.check(
            "role",
            match role.trim() {
                "" | "all" => Ok(None),
                code => Role::ALL.into_iter().find(|r| r.code() == code).map(Some).ok_or(Problem::ChoiceUnknown),
            },
        );
        problems.into_result()?;
        Ok(ReasonsFilter {
            weeks: weeks.expect("checked"),
            locale: locale.expect("checked"),
            role: role.expect("checked"),
        })
    }

    /// The filter of a page address, each unknown value taken as its default (a hand-edited
    /// address shows the default view rather than an error).
    pub fn from_query(weeks: &str, locale: &str, role: &str) -> ReasonsFilter {
        let fallback = ReasonsFilter::default();
        ReasonsFilter {
            weeks: ReasonsFilter::parse(weeks, "", "").map_or(fallback.weeks, |f| f.weeks),
            locale: ReasonsFilter::parse("", locale, "").map_or(fallback.locale, |f| f.locale),
            role: ReasonsFilter::parse("", "", role).map_or(fallback.role, |f| f.role),
        }
    }

    /// `weeks=…&locale=…&role=…`, the query of the page and of the CSV.
    pub fn query(&self) -> String {
        format!(
            "weeks={}&locale={}&role={}",
            self.weeks,
            self.locale.map_or("all", Locale::tag),
            self.role.map_or("all", Role::code)
        )
    }
}

/// One cell of the table: a number of deletions, or fewer than [`SMALL_CELL`] (never which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Cell {
    Shown(i64),
    FewerThanFive,
}

impl Cell {
    /// What a count may show; zero shows (it pairs no one with a reason).
    pub fn of(deletions: i64) -> Cell {
        if deletions == 0 || deletions >= SMALL_CELL {
            Cell::Shown(deletions)
        } else {
            Cell::FewerThanFive
        }
    }

    /// What the cell adds to a total: nothing when hidden.
    pub fn shown(self) -> i64 {
        match self {
            Cell::Shown(n) => n,
            Cell::FewerThanFive => 0,
        }
    }
}

/// One week of the table, oldest first: a cell per reason (in [`Reason::ALL`]'s order) and the
/// sum of the cells shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WeekRow {
    /// The Monday that starts the week, `YYYY-MM-DD`.
    pub week_start: String,
    pub cells: Vec<Cell>,
    pub total: i64,
}

/// A reason over the whole period, from the cells shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReasonSummary {
    pub reason: Reason,
    pub deletions: i64,
    /// Its share of the period's shown total, in tenths of a percent; `None` when it is zero.
    pub share_permille: Option<i64>,
    /// Its share in the previous period of the same length, if that period had any.
    pub previous_share_permille: Option<i64>,
}

impl ReasonSummary {
    /// The change of the share against the previous period, in tenths of a percentage point.
    pub fn change_permille(&self) -> Option<i64> {
        Some(self.share_permille.unwrap_or(0) - self.previous_share_permille?)
    }
}

/// The "Other" texts of one day, as stored (masked), with the masks in the page's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OtherTexts {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub texts: Vec<String>,
}

/// Everything the page shows, made on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReasonsReport {
    pub filter: ReasonsFilter,
    pub weeks: Vec<WeekRow>,
    pub reasons: Vec<ReasonSummary>,
    pub total: i64,
    pub previous_total: i64,
    /// The stacked chart, `<svg>…</svg>`, in the page's language.
    pub chart_svg: String,
    /// Newest day first, at most [`OTHER_TEXTS_SHOWN`] texts.
    pub other_texts: Vec<OtherTexts>,
}

/// What the page shows: the password form first if this session's entry is too old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ReasonsState {
    NeedsPassword,
    Ready(Box<ReasonsReport>),
}

/// How the page's report is sent for hydration: JSON without the chart. Hydration keeps the
/// server's markup of an `inner_html` (tachys sets it only when it builds on the client), so
/// the chart, a third of the page at 52 weeks, would only be sent twice (and escaped twice);
/// the server function's own answer, which a refetch after the password form renders, keeps it.
pub struct WithoutChart;

impl leptos::server::codee::Encoder<Result<ReasonsState, AppError>> for WithoutChart {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(state: &Result<ReasonsState, AppError>) -> Result<String, serde_json::Error> {
        let Ok(ReasonsState::Ready(report)) = state else { return serde_json::to_string(state) };
        let without_chart = ReasonsReport {
            filter: report.filter,
            weeks: report.weeks.clone(),
            reasons: report.reasons.clone(),
            total: report.total,
            previous_total: report.previous_total,
            chart_svg: String::new(),
            other_texts: report.other_texts.clone(),
        };
        serde_json::to_string(&Ok::<_, AppError>(ReasonsState::Ready(Box::new(without_chart))))
    }
}

impl leptos::server::codee::Decoder<Result<ReasonsState, AppError>> for WithoutChart {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<Result<ReasonsState, AppError>, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// The reason statistics. `lang` is the page's language (the chart's words and the masks);
/// the other arguments are [`ReasonsFilter::parse`]'s. Missing fields take their defaults, so
/// that every request of someone who is not staff gets the same 404.
#[server(prefix = "/api", endpoint = "staff_reasons", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn staff_reasons(
    #[server(default)] lang: String,
    #[server(default)] weeks: String,
    #[server(default)] locale: String,
    #[server(default)] role: String,
) -> Result<ReasonsState, AppError> {
    server::reasons(&lang, &weeks, &locale, &role).await.map_err(with_status)
}

/// The staff member behind `me`: [`AppError::NotFound`] for anyone who is not one (so nothing
/// tells a customer that staff pages exist), [`AppError::PasswordTooOld`] for a staff member
/// whose password entry in this session is older than
/// [`crate::deactivation::RECENT_PASSWORD_MINUTES`] (decision 0010).
#[cfg(feature = "ssr")]
pub async fn require_staff(
    pool: &sqlx::PgPool,
    me: Option<crate::auth::session::SignedIn>,
) -> Result<crate::auth::session::SignedIn, AppError> {
    let Some(me) = me else { return Err(AppError::NotFound) };
    if !store::is_staff(pool, me.account_id).await? {
        return Err(AppError::NotFound);
    }
    if !me.password_is_recent() {
        return Err(AppError::PasswordTooOld);
    }
    Ok(me)
}

#[cfg(feature = "ssr")]
mod server {
    use super::{report, require_staff, ReasonsFilter, ReasonsState};
    use crate::{auth::session::signed_in, error::AppError, i18n::Locale, server_context::server_context};

    pub async fn reasons(lang: &str, weeks: &str, locale: &str, role: &str) -> Result<ReasonsState, AppError> {
        let pool = server_context().pool;
        match require_staff(&pool, signed_in()).await {
            Ok(_) => {}
            Err(AppError::PasswordTooOld) => return Ok(ReasonsState::NeedsPassword),
            Err(error) => return Err(error),
        }
        let filter = ReasonsFilter::parse(weeks, locale, role).map_err(AppError::Invalid)?;
        let page_locale = Locale::from_path_segment(lang).unwrap_or_default();
        Ok(ReasonsState::Ready(Box::new(report::load(&pool, filter, page_locale).await?)))
    }
}
