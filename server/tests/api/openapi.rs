//! The OpenAPI description at `/api/openapi.json` is the server's own: the form fields each
//! operation names are the ones the server function reads, the required ones are required, and
//! what a call answers is a status the operation lists, with an `AppError` body (issue 20,
//! point 1). Whether the fixtures API is in it: `fixtures.rs`, `no_fixtures.rs`.

use crate::helpers::TestApp;
use app::error::AppError;
use reqwest::StatusCode;
use serde_json::Value;

/// The served description.
pub async fn served_description(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// The schema `schema` is, or refers to (`$ref` into `components/schemas`).
fn resolved<'a>(description: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/").expect("a reference into components");
            &description["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn every_server_function_reads_the_fields_its_description_names_and_answers_a_listed_status() {
    // Arrange
    let app = TestApp::spawn().await;
    let description = served_description(&app).await;
    assert_eq!(description["openapi"], "3.1.0");
    let paths = description["paths"].as_object().unwrap();
    let functions: Vec<_> = paths.iter().filter(|(path, _)| path.starts_with("/api/")).collect();
    assert_eq!(functions.len(), 15, "every server function: {:?}", paths.keys());

    for (path, item) in functions {
        let operation = &item["post"];
        let form =
            resolved(&description, &operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]);
        assert_eq!(form["type"], "object", "{path}");
        let fields: Vec<&str> =
            form["properties"].as_object().map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
        let required: Vec<&str> =
            form["required"].as_array().map(|r| r.iter().map(|f| f.as_str().unwrap()).collect()).unwrap_or_default();
        let endpoint = path.trim_start_matches("/api/");

        // Act: every field named (not signed in)
        let all: Vec<(&str, &str)> = fields.iter().map(|field| (*field, "x")).collect();
        let response = app.post_form(endpoint, &all).await;

        // Assert: the server read the form, and answered a status the description lists
        let status = response.status().as_u16().to_string();
        let body = response.text().await.unwrap();
        assert!(
            operation["responses"].get(&status).is_some(),
            "{path} answered {status}, which its description does not list: {body}"
        );
        if status != "200" {
            let error: AppError = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
            assert_ne!(error, AppError::Malformed, "{path} did not read the fields {fields:?} its description names");
        }

        for left_out in &required {
            // Act: one required field left out
            let fewer: Vec<(&str, &str)> = all.iter().copied().filter(|(field, _)| field != left_out).collect();
            let response = app.post_form(endpoint, &fewer).await;

            // Assert
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} without {left_out}");
            assert_eq!(response.json::<AppError>().await.unwrap(), AppError::Malformed, "{path} without {left_out}");
        }
    }
}
