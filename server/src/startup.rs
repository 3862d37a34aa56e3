//! Builds the application: database pool and migrations, the router, the listener.

use crate::{config::Config, health, locale_redirect::redirect_to_locale};
use app::{shell, App};
use axum::{
    body::Body,
    extract::{FromRef, Request, State},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::{fmt, future::Future, io, net::SocketAddr, time::Duration};
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};

/// Everything a request handler may need; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub pool: PgPool,
}

pub struct Application {
    listener: TcpListener,
    router: Router,
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
            StartupError::Migrations(e) => write!(f, "cannot apply the database migrations: {e}"),
            StartupError::Listen(addr, e) if e.kind() == io::ErrorKind::AddrInUse => write!(
                f,
                "{addr} is already in use — stop the other process or set LEPTOS_SITE_ADDR=127.0.0.1:<port>"
            ),
            StartupError::Listen(addr, e) => write!(f, "cannot listen on {addr}: {e}"),
        }
    }
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .acquire_timeout(Duration::from_secs(5))
            .connect(&config.database_url)
            .await
            .map_err(StartupError::Database)?;
        sqlx::migrate!("../migrations").run(&pool).await.map_err(StartupError::Migrations)?;

        let addr = config.leptos.site_addr;
        let listener = TcpListener::bind(addr).await.map_err(|e| StartupError::Listen(addr, e))?;
        let state = AppState { leptos: config.leptos, pool };
        Ok(Application { listener, router: router(state) })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes the requests under way.
    pub async fn serve_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await
    }
}

fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let site_root = state.leptos.site_root.to_string();
    let pkg_dir = format!("{site_root}/{}", state.leptos.site_pkg_dir);

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/{*fn_name}", get(server_fn).post(server_fn))
        .route_service("/favicon.svg", ServeFile::new(format!("{site_root}/favicon.svg")))
        .nest_service("/pkg", ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip())
        .leptos_routes_with_context(&state, routes, context_for(&state), {
            let leptos = state.leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(redirect_to_locale))
        .with_state(state)
}

/// What server functions and pages find in the Leptos context.
fn context_for(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let pool = state.pool.clone();
    move || provide_context(pool.clone())
}

async fn server_fn(State(state): State<AppState>, request: Request<Body>) -> Response {
    handle_server_fns_with_context(context_for(&state), request).await.into_response()
}
