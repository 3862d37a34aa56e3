//! The OpenAPI 3.1 description of every endpoint an end-to-end suite may call, served at
//! `GET /api/openapi.json`: the server functions and, only in a server built with the
//! `test-fixtures` feature, the fixtures API.
//!
//! Generated from the code, so it cannot drift (docs/decisions/0024): each server function's
//! path is its own `ServerFn::PATH`, its form fields are its argument struct (which derives
//! `JsonSchema` through `input_derive`), its answer and its error are the Rust types it
//! returns, read by schemars with their serde attributes; the statuses come from
//! `AppError::status`. What stays written here is prose (summaries) and which functions need a
//! session; a test checks that every registered server function is described.

use app::{
    account::{AccountOverview, ChangePassword, MyMessages, MyOrders, UpdateProfile},
    auth::forms::{CurrentViewer, SignIn, SignOut, SignUp},
    catalogue::LoadCatalogueSummary,
    deactivation::{ConfirmPassword, DeactivateAccount, LoadDeactivationState},
    error::AppError,
    export::LoadExportState,
    staff::StaffReasons,
};
use axum::{http::header, response::IntoResponse};
use leptos::server_fn::ServerFn;
use schemars::{generate::SchemaSettings, transform::RecursiveTransform, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Where the description is served.
pub const PATH: &str = "/api/openapi.json";

/// `GET /api/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], description().to_string())
}

/// The description, built once.
pub fn description() -> &'static Value {
    static DESCRIPTION: OnceLock<Value> = OnceLock::new();
    DESCRIPTION.get_or_init(build)
}

/// Whether a server function needs a signed-in session.
#[derive(Clone, Copy, PartialEq)]
enum Session {
    Optional,
    Required,
    /// Required, and the account must have the staff role: everyone else gets 404.
    Staff,
}

fn build() -> Value {
    described().into_document()
}

/// Every endpoint, described.
fn described() -> Paths {
    let mut paths = Paths::new();
    use Session::{Optional, Required, Staff};
    paths.server_function::<CurrentViewer>("Who is signed in (null when nobody is)", Optional);
    paths.server_function::<SignIn>("Signs in; answers the page to go to and sets the session cookie", Optional);
    paths.server_function::<SignUp>("Creates an account and signs it in; answers the page to go to", Optional);
    paths.server_function::<SignOut>("Ends the session; answers the page to go to", Optional);
    paths.server_function::<LoadCatalogueSummary>("What the home page counts", Optional);
    paths.server_function::<AccountOverview>("The overview of the signed-in account", Required);
    paths.server_function::<MyOrders>("One page of the account's orders, newest first", Required);
    paths.server_function::<MyMessages>("One page of the account's messages, newest first", Required);
    paths.server_function::<UpdateProfile>("Saves the profile's name, country and phone", Required);
    paths.server_function::<ChangePassword>("Changes the password and ends the other sessions", Required);
    paths.server_function::<LoadDeactivationState>(
        "Whether the deactivation page must ask for the password first, else what the deletion will do",
        Required,
    );
    paths.server_function::<ConfirmPassword>("Enters the password again in this session (sudo mode)", Required);
    paths.server_function::<DeactivateAccount>(
        "Deletes the account for good; answers the goodbye page's path with the receipt",
        Required,
    );
    paths.server_function::<LoadExportState>(
        "Whether the Download your data page must ask for the password first (the ZIP is GET /{locale}/account/data.zip)",
        Required,
    );
    paths.server_function::<StaffReasons>("The reason statistics of the staff page (staff only)", Staff);
    #[cfg(feature = "test-fixtures")]
    paths.fixtures();
    paths
}

/// The description's paths and the schemas they refer to.
struct Paths {
    /// Server functions' forms: what the server accepts. A form has no null: an `Option` field
    /// is one that may be left out.
    forms: SchemaGenerator,
    /// JSON request bodies (the fixtures API): what the server accepts.
    requests: SchemaGenerator,
    /// Answers: what the server sends.
    responses: SchemaGenerator,
    paths: Map<String, Value>,
}

impl Paths {
    fn new() -> Paths {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        Paths {
            forms: settings.clone().for_deserialize().with_transform(RecursiveTransform(as_a_form)).into_generator(),
            requests: settings.clone().for_deserialize().into_generator(),
            responses: settings.for_serialize().into_generator(),
            paths: Map::new(),
        }
    }

    fn server_function<F>(&mut self, summary: &str, session: Session)
    where
        F: ServerFn<Error = AppError> + JsonSchema,
        F::Output: JsonSchema,
    {
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({
                "description": "Done: the function's result as JSON.",
                "content": { "application/json": { "schema": self.responses.subschema_for::<F::Output>() } },
            }),
        );
        let error = self.responses.subschema_for::<AppError>();
        for (status, when) in AppError::STATUSES {
            responses.insert(
                status.to_string(),
                json!({ "description": when, "content": { "application/json": { "schema": error } } }),
            );
        }
        responses.insert("403".into(), self.forbidden(session));
        if session == Session::Staff {
            responses.insert(
                "404".into(),
                json!({ "description": "`NotFound`: not signed in as staff (as if the function did not exist).", "content": { "application/json": { "schema": error } } }),
            );
        }
        responses.insert(
            "413".into(),
            json!({ "description": "The body is larger than 64 KiB.", "content": { "text/plain": { "schema": { "type": "string" } } } }),
        );
        let form = self.forms.subschema_for::<F>();
        // An empty body is an empty form: a function without required fields accepts it.
        let name = form.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()).unwrap_or_default();
        let has_required_fields = self.forms.definitions()[name]["required"].as_array().is_some_and(|r| !r.is_empty());
        let mut operation = json!({
            "operationId": F::PATH.trim_start_matches("/api/"),
            "summary": summary,
            "requestBody": {
                "required": has_required_fields,
                "content": { "application/x-www-form-urlencoded": { "schema": form } },
            },
            "responses": responses,
        });
        if session != Session::Optional {
            operation["security"] = json!([{ "session": [] }]);
        }
        self.paths.insert(F::PATH.to_owned(), json!({ "post": operation }));
    }

    /// A refused origin (any function) and, where the function needs one, a password entered
    /// too long ago share the status 403.
    fn forbidden(&mut self, session: Session) -> Value {
        let cross_site = json!({ "type": "string", "description": "Cross-site requests are not allowed." });
        let mut content = json!({ "text/plain": { "schema": cross_site } });
        let mut description =
            "The request did not come from the site's own origin (`Origin` or `Sec-Fetch-Site`)".to_owned();
        if session != Session::Optional {
            content["application/json"] = json!({ "schema": self.responses.subschema_for::<AppError>() });
            description.push_str(" (text), or the password was entered too long ago (`PasswordTooOld`)");
        }
        json!({ "description": description + ".", "content": content })
    }

    #[cfg(feature = "test-fixtures")]
    fn fixtures(&mut self) {
        use crate::{
            fixture_lifetime::DELETION_TOKEN_HEADER,
            fixtures::{AccountRequest, CreatedAccount, ErrorBody},
        };
        let error = |description: &str, schema: &Schema| json!({ "description": description, "content": { "application/json": { "schema": schema } } });
        let error_body = self.responses.subschema_for::<ErrorBody>();
        self.paths.insert(
            "/test-fixtures/accounts".into(),
            json!({ "post": {
                "operationId": "create_fixture_account",
                "summary": "Creates a fresh account in the state asked for (fixtures API, test builds only)",
                "security": [{ "fixtures_token": [] }],
                "requestBody": {
                    "required": false,
                    "content": { "application/json": { "schema": self.requests.subschema_for::<AccountRequest>() } },
                },
                "responses": {
                    "201": {
                        "description": "Created, in one transaction.",
                        "content": { "application/json": { "schema": self.responses.subschema_for::<CreatedAccount>() } },
                    },
                    "400": error("A field is unknown, malformed or out of bounds; nothing was created.", &error_body),
                    "401": error("No `Authorization: Bearer <APP_TEST_FIXTURES_TOKEN>`.", &error_body),
                    "403": { "description": "The request did not come from the site's own origin.",
                             "content": { "text/plain": { "schema": { "type": "string" } } } },
                    "413": { "description": "The body is larger than 64 KiB.",
                             "content": { "text/plain": { "schema": { "type": "string" } } } },
                    "500": error("An internal error, logged; the body says only \"internal error\".", &error_body),
                },
            } }),
        );
        self.paths.insert(
            "/test-fixtures/accounts/{id}".into(),
            json!({ "delete": {
                "operationId": "delete_fixture_account",
                "summary": "Deletes a fixture account before it expires, as a deletion does, with its store (only its maker can: it holds the deletion token)",
                "security": [{ "fixtures_token": [] }],
                "parameters": [
                    { "name": "id", "in": "path", "required": true,
                      "description": "The `id` of the account's creation answer.",
                      "schema": { "type": "string", "format": "uuid" } },
                    { "name": DELETION_TOKEN_HEADER, "in": "header", "required": true,
                      "description": "The `deletion_token` of the account's creation answer.",
                      "schema": { "type": "string" } },
                ],
                "responses": {
                    "204": { "description": "Deleted: it can no longer sign in, its open orders are cancelled, its store is closed, and the eraser removes the rest." },
                    "400": error("The id is not a UUID.", &error_body),
                    "401": error("No `Authorization: Bearer <APP_TEST_FIXTURES_TOKEN>`.", &error_body),
                    "403": { "description": "The deletion token is missing or not this fixture's (JSON; nothing changed), or the request did not come from the site's own origin (text).",
                             "content": { "application/json": { "schema": error_body },
                                          "text/plain": { "schema": { "type": "string" } } } },
                    "404": error("No fixture account has this id: never made by this API, already deleted, or expired and cleaned up.", &error_body),
                    "500": error("An internal error, logged; the body says only \"internal error\".", &error_body),
                },
            } }),
        );
    }

    fn into_document(mut self) -> Value {
        let mut schemas = self.forms.take_definitions(true);
        for (name, schema) in
            self.requests.take_definitions(true).into_iter().chain(self.responses.take_definitions(true))
        {
            // A type both read and written has one schema: the app's types are plain data with
            // no serde attribute that makes the two differ, which a test checks.
            schemas.entry(name).or_insert(schema);
        }
        let mut security_schemes = json!({
            "session": { "type": "apiKey", "in": "cookie", "name": "session",
                         "description": "The session cookie a sign-in sets (`__Host-session` over https)." },
        });
        if cfg!(feature = "test-fixtures") {
            security_schemes["fixtures_token"] =
                json!({ "type": "http", "scheme": "bearer", "description": "APP_TEST_FIXTURES_TOKEN" });
        }
        json!({
            "openapi": "3.1.0",
            "info": {
                "title": "Deactivate",
                "version": env!("CARGO_PKG_VERSION"),
                "description": DESCRIPTION,
            },
            "paths": self.paths,
            "components": { "schemas": schemas, "securitySchemes": security_schemes },
        })
    }
}

/// A form as the server reads it: a field is present or absent, never null (`"type": ["string",
/// "null"]` becomes `"type": "string"`), and a field the function does not know is ignored, but
/// only once: a repeated field is `Malformed`.
fn as_a_form(schema: &mut Schema) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            schema.insert("type".into(), only);
        }
    }
    if schema.get("type") == Some(&json!("object")) && schema.get("properties").is_some() {
        schema.insert("additionalProperties".into(), json!({ "type": "string" }));
    }
}

const DESCRIPTION: &str = "What an end-to-end suite may call. Every server function is a `POST` of \
an `application/x-www-form-urlencoded` body; it answers JSON: its result with `200`, or an `AppError` \
with the status listed. State-changing requests must come from the site's origin (`Origin` or \
`Sec-Fetch-Site`). A browser's own form post (`Accept: text/html`, JavaScript off) is answered with \
a redirect instead. Every response carries `x-request-id` (the request's own, or a new one). The \
fixtures API is described only by a server built with the `test-fixtures` feature.";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A new server function without a line in `build` fails here.
    #[test]
    fn every_registered_server_function_is_described() {
        let registered: BTreeSet<String> =
            leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
        let described: BTreeSet<String> =
            description()["paths"].as_object().unwrap().keys().filter(|p| p.starts_with("/api/")).cloned().collect();
        assert_eq!(registered, described);
        assert!(registered.len() >= 13, "the server functions did not register: {registered:?}");
    }

    /// A type used both in a request and in an answer gets one schema: it must read as it writes.
    #[test]
    fn a_type_read_and_written_has_one_schema() {
        let mut paths = described();
        let mut requests = paths.forms.take_definitions(true);
        requests.extend(paths.requests.take_definitions(true));
        let responses = paths.responses.take_definitions(true);
        for (name, schema) in &requests {
            if let Some(other) = responses.get(name) {
                assert_eq!(schema, other, "{name} reads and writes differently");
            }
        }
    }
}
