//! The staff's reason statistics (issue 17) over real HTTP on a real database: who may see
//! them (everyone else gets 404), the role from the command line, small cells, the chart
//! against the table, and the masking of contact details in "Other" texts before they are stored.

use crate::helpers::{fresh_database, ServerProcess, TestApp};
use reqwest::{header, StatusCode};
use serde_json::Value;
use sqlx::Connection;

const PASSWORD: &str = "staff member password";

/// Every staff URL (both languages, the page and its CSV, with and without a query).
const STAFF_URLS: [&str; 6] = [
    "/en/staff/reasons",
    "/fi/staff/reasons",
    "/en/staff/reasons?weeks=52&locale=fi&role=seller",
    "/en/staff/reasons.csv",
    "/fi/staff/reasons.csv?weeks=4",
    "/en/staff/reasons.csv?weeks=nonsense",
];

/// The staff server function with no fields, with every field, and with nonsense.
const STAFF_CALLS: [&[(&str, &str)]; 3] = [
    &[],
    &[("lang", "fi"), ("weeks", "52"), ("locale", "fi"), ("role", "seller")],
    &[("lang", "xx"), ("weeks", "-1"), ("locale", "<script>"), ("role", "'")],
];

async fn status_of(app: &TestApp, path: &str) -> StatusCode {
    app.client.get(app.url(path)).send().await.unwrap().status()
}

/// Asserts that `app`'s browser gets 404 at every staff URL and from the staff function, and a
/// page that does not tell that a staff page exists.
async fn assert_nothing_to_see(app: &TestApp, who: &str) {
    for path in STAFF_URLS {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{who}: {path}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("Why people leave") && !body.contains("Miksi käyttäjät"), "{who}: {path}: {body}");
    }
    for fields in STAFF_CALLS {
        let response = app.post_form("staff_reasons", fields).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{who}: {fields:?}");
    }
}

/// A fresh app whose browser is signed in as a staff member.
async fn staff_member() -> TestApp {
    let app = TestApp::spawn().await;
    assert_eq!(app.sign_up("noora@example.com", PASSWORD).await.status(), StatusCode::OK);
    server::staff::change_role(&app.pool, "Noora@Example.com", true).await.unwrap();
    app
}

async fn add_counts(app: &TestApp, rows: &[(&str, &str, &str, &str, i32)]) {
    for (day, reason, locale, role, deletions) in rows {
        sqlx::query(
            "INSERT INTO deletion_reason_counts (day, reason, locale, role, deletions)
             VALUES (current_date - $1::int, $2, $3, $4, $5)",
        )
        .bind(day.parse::<i32>().unwrap())
        .bind(reason)
        .bind(locale)
        .bind(role)
        .bind(deletions)
        .execute(&app.pool)
        .await
        .unwrap();
    }
}

async fn report(app: &TestApp, fields: &[(&str, &str)]) -> Value {
    let response = app.post_form("staff_reasons", fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let state: Value = response.json().await.unwrap();
    state["Ready"].clone()
}

#[tokio::test]
async fn everyone_but_a_staff_member_gets_404_at_every_staff_url_and_function() {
    let app = TestApp::spawn().await;
    assert_nothing_to_see(&app, "signed out").await;

    let customer = app.another_browser();
    assert_eq!(customer.sign_up("customer@example.com", PASSWORD).await.status(), StatusCode::OK);
    assert_nothing_to_see(&customer, "a customer").await;

    let former = app.another_browser();
    assert_eq!(former.sign_up("former.staff@example.com", PASSWORD).await.status(), StatusCode::OK);
    server::staff::change_role(&app.pool, "former.staff@example.com", true).await.unwrap();
    assert_eq!(status_of(&former, "/en/staff/reasons").await, StatusCode::OK, "staff while granted");
    server::staff::change_role(&app.pool, "former.staff@example.com", false).await.unwrap();
    assert_nothing_to_see(&former, "a revoked staff member").await;
}

#[tokio::test]
async fn a_staff_member_sees_the_page_in_both_languages_after_a_recent_password_only() {
    let app = staff_member().await;
    for (path, title) in [("/en/staff/reasons", "Why people leave"), ("/fi/staff/reasons", "Miksi käyttäjät lähtevät")]
    {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.text().await.unwrap();
        assert!(body.contains(title) && body.contains("<svg"), "{path}: {body}");
    }
    let csv = app.client.get(app.url("/en/staff/reasons.csv?weeks=4")).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(csv.text().await.unwrap().lines().count(), 1 + 4, "a header and four weeks");

    // The password entered in this session is 11 minutes old: the page asks for it again,
    // the function refuses, the CSV sends the browser to the page.
    sqlx::query("UPDATE sessions SET password_entered_at = now() - interval '11 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let page = app.client.get(app.url("/en/staff/reasons")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Confirm your password") && !page.contains("<svg"), "{page}");
    let state = app.post_form("staff_reasons", &[]).await;
    assert_eq!(state.status(), StatusCode::OK);
    assert_eq!(state.json::<Value>().await.unwrap(), "NeedsPassword");
    let csv = app.client.get(app.url("/en/staff/reasons.csv?weeks=4")).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::SEE_OTHER);
    assert_eq!(csv.headers()[header::LOCATION], "/en/staff/reasons?weeks=4");

    let confirmed = app.post_form("confirm_password", &[("password", PASSWORD)]).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert_eq!(status_of(&app, "/en/staff/reasons.csv").await, StatusCode::OK);
}

#[tokio::test]
async fn a_filter_value_that_is_not_offered_is_refused_with_its_field() {
    let app = staff_member().await;
    let response = app.post_form("staff_reasons", &[("weeks", "13"), ("locale", "sv"), ("role", "admin")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["Invalid"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["weeks", "locale", "role"], "{body}");
    let csv = app.client.get(app.url("/fi/staff/reasons.csv?weeks=13")).send().await.unwrap();
    assert_eq!(csv.status(), StatusCode::BAD_REQUEST);
    assert_eq!(csv.text().await.unwrap(), "Valitse jokin tarjotuista vaihtoehdoista.");
}

#[tokio::test]
async fn a_cell_of_fewer_than_5_reads_fewer_than_5_in_the_function_the_page_and_the_csv() {
    let app = staff_member().await;
    // Yesterday (or the day before on a Monday, still this week or last): cheated 3 in all,
    // registered by mistake 7; Finnish sellers alone: 2 of the 7.
    add_counts(
        &app,
        &[
            ("0", "cheated", "en", "buyer", 2),
            ("0", "cheated", "fi", "buyer", 1),
            ("0", "registered_by_mistake", "en", "buyer", 5),
            ("0", "registered_by_mistake", "fi", "seller", 2),
        ],
    )
    .await;
    let all = report(&app, &[("weeks", "4")]).await;
    let this_week = all["weeks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(this_week["cells"][0], serde_json::json!({ "Shown": 7 }), "{this_week}");
    assert_eq!(this_week["cells"][4], "FewerThanFive", "{this_week}");
    assert_eq!(this_week["total"], 7, "the hidden cell is not in the total: {this_week}");
    assert_eq!(all["total"], 7);

    let finnish_sellers = report(&app, &[("weeks", "4"), ("locale", "fi"), ("role", "seller")]).await;
    let this_week = finnish_sellers["weeks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(this_week["cells"][0], "FewerThanFive", "{this_week}");
    assert_eq!(this_week["total"], 0);

    let page = app.client.get(app.url("/en/staff/reasons?weeks=4")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(">fewer than 5<"), "the table: {page}");
    let chart = &page[page.find("<svg").unwrap()..page.find("</svg>").unwrap()];
    assert!(chart.contains("<desc>I was cheated: fewer than 5</desc>"), "the chart: {chart}");
    assert!(!page.contains(r#" 3""#) && !page.contains(">3<"), "the hidden 3 shows nowhere: {page}");
    let csv = app.client.get(app.url("/fi/staff/reasons.csv?weeks=4")).send().await.unwrap().text().await.unwrap();
    let last = csv.lines().last().unwrap();
    assert!(last.ends_with(r#","7""#) && last.contains(r#""7","0","0","0","alle 5","#), "{csv}");
}

/// The `data-cell` values ("<week> <reason> <deletions>") of the elements named `tag`, with
/// the element's `height` when it has one.
fn cells(html: &str, tag: &str) -> Vec<(String, Option<f64>)> {
    html.split(&format!("<{tag} "))
        .skip(1)
        .filter_map(|element| {
            let element = format!(" {}", &element[..element.find('>').unwrap()]);
            let attribute = |name: &str| {
                let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
                Some(element[start..][..element[start..].find('"')?].to_owned())
            };
            Some((attribute("data-cell")?, attribute("height").map(|h| h.parse().unwrap())))
        })
        .collect()
}

#[tokio::test]
async fn the_chart_and_the_table_show_the_same_figures() {
    let app = staff_member().await;
    let mut rows = Vec::new();
    for (n, reason) in ["registered_by_mistake", "too_many_emails", "found_supplier", "other"].iter().enumerate() {
        for week in 0..12 {
            let day = (7 * week).to_string().leak() as &str;
            rows.push((day, *reason, "en", "buyer", (5 + n * 3 + week) as i32));
        }
    }
    rows.push(("3", "cheated", "fi", "seller", 2));
    add_counts(&app, &rows).await;

    let page = app.client.get(app.url("/en/staff/reasons")).send().await.unwrap().text().await.unwrap();
    let svg = &page[page.find("<svg").unwrap()..page.find("</svg>").unwrap()];
    let table = &page[page.find(r#"id="staff-weekly""#).unwrap()..];
    let mut in_chart = cells(svg, "rect");
    let mut in_table: Vec<String> = cells(table, "td").into_iter().map(|(cell, _)| cell).collect();
    assert!(in_chart.len() >= 4 * 11, "{svg}");
    in_table.sort();
    in_chart.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(in_chart.iter().map(|(cell, _)| cell.clone()).collect::<Vec<_>>(), in_table);
    // Each segment's height is its figure at one scale.
    let per_deletion: Vec<f64> = in_chart
        .iter()
        .map(|(cell, height)| height.unwrap() / cell.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .collect();
    assert!(per_deletion.iter().all(|s| (s - per_deletion[0]).abs() < 0.01), "{per_deletion:?}");
}

/// The chart is in the page once: its markup, and not a second, escaped copy in the data the
/// browser hydrates from (hydration keeps the server's markup of the figure), which at 52
/// weeks doubled the page's bytes and its escaping.
#[tokio::test]
async fn the_page_sends_the_chart_once() {
    let app = staff_member().await;
    add_counts(&app, &[("3", "cheated", "en", "buyer", 12)]).await;
    let page = app.client.get(app.url("/en/staff/reasons")).send().await.unwrap().text().await.unwrap();
    let hydration = &page[page.find("__RESOLVED_RESOURCES").expect("the page carries its hydration data")..];
    assert!(
        hydration.contains("chart_svg") && hydration.contains(r#"\"Shown\":12"#),
        "the report is in it: {hydration}"
    );
    assert_eq!(page.matches("reasons-chart-desc").count(), 2, "the chart's description and its one reference");
}

/// The "Other" texts of the period: newest day first, each mask in the page's language, and
/// none of a day with fewer than 5 deletions in all (the day and the tombstones would narrow
/// such a text down to a few accounts), nor of a day before the period.
#[tokio::test]
async fn the_other_texts_show_newest_day_first_masked_in_the_pages_language_and_never_of_a_small_day() {
    let app = staff_member().await;
    // Yesterday 6 deletions, the day before 4 in all (3 + 1), and 6 long before the period.
    add_counts(
        &app,
        &[
            ("1", "other", "en", "buyer", 2),
            ("1", "cheated", "fi", "seller", 4),
            ("2", "other", "fi", "buyer", 3),
            ("2", "cheated", "en", "buyer", 1),
            ("100", "other", "en", "buyer", 6),
        ],
    )
    .await;
    for (day, text) in [
        (1, "Write to {email}"),
        (1, "A site like {link} was better"),
        (2, "Only four of us left that day"),
        (100, "Long ago"),
    ] {
        sqlx::query("INSERT INTO deletion_other_texts (given_on, text) VALUES (current_date - $1::int, $2)")
            .bind(day)
            .bind(text)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let yesterday: String = sqlx::query_scalar("SELECT (current_date - 1)::text").fetch_one(&app.pool).await.unwrap();
    let english = report(&app, &[("lang", "en"), ("weeks", "4")]).await;
    assert_eq!(
        english["other_texts"],
        serde_json::json!([{ "day": yesterday, "texts": ["A site like [web address] was better", "Write to [email address]"] }])
    );
    let finnish = report(&app, &[("lang", "fi"), ("weeks", "52")]).await;
    assert_eq!(
        finnish["other_texts"],
        serde_json::json!([
            { "day": yesterday, "texts": ["A site like [verkko-osoite] was better", "Write to [sähköpostiosoite]"] },
            { "day": sqlx::query_scalar::<_, String>("SELECT (current_date - 100)::text").fetch_one(&app.pool).await.unwrap(), "texts": ["Long ago"] },
        ])
    );
    let page = app.client.get(app.url("/en/staff/reasons?weeks=4")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Write to [email address]"), "{page}");
    assert!(!page.contains("Only four of us"), "a day of 4 deletions shows its text: {page}");
}

#[tokio::test]
async fn contact_details_in_an_other_text_are_masked_before_they_are_stored() {
    let app = TestApp::spawn().await;
    assert_eq!(app.sign_up("leaving@example.com", PASSWORD).await.status(), StatusCode::OK);
    let text = "Call +358 40 123 4567 or 040-1234567, write to me@example.fi, see https://example.com/x";
    let response = app
        .post_form(
            "deactivate_account",
            &[
                ("locale", "en"),
                ("email", "leaving@example.com"),
                ("phrase", "deactivate my account"),
                ("reason", "other"),
                ("other_text", text),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored: String =
        sqlx::query_scalar("SELECT other_text FROM deletion_feedback_inbox").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, "Call {phone} or {phone}, write to {email}, see {link}");
}

#[tokio::test]
async fn server_staff_grant_and_revoke_change_the_role_from_the_command_line_only() {
    let (pool, url) = fresh_database().await;
    sqlx::query(
        "INSERT INTO accounts (email, password_hash, name, country) VALUES ('Sam@Example.com', 'x', 'Sam', 'FI')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let staff =
        || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM staff_members").fetch_one(&pool).await.unwrap() };
    let run = |args: &'static [&'static str]| {
        let url = url.clone();
        async move {
            let output = ServerProcess::run_command(&url, args).await;
            (
                output.status.success(),
                String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr),
            )
        }
    };

    let (ok, said) = run(&["staff", "grant", "sam@example.com"]).await;
    assert!(ok && said.contains("is now staff"), "{said}");
    assert_eq!(staff().await, 1);
    let (ok, said) = run(&["staff", "grant", "sam@example.com"]).await;
    assert!(ok && said.contains("was staff already"), "{said}");
    let (ok, said) = run(&["staff", "revoke", "SAM@example.com"]).await;
    assert!(ok && said.contains("no longer staff"), "{said}");
    assert_eq!(staff().await, 0);
    let (ok, said) = run(&["staff", "grant", "nobody@example.com"]).await;
    assert!(!ok && said.contains("no account can sign in with nobody@example.com"), "{said}");
    let (ok, said) = run(&["staff", "promote", "sam@example.com"]).await;
    assert!(!ok && said.contains("server staff grant|revoke EMAIL"), "{said}");
    assert_eq!(staff().await, 0);
}

/// The nodes of an `EXPLAIN (FORMAT JSON)` plan, depth first.
fn plan_nodes(plan: &Value) -> Vec<&Value> {
    let mut all = vec![plan];
    for child in plan.get("Plans").and_then(Value::as_array).into_iter().flatten() {
        all.extend(plan_nodes(child));
    }
    all
}

/// The plan of `statement`, run.
async fn explain(conn: &mut sqlx::PgConnection, statement: String) -> Value {
    let (plan,): (Value,) = sqlx::query_as(&format!("EXPLAIN (ANALYZE, FORMAT JSON) {statement}"))
        .fetch_one(conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    plan[0]["Plan"].clone()
}

/// Three years of statistics (every day, reason, locale and role; a hundred thousand "Other"
/// texts), analyzed: the page's statements read through their indexes. The counters of the
/// 4- and 12-week views (with their previous periods) come from the weekly rollup through its
/// primary key's range of weeks; the 52-week view covers two of the three years, which
/// PostgreSQL rightly reads whole (a few thousand rows). The texts come in the page's order
/// straight from their index, the hundred shown and no more, whatever the period.
/// (`IS_STAFF` reads a table of a few rows by its primary key: nothing to prove.)
#[tokio::test]
async fn the_staff_statements_read_through_indexes_on_three_years_of_statistics() {
    use app::staff::store::sql;
    let (pool, url) = fresh_database().await;
    sqlx::query(
        "INSERT INTO deletion_reason_counts (day, reason, locale, role, deletions)
         SELECT current_date - d, r, l, ro, 1 + (d * 7 + length(r) * 3) % 250
           FROM generate_series(1, 1095) d,
                unnest(ARRAY['registered_by_mistake', 'no_suitable_products', 'too_many_emails', 'leaving_business',
                             'cheated', 'wrong_email', 'found_supplier', 'no_answers', 'other']) r,
                unnest(ARRAY['en', 'fi']) l, unnest(ARRAY['buyer', 'seller']) ro",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO deletion_other_texts (given_on, text)
         SELECT current_date - 1 - g % 1095, 'Reason number ' || g FROM generate_series(1, 100000) g",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("VACUUM ANALYZE").execute(&pool).await.unwrap();
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(&format!(
        "PREPARE counts (date, date, text, text) AS {};
         PREPARE totals (date, date) AS {};
         PREPARE texts (date, date, bigint, bigint) AS {}",
        sql::WEEKLY_COUNTS,
        sql::WEEKLY_TOTALS,
        sql::OTHER_TEXTS
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let uses = |plan: &Value, table: &str, index: &str| {
        let nodes = plan_nodes(plan);
        let shown = serde_json::to_string_pretty(plan).unwrap();
        assert!(nodes.iter().any(|n| n["Index Name"] == index), "{index} is not used:\n{shown}");
        assert!(
            !nodes.iter().any(|n| n["Node Type"] == "Seq Scan" && n["Relation Name"] == table),
            "{table} is read whole:\n{shown}"
        );
    };

    for weeks in [4, 12, 52] {
        // The period and the one before it, as `report::load` asks.
        let range = format!(
            "date_trunc('week', current_date)::date - {} * 7, date_trunc('week', current_date)::date + 7",
            2 * weeks - 1
        );
        // Both filters "all" (the default view) read the rollup summed over locale and role.
        let plan = explain(&mut conn, format!("EXECUTE totals ({range})")).await;
        if weeks < 52 {
            uses(&plan, "deletion_reason_week_totals", "deletion_reason_week_totals_pkey");
        }
        let plan = explain(&mut conn, format!("EXECUTE counts ({range}, 'fi', 'seller')")).await;
        if weeks < 52 {
            uses(&plan, "deletion_reason_weeks", "deletion_reason_weeks_pkey");
        }
        let plan = explain(&mut conn, format!("EXECUTE texts ({range}, 100, 5)")).await;
        uses(&plan, "deletion_other_texts", "deletion_other_texts_day_text_idx");
        let sorts = plan_nodes(&plan).iter().any(|n| n["Node Type"] == "Sort" || n["Node Type"] == "Incremental Sort");
        assert!(!sorts, "{weeks} weeks: the texts are sorted, not read in order:\n{plan:#}");
        let read = plan_nodes(&plan)
            .iter()
            .filter(|n| n["Relation Name"] == "deletion_other_texts")
            .map(|n| n["Actual Rows"].as_f64().unwrap() * n["Actual Loops"].as_f64().unwrap())
            .sum::<f64>();
        // A day holds about 91 texts: the hundred shown are all that is read.
        assert!(read <= 100.0, "{weeks} weeks: {read} texts read for a hundred");
    }
}

/// The page reads the weekly and daily rollups of migration 0021, kept by a trigger: after new
/// counters, counters added to (the housekeeping's release, an upsert), changed and removed,
/// each rollup holds exactly the sums of the counters.
#[tokio::test]
async fn the_weekly_and_daily_rollups_hold_the_sums_of_the_counters_after_every_change() {
    let (pool, _) = fresh_database().await;
    let execute = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.unwrap() }
    };
    // Three weeks of days (a Sunday and the Monday after it among them), two reasons, both roles.
    execute(
        "INSERT INTO deletion_reason_counts (day, reason, locale, role, deletions)
         SELECT date '2026-11-01' + d, r, 'en', ro, 1 + d
           FROM generate_series(0, 20) d, unnest(ARRAY['cheated', 'other']) r, unnest(ARRAY['buyer', 'seller']) ro",
    )
    .await;
    // The housekeeping's release adds to existing counters and makes new ones.
    execute(
        "INSERT INTO deletion_feedback_inbox (given_on, reason, locale, role, other_text)
         SELECT date '2026-11-02', 'cheated', 'fi', 'buyer', NULL FROM generate_series(1, 3)
         UNION ALL SELECT date '2026-11-08', 'other', 'en', 'seller', 'text' FROM generate_series(1, 4)",
    )
    .await;
    assert_eq!(server::housekeeping::release_feedback(&pool).await.unwrap(), 7);
    execute("UPDATE deletion_reason_counts SET deletions = deletions * 10 WHERE day = date '2026-11-09'").await;
    execute("DELETE FROM deletion_reason_counts WHERE day = date '2026-11-15' AND role = 'seller'").await;

    let rows = |sql: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query_as::<_, (String, i64)>(sql).fetch_all(&pool).await.unwrap() }
    };
    let weeks = rows(
        "SELECT concat_ws(' ', week, reason, locale, role), deletions FROM deletion_reason_weeks
          WHERE deletions <> 0 ORDER BY 1",
    )
    .await;
    let expected_weeks = rows(
        "SELECT concat_ws(' ', date_trunc('week', day)::date, reason, locale, role), sum(deletions)::bigint
           FROM deletion_reason_counts GROUP BY 1 ORDER BY 1",
    )
    .await;
    assert_eq!(weeks, expected_weeks);
    assert_eq!(weeks.len(), 4 * 4 + 1, "four weeks (Monday 2026-10-26 to 2026-11-16) of four cells, and one Finnish");
    let week_totals = rows(
        "SELECT concat_ws(' ', week, reason), deletions FROM deletion_reason_week_totals WHERE deletions <> 0 ORDER BY 1",
    )
    .await;
    let expected_week_totals = rows(
        "SELECT concat_ws(' ', date_trunc('week', day)::date, reason), sum(deletions)::bigint
           FROM deletion_reason_counts GROUP BY 1 ORDER BY 1",
    )
    .await;
    assert_eq!(week_totals, expected_week_totals);
    assert_eq!(week_totals.len(), 4 * 2, "four weeks of two reasons, every locale and role together");
    let days = rows("SELECT day::text, deletions FROM deletion_reason_days WHERE deletions <> 0 ORDER BY 1").await;
    let expected_days =
        rows("SELECT day::text, sum(deletions)::bigint FROM deletion_reason_counts GROUP BY 1 ORDER BY 1").await;
    assert_eq!(days, expected_days);
    assert_eq!(days.len(), 21);
}
