//! Spawns the real server on port 0 against a fresh database on the test cluster.

use server::{config::Config, startup::Application};
use sqlx::{postgres::PgPoolOptions, Connection, Executor, PgConnection, PgPool};
use uuid::Uuid;

/// The `APP_SECRET` of every test server.
pub const TEST_SECRET: &[u8] = b"integration-test-secret-integration-test-secret";

/// The fixtures API's bearer token (`APP_TEST_FIXTURES_TOKEN`) of every test server built with
/// the `test-fixtures` feature.
#[cfg(feature = "test-fixtures")]
pub const FIXTURES_TOKEN: &str = "integration-test-fixtures-token-0123456789";

pub struct TestApp {
    pub address: String,
    pub pool: sqlx::PgPool,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like `spawn`, with `configure` changing the configuration first (e.g.
    /// `|config| config.demo_data = true`). Built with the `test-fixtures` feature, every test
    /// server has the fixtures API, with [`FIXTURES_TOKEN`].
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        let database_url = empty_database().await;
        let mut config = test_config(&database_url);
        configure(&mut config);
        let app = Application::build(config).await.expect("the app starts");
        let address = format!("http://{}", app.local_addr());
        tokio::spawn(app.serve_until(std::future::pending()));

        TestApp { address, pool: sqlx::PgPool::connect(&database_url).await.expect("test pool"), client: new_client() }
    }

    /// A browser of its own on a server already running at `address` (a [`ServerProcess`]).
    pub fn at(address: &str, pool: &sqlx::PgPool) -> TestApp {
        TestApp { address: address.to_owned(), pool: pool.clone(), client: new_client() }
    }

    /// The same server from another browser: a cookie jar of its own.
    pub fn another_browser(&self) -> TestApp {
        TestApp { address: self.address.clone(), pool: self.pool.clone(), client: new_client() }
    }

    /// The same browser (its cookie jar shared), e.g. for requests sent at once.
    pub fn clone_session(&self) -> TestApp {
        TestApp { address: self.address.clone(), pool: self.pool.clone(), client: self.client.clone() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

/// The configuration of a test server on `database_url`, listening on a free port.
pub fn test_config(database_url: &str) -> Config {
    let mut leptos = leptos::config::get_configuration(None).expect("leptos defaults").leptos_options;
    leptos.site_addr = "127.0.0.1:0".parse().unwrap();
    Config {
        database_url: database_url.to_owned(),
        migration_url: None,
        public_origin: None,
        secret: TEST_SECRET.to_vec(),
        previous_secrets: Vec::new(),
        leptos,
        demo_data: false,
        pseudo_locales: false,
        l10n_screenshots: None,
        trusted_proxies: Vec::new(),
        mailer: server::mailer::Mailer::new(None, server::mailer::DEFAULT_FROM).expect("the default sender"),
        #[cfg(feature = "test-fixtures")]
        fixtures_token: server::fixtures::Token::new(FIXTURES_TOKEN).expect("a valid token"),
    }
}

fn new_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap()
}

/// Creates an empty database of its own on the cluster `cargo xtask test` started (in
/// `TEST_DATABASE_URL`) and returns its URL. For a server that migrates it itself.
pub async fn empty_database() -> String {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL is not set: run the tests with `cargo xtask test`, which starts PostgreSQL");
    let name = format!("test_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url).await.expect("the test cluster answers");
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.expect("create test database");
    admin.close().await.ok();
    let (base, _) = admin_url.rsplit_once('/').expect("a database URL ends in /<database>");
    format!("{base}/{name}")
}

/// A migrated, empty database of its own on the test cluster: a pool on it, and its URL.
pub async fn fresh_database() -> (PgPool, String) {
    let url = empty_database().await;
    let pool = PgPoolOptions::new().max_connections(30).connect(&url).await.expect("test pool");
    sqlx::migrate!("../migrations").run(&pool).await.expect("migrations");
    (pool, url)
}

impl TestApp {
    /// Calls a server function the way the app's own pages do: a same-origin form post.
    pub async fn post_form(&self, endpoint: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(reqwest::header::ORIGIN, &self.address)
            .form(fields)
            .send()
            .await
            .expect("the server answers")
    }

    /// Signs up a new account through the real form endpoint; the client keeps its session.
    pub async fn sign_up(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "sign_up",
            &[("locale", "en"), ("name", "Test Person"), ("email", email), ("password", password), ("country", "FI")],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("sign_in", &[("locale", "en"), ("email", email), ("password", password)]).await
    }

    /// The name the header greets, if the client is signed in.
    pub async fn viewer_name(&self) -> Option<String> {
        let response = self.post_form("viewer", &[]).await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let viewer: Option<serde_json::Value> = response.json().await.unwrap();
        viewer.map(|v| v["name"].as_str().unwrap().to_owned())
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }
}

/// The real server binary (`CARGO_BIN_EXE_server`, built with this test run's features) in a
/// process of its own (its memory measurable alone), on a free port, with `env` added to what it
/// needs; killed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub address: String,
    /// Every line the server printed on stdout (its log, with `RUST_LOG` as given in `env`)
    /// and stderr (panics).
    pub output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// What every start sets, with none of the switches of the environment the tests run in,
    /// then `env`.
    fn command(database_url: &str, env: &[(&str, &str)]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .env("DATABASE_URL", database_url)
            .env("APP_SECRET", String::from_utf8_lossy(TEST_SECRET).as_ref())
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .env_remove("APP_DEMO_DATA")
            .env_remove("APP_TEST_FIXTURES")
            .env_remove("APP_TEST_FIXTURES_TOKEN")
            .env_remove("APP_ERASER")
            .env_remove("APP_SMTP_URL")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null());
        command
    }

    /// Runs the binary with `args` (a subcommand) to its end: its exit status and what it printed.
    pub async fn run_command(database_url: &str, args: &[&str]) -> std::process::Output {
        #[cfg(feature = "test-fixtures")]
        let env = &[("APP_TEST_FIXTURES", "1"), ("APP_TEST_FIXTURES_TOKEN", FIXTURES_TOKEN)][..];
        #[cfg(not(feature = "test-fixtures"))]
        let env = &[][..];
        let mut command = Self::command(database_url, env);
        command.args(args);
        tokio::task::spawn_blocking(move || command.output().expect("the server binary runs")).await.unwrap()
    }

    /// Starts the binary and waits until it listens. Built with the `test-fixtures` feature, it
    /// gets the switch and the token it needs to start (which `env` may override).
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        use std::io::{BufRead, BufReader};
        #[cfg(feature = "test-fixtures")]
        let env = &[&[("APP_TEST_FIXTURES", "1"), ("APP_TEST_FIXTURES_TOKEN", FIXTURES_TOKEN)][..], env].concat();
        let mut child = Self::command(database_url, env)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let (listening, address) = std::sync::mpsc::channel();
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        // Its stderr (panics among it) goes to the test's, and into `output` too.
        let (stderr, lines) = (child.stderr.take().unwrap(), output.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                lines.lock().unwrap().push(line);
            }
        });
        let lines = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some((_, address)) = line.split_once("is listening on ") {
                    let _ = listening.send(address.trim().to_owned());
                }
                lines.lock().unwrap().push(line);
            }
        });
        let address = tokio::task::spawn_blocking(move || address.recv_timeout(std::time::Duration::from_secs(60)))
            .await
            .unwrap()
            .expect("the server listens");
        ServerProcess { child, address, output }
    }

    /// Runs the binary with exactly `env` added and expects it to exit by itself within 30 s
    /// (it is killed and the test fails otherwise): its exit status and what it wrote on stderr.
    #[cfg(feature = "test-fixtures")]
    pub async fn run_to_exit(database_url: &str, env: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
        use std::io::Read;
        let mut child = Self::command(database_url, env)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if std::time::Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the server did not exit within 30 s: it started");
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            };
            let mut stderr = String::new();
            child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
            (status, stderr)
        })
        .await
        .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The resident memory of the process, in bytes.
    pub fn rss_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kilobytes = status.lines().find_map(|line| line.strip_prefix("VmRSS:")).expect("VmRSS in /proc status");
        kilobytes.trim().trim_end_matches("kB").trim().parse::<u64>().unwrap() * 1024
    }
}

impl ServerProcess {
    /// SIGKILL: no shutdown, no cleanup.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PostgreSQL cluster of a test's own, which it may crash and restart without disturbing the
/// other tests. Runs as the `postgres` system user (PostgreSQL refuses root), from the newest
/// server under /usr/lib/postgresql (`cargo xtask test` installs it).
pub struct PrivateCluster {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    pub port: u16,
    /// Server settings on top of the defaults, as `name=value`.
    settings: Vec<String>,
}

impl PrivateCluster {
    pub fn start() -> PrivateCluster {
        PrivateCluster::start_with(&[])
    }

    /// A cluster started with `settings` (`name=value`), such as `autovacuum_naptime=1s`.
    pub fn start_with(settings: &[&str]) -> PrivateCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL under /usr/lib/postgresql")
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("pg_ctl").exists())
            .max()
            .expect("a PostgreSQL version with pg_ctl");
        let dir = std::env::temp_dir().join(format!("deactivate-private-pg-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let settings = settings.iter().map(|setting| setting.to_string()).collect();
        let cluster = PrivateCluster { bin, dir, port, settings };
        std::process::Command::new("chown").arg("postgres").arg(&cluster.dir).status().unwrap();
        let initdb = cluster.pg("initdb", &["-D", "data", "-U", "postgres", "--auth=trust", "--no-sync"]);
        assert!(initdb, "initdb");
        cluster.ctl("start");
        cluster
    }

    /// `pg_ctl <action>`: `start`, or `stop -m immediate` (a crash: no shutdown checkpoint).
    pub fn ctl(&self, action: &str) {
        let mut options = format!("-p {} -k {} -c fsync=off", self.port, self.dir.display());
        for setting in &self.settings {
            options.push_str(&format!(" -c {setting}"));
        }
        let ok = match action {
            "start" => self.pg("pg_ctl", &["-D", "data", "-w", "-l", "log", "-o", &options, "start"]),
            "crash" => self.pg("pg_ctl", &["-D", "data", "-w", "-m", "immediate", "stop"]),
            other => panic!("pg_ctl {other}?"),
        };
        assert!(ok, "pg_ctl {action}: {}", std::fs::read_to_string(self.dir.join("log")).unwrap_or_default());
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn pg(&self, tool: &str, args: &[&str]) -> bool {
        let program = self.bin.join(tool);
        let mut command = std::process::Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program).args(args);
        command.current_dir(&self.dir).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        command.status().map(|s| s.success()).unwrap_or(false)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.pg("pg_ctl", &["-D", "data", "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
