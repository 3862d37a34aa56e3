//! Configuration from the environment (see the README for every variable).

use ipnet::IpNet;
use leptos::config::LeptosOptions;
use std::{env, fmt, net::IpAddr};

#[derive(Clone)]
pub struct Config {
    /// The database, as the role the server runs as.
    pub database_url: String,
    /// The database as the schema's owner (`DATABASE_MIGRATION_URL`): migrations run with it,
    /// and the role of `database_url` gets only row access. `None`: migrations run as the role
    /// of `database_url`, which must then own the schema.
    pub migration_url: Option<String>,
    pub leptos: LeptosOptions,
    /// The origin browsers reach the site at; state-changing requests must come from it.
    /// `None`: `http://` and the address the server listens on.
    pub public_origin: Option<String>,
    /// Keys the digests of blocked email addresses (`APP_SECRET`, at least 32 bytes).
    pub secret: Vec<u8>,
    /// The secrets `APP_SECRET` replaced (`APP_PREVIOUS_SECRETS`, comma-separated): the
    /// addresses blocked under them stay blocked.
    pub previous_secrets: Vec<Vec<u8>>,
    /// Seeds the demo accounts at start (`cargo xtask run`).
    pub demo_data: bool,
    /// Serves the testers' pseudo-locales `/en-XA/…` and `/ar-XB/…` (`APP_PSEUDO_LOCALES`;
    /// on under `cargo xtask run` and `test`; off, they are a 404).
    pub pseudo_locales: bool,
    /// Where the key-linked screenshots of the last test run are (`APP_L10N_SCREENSHOTS`;
    /// `end2end/screenshots` under `cargo xtask run` and `test`): the testers' console shows them.
    pub l10n_screenshots: Option<std::path::PathBuf>,
    /// The bearer token of the fixtures API (`APP_TEST_FIXTURES_TOKEN`). Only a server built
    /// with the `test-fixtures` feature has the API, and then always: it does not start without
    /// `APP_TEST_FIXTURES=1` and this token.
    #[cfg(feature = "test-fixtures")]
    pub fixtures_token: crate::fixtures::Token,
    /// The load balancers whose `X-Forwarded-For` names the client (`APP_TRUSTED_PROXIES`,
    /// comma-separated addresses or CIDR networks); none by default.
    pub trusted_proxies: Vec<IpNet>,
    /// Where the outbox's emails go (`APP_SMTP_URL`, none by default: nothing is sent) and
    /// from whom (`APP_SMTP_FROM`).
    pub mailer: crate::mailer::Mailer,
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
        // First: a test build must not get any further by mistake.
        #[cfg(feature = "test-fixtures")]
        let fixtures_token = crate::fixtures::Token::from_settings(
            flag("APP_TEST_FIXTURES")?,
            env::var("APP_TEST_FIXTURES_TOKEN").ok().as_deref(),
        )
        .map_err(ConfigError)?;
        #[cfg(not(feature = "test-fixtures"))]
        if env::var("APP_TEST_FIXTURES").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false")) {
            tracing::warn!(
                "APP_TEST_FIXTURES is set, but this server is built without the test-fixtures feature: \
                 it has no fixtures API (/test-fixtures answers 404)"
            );
        }
        let database_url = env::var("DATABASE_URL").map_err(|_| {
            ConfigError(
                "DATABASE_URL is not set — run the app with `cargo xtask run`, or set DATABASE_URL=postgres://..."
                    .into(),
            )
        })?;
        let leptos = leptos::config::get_configuration(None)
            .map_err(|e| ConfigError(format!("invalid LEPTOS_* setting: {e}")))?
            .leptos_options;
        let secret = env::var("APP_SECRET").map_err(|_| {
            ConfigError(
                "APP_SECRET is not set — set it to 32 or more random bytes (cargo xtask run makes one in .data/)"
                    .into(),
            )
        })?;
        if secret.len() < 32 {
            return Err(ConfigError("APP_SECRET is too short — use at least 32 random characters".into()));
        }
        Ok(Config {
            database_url,
            migration_url: env::var("DATABASE_MIGRATION_URL").ok().filter(|url| !url.is_empty()),
            leptos,
            public_origin: env::var("APP_PUBLIC_ORIGIN").ok().filter(|o| !o.is_empty()),
            secret: secret.into_bytes(),
            previous_secrets: env::var("APP_PREVIOUS_SECRETS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.as_bytes().to_vec())
                .collect(),
            demo_data: flag("APP_DEMO_DATA")?,
            pseudo_locales: flag("APP_PSEUDO_LOCALES")?,
            l10n_screenshots: env::var_os("APP_L10N_SCREENSHOTS").filter(|dir| !dir.is_empty()).map(Into::into),
            trusted_proxies: trusted_proxies(&env::var("APP_TRUSTED_PROXIES").unwrap_or_default())?,
            mailer: crate::mailer::Mailer::new(
                env::var("APP_SMTP_URL").ok().filter(|url| !url.is_empty()).as_deref(),
                &env::var("APP_SMTP_FROM").unwrap_or_else(|_| crate::mailer::DEFAULT_FROM.to_owned()),
            )
            .map_err(ConfigError)?,
            #[cfg(feature = "test-fixtures")]
            fixtures_token,
        })
    }
}

/// `10.0.0.0/8, 192.0.2.1, fd00::/8`: networks, or single addresses.
fn trusted_proxies(list: &str) -> Result<Vec<IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>().or_else(|_| item.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                ConfigError(format!("APP_TRUSTED_PROXIES: `{item}` is not an address or a network such as 10.0.0.0/8"))
            })
        })
        .collect()
}

fn flag(name: &str) -> Result<bool, ConfigError> {
    match env::var(name).as_deref() {
        Err(_) | Ok("") | Ok("0") | Ok("false") => Ok(false),
        Ok("1") | Ok("true") => Ok(true),
        Ok(other) => Err(ConfigError(format!("{name}={other} is not a flag — use 1 or 0"))),
    }
}
