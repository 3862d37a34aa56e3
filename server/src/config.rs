//! Configuration from the environment (see the README for every variable).

use leptos::config::LeptosOptions;
use std::{env, fmt};

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub leptos: LeptosOptions,
    /// The origin browsers reach the site at; state-changing requests must come from it.
    pub public_origin: String,
    /// Seeds the demo accounts at start (`cargo xtask run`).
    pub demo_data: bool,
    /// Exposes the fixtures API for end-to-end suites. Never in production.
    pub test_fixtures: bool,
}

#[derive(Debug)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        let database_url = env::var("DATABASE_URL").map_err(|_| {
            ConfigError("DATABASE_URL is not set — run the app with `cargo xtask run`, or set DATABASE_URL=postgres://...".into())
        })?;
        let leptos = leptos::config::get_configuration(None)
            .map_err(|e| ConfigError(format!("invalid LEPTOS_* setting: {e}")))?
            .leptos_options;
        let public_origin = env::var("APP_PUBLIC_ORIGIN").unwrap_or_else(|_| format!("http://{}", leptos.site_addr));
        Ok(Config {
            database_url,
            leptos,
            public_origin,
            demo_data: flag("APP_DEMO_DATA")?,
            test_fixtures: flag("APP_TEST_FIXTURES")?,
        })
    }
}

fn flag(name: &str) -> Result<bool, ConfigError> {
    match env::var(name).as_deref() {
        Err(_) | Ok("") | Ok("0") | Ok("false") => Ok(false),
        Ok("1") | Ok("true") => Ok(true),
        Ok(other) => Err(ConfigError(format!("{name}={other} is not a flag — use 1 or 0"))),
    }
}
