//! Spawns the real server on port 0 against a fresh database on the test cluster.

use server::{config::Config, startup::Application};
use sqlx::{Connection, Executor, PgConnection};

pub struct TestApp {
    pub address: String,
    pub pool: sqlx::PgPool,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let database_url = fresh_database().await;
        let mut leptos = leptos::config::get_configuration(None).expect("leptos defaults").leptos_options;
        leptos.site_addr = "127.0.0.1:0".parse().unwrap();
        let config = Config {
            database_url: database_url.clone(),
            public_origin: None,
            secret: b"integration-test-secret-integration-test-secret".to_vec(),
            leptos,
            demo_data: false,
            test_fixtures: false,
        };
        let app = Application::build(config).await.expect("the app starts");
        let address = format!("http://{}", app.local_addr());
        tokio::spawn(app.serve_until(std::future::pending()));

        TestApp {
            address,
            pool: sqlx::PgPool::connect(&database_url).await.expect("test pool"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

/// Creates an empty database on the cluster `cargo xtask test` started and returns its URL.
async fn fresh_database() -> String {
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL is not set: run the tests with `cargo xtask test`, which starts PostgreSQL");
    let name = format!("test_{}", uuid_like());
    let mut admin = PgConnection::connect(&admin_url).await.expect("the test cluster answers");
    admin.execute(format!(r#"CREATE DATABASE "{name}""#).as_str()).await.expect("create test database");
    let (base, _) = admin_url.rsplit_once('/').expect("a database URL ends in /<database>");
    format!("{base}/{name}")
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}_{nanos}_{n}", std::process::id())
}
