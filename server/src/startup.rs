//! Builds the application: database pool and migrations, the router, the listener.

use crate::{
    config::Config,
    database, demo, detached, health,
    locale_redirect::redirect_to_locale,
    request_id,
    security::{self, PublicOrigin},
    sessions::resolve_session,
};
use app::{auth::digest::EmailDigester, i18n::PseudoLocales, server_context::ServerContext, shell, App};
use axum::{
    body::Body,
    extract::{FromRef, Request, State},
    http::HeaderValue,
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    serve::ListenerExt,
    Router,
};
use leptos::{config::LeptosOptions, nonce::use_nonce, prelude::*};
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes, ResponseOptions};
use sqlx::PgPool;
use std::{fmt, future::Future, io, net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;
use tower_http::{
    limit::RequestBodyLimitLayer,
    services::{ServeDir, ServeFile},
};

/// Forms here are small; anything bigger is refused before it is read.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Everything a request handler may need; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub pool: PgPool,
    pub server: ServerContext,
    pub origin: PublicOrigin,
    pub pseudo_locales: PseudoLocales,
    pub exports: crate::export::Exports,
    pub l10n_screenshots: crate::l10n_console::ScreenshotDir,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    pool: PgPool,
    eraser_pool: PgPool,
    /// The email sender's own pool, and where it sends.
    mailer: (PgPool, crate::mailer::Mailer),
    /// What the cleanup of expired fixtures deletes with.
    #[cfg(feature = "test-fixtures")]
    digester: EmailDigester,
}

#[derive(Debug)]
pub enum StartupError {
    Database(sqlx::Error),
    Migrations(sqlx::migrate::MigrateError),
    Listen(SocketAddr, io::Error),
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::Database(e) => write!(
                f,
                "cannot connect to the database ({e}) — check that PostgreSQL is running and DATABASE_URL is right"
            ),
            StartupError::Migrations(e) => write!(
                f,
                "cannot apply the database migrations: {e} — if the role of DATABASE_URL does not own the schema, set DATABASE_MIGRATION_URL to the owner's, or run `server migrate` with it first (docs/operations.md)"
            ),
            StartupError::Listen(addr, e) if e.kind() == io::ErrorKind::AddrInUse => {
                write!(f, "{addr} is already in use — stop the other process or set LEPTOS_SITE_ADDR=127.0.0.1:<port>")
            }
            StartupError::Listen(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
        }
    }
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let pool = database::connect(&config.database_url).await.map_err(StartupError::Database)?;
        if let Err(error) = database::migrate(&pool, config.migration_url.as_deref()).await {
            // Now, not whenever the pool is dropped: a failed migration's connection may still
            // hold the migrations' advisory lock, which would stall every other start.
            pool.close().await;
            return Err(StartupError::Migrations(error));
        }
        let eraser_pool = database::connect_eraser(&config.database_url).map_err(StartupError::Database)?;
        let mailer_pool = database::connect_background(&config.database_url, database::MAILER_APPLICATION_NAME)
            .map_err(StartupError::Database)?;
        let digester = EmailDigester::with_previous(&config.secret, &config.previous_secrets);
        if config.demo_data {
            let accounts = demo::seed(&pool, &digester).await.map_err(StartupError::Database)?;
            demo::print_sign_in_details(&accounts);
        }

        let addr = config.leptos.site_addr;
        let listener = TcpListener::bind(addr).await.map_err(|e| StartupError::Listen(addr, e))?;
        let local = listener.local_addr().map_err(|e| StartupError::Listen(addr, e))?;
        let origin = config.public_origin.unwrap_or_else(|| format!("http://{local}"));
        app::auth::store::prepare_dummy_hash();

        let state = AppState {
            leptos: config.leptos,
            pool: pool.clone(),
            server: ServerContext {
                pool: pool.clone(),
                digester,
                secure_cookies: origin.starts_with("https://"),
                trusted_proxies: config.trusted_proxies.into(),
            },
            origin: PublicOrigin(Arc::from(origin)),
            pseudo_locales: PseudoLocales(config.pseudo_locales),
            exports: crate::export::Exports::default(),
            l10n_screenshots: crate::l10n_console::ScreenshotDir(config.l10n_screenshots.map(Arc::new)),
        };
        #[cfg(feature = "test-fixtures")]
        let fixture_routes = {
            tracing::warn!(
                "built with the test-fixtures feature: the fixtures API is at /test-fixtures (bearer token \
                 required); never run this binary in production"
            );
            let state = crate::fixtures::FixturesState { pool: pool.clone(), digester: state.server.digester.clone() };
            Router::new().nest("/test-fixtures", crate::fixtures::router(state, config.fixtures_token))
        };
        #[cfg(not(feature = "test-fixtures"))]
        let fixture_routes = no_fixtures_api();
        #[cfg(feature = "test-fixtures")]
        let digester = state.server.digester.clone();
        Ok(Application {
            #[cfg(feature = "test-fixtures")]
            digester,
            listener,
            router: router(state, fixture_routes),
            pool,
            eraser_pool,
            mailer: (mailer_pool, config.mailer),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Serves until `shutdown` completes, then finishes the requests under way. The background
    /// eraser (unless `APP_ERASER=0`), the housekeeping and the email sender run alongside and stop with the
    /// server, after the work under way.
    pub async fn serve_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let settings = crate::eraser::Settings::from_env();
        let (stop_eraser, eraser_stopped) = tokio::sync::oneshot::channel::<()>();
        let eraser = settings.enabled.then(|| crate::eraser::spawn(self.eraser_pool, settings, eraser_stopped));
        let (stop_housekeeping, housekeeping_stopped) = tokio::sync::oneshot::channel::<()>();
        let housekeeping = crate::housekeeping::spawn(self.pool.clone(), housekeeping_stopped);
        let (stop_mailer, mailer_stopped) = tokio::sync::oneshot::channel::<()>();
        let (mailer_pool, mailer) = self.mailer;
        let mailer = crate::mailer::spawn(mailer_pool, mailer, mailer_stopped);
        #[cfg(feature = "test-fixtures")]
        let (stop_fixture_cleanup, fixture_cleanup) = {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            (stop, crate::fixture_lifetime::spawn(self.pool.clone(), self.digester, stopped))
        };
        // TCP_NODELAY: a response written in more than one piece (head, then body) would
        // otherwise wait for the client's delayed ACK, ~40 ms, on every reused connection.
        let listener = self.listener.tap_io(|connection| {
            if let Err(error) = connection.set_nodelay(true) {
                tracing::warn!(%error, "could not set TCP_NODELAY on a connection");
            }
        });
        let served = axum::serve(listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        drop((stop_eraser, stop_housekeeping, stop_mailer));
        #[cfg(feature = "test-fixtures")]
        {
            drop(stop_fixture_cleanup);
            let _ = fixture_cleanup.await;
        }
        if let Some(eraser) = eraser {
            let _ = eraser.await;
        }
        let _ = housekeeping.await;
        let _ = mailer.await;
        served
    }
}

/// A server built without the `test-fixtures` feature has no fixtures API: `/test-fixtures` is a
/// plain 404, whatever the environment. (Without these routes a POST there would reach the
/// static-file fallback, which answers 405.)
#[cfg(not(feature = "test-fixtures"))]
fn no_fixtures_api() -> Router<AppState> {
    use axum::{http::StatusCode, routing::any, Json};
    async fn not_found() -> Response {
        (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": "not found" }))).into_response()
    }
    Router::new().route("/test-fixtures", any(not_found)).route("/test-fixtures/{*rest}", any(not_found))
}

/// The app's routes, walked once per process. Walking them sets a process-wide flag in Leptos
/// that leaves any resource first polled meanwhile pending for ever (leptos-rs/leptos#4773):
/// with several servers in one process (the API tests), a page another server was rendering
/// while a new one started hung, and so did its request (seen in CI). Once walked, never again.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Everything the server answers; `fixture_routes` are the fixtures API or its 404.
fn router(state: AppState, fixture_routes: Router<AppState>) -> Router {
    let routes = route_list();
    let site_root = state.leptos.site_root.to_string();
    let pkg_dir = format!("{site_root}/{}", state.leptos.site_pkg_dir);

    // Pages and server functions learn who is signed in; files and probes never touch the database.
    let app = Router::new()
        .route("/api/{*fn_name}", get(server_fn).post(server_fn))
        .route("/{lang}/account/data.zip", get(crate::export::download))
        .leptos_routes_with_context(&state, routes, page_context(&state), {
            let leptos = state.leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context(&state), shell))
        // Inside the session's layer: it needs to know who asks.
        .layer(middleware::from_fn_with_state(state.server.clone(), crate::staff::reasons_csv))
        .layer(middleware::from_fn_with_state(state.server.clone(), resolve_session))
        .layer(middleware::from_fn(detached::run_to_the_end));

    // The testers' console and report script, only where testers are served (else the app's 404).
    let testers = if state.pseudo_locales.0 { crate::l10n_console::routes() } else { Router::new() };
    let router = Router::new()
        .merge(testers)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route(crate::openapi::PATH, get(crate::openapi::serve))
        .merge(fixture_routes)
        .route_service("/favicon.svg", ServeFile::new(format!("{site_root}/favicon.svg")))
        .nest_service("/pkg", ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip())
        .merge(app)
        .layer(middleware::from_fn(redirect_to_locale))
        .layer(middleware::from_fn_with_state(state.origin.clone(), security::refuse_cross_site))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(middleware::from_fn_with_state(state.origin.clone(), security::security_headers));
    request_id::layer(router).with_state(state)
}

/// What server functions find in the Leptos context.
fn server_fn_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let server = state.server.clone();
    let pseudo_locales = state.pseudo_locales;
    move || {
        provide_context(server.clone());
        provide_context(pseudo_locales);
    }
}

/// What pages find in the Leptos context, and the page's Content-Security-Policy, which names
/// the nonce Leptos put on this response's inline scripts.
fn page_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let server_fn_context = server_fn_context(state);
    move || {
        server_fn_context();
        let nonce = use_nonce().map(|n| n.to_string());
        let policy = security::content_security_policy(nonce.as_deref());
        if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&policy)) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

async fn server_fn(State(state): State<AppState>, request: Request<Body>) -> Response {
    handle_server_fns_with_context(server_fn_context(&state), request).await.into_response()
}
