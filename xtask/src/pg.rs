//! The database (README.md, "Quick start"): the server in DATABASE_URL if set, otherwise a private
//! PostgreSQL cluster run from the system's binaries, on its own port, sharing nothing with any
//! other PostgreSQL on the machine.
//!
//! PostgreSQL refuses to run as root. As root, its processes run as the `postgres` system user
//! (or a `deactivate-pg` user we create), which owns the cluster's folder.

use crate::net;
use crate::process::{self, is_root};
use crate::secret::{random_hex, stored_secret};
use crate::tools::apt_install;
use anyhow::{anyhow, bail, Result};
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The superuser initdb creates; the app connects as it too (the cluster is ours alone).
const SUPERUSER: &str = "postgres";
const OWN_SYSTEM_USER: &str = "deactivate-pg";
const THROWAWAY_PREFIX: &str = "deactivate-test-";

/// The app's database for `cargo xtask run`, as the two roles of docs/operations.md.
pub struct RunDatabase {
    /// The role the server runs as (`DATABASE_URL`).
    pub app_url: String,
    /// The schema's owner (`DATABASE_MIGRATION_URL`), for `server migrate` and the seeders;
    /// `None` when DATABASE_URL was given: its role owns the schema.
    pub owner_url: Option<String>,
}

impl RunDatabase {
    /// The URL that may change the schema and analyze its tables.
    pub fn owner_or_app_url(&self) -> &str {
        self.owner_url.as_deref().unwrap_or(&self.app_url)
    }
}

/// Roles of the private cluster's `deactivate` database.
const RUN_DATABASE: &str = "deactivate";
const RUN_OWNER: &str = "deactivate_owner";
const RUN_APP: &str = "deactivate_app";

/// `cargo xtask run`'s database: DATABASE_URL as given, or the `deactivate` database of the
/// cluster kept in `.data/pg` between runs, owned by `deactivate_owner`, which the server
/// reaches as `deactivate_app` (rows only: least privilege, as in production). A returned
/// cluster stops when dropped if we started it (another `cargo xtask run` may be serving from it).
pub fn database_for_run(data_dir: &Path) -> Result<(RunDatabase, Option<Cluster>)> {
    if let Some(url) = database_url_from_env() {
        println!("using the database in DATABASE_URL");
        return Ok((RunDatabase { app_url: url, owner_url: None }, None));
    }
    let cluster = Cluster::persistent(data_dir)?;
    let psql_path = cluster.bins.tool("psql");
    let admin_url = cluster.url("postgres");
    let owner_password = stored_secret(&data_dir.join("pg-owner-password"), 24)?;
    let app_password = stored_secret(&data_dir.join("pg-app-password"), 24)?;
    ensure_role(&psql_path, &admin_url, RUN_OWNER, &owner_password)?;
    ensure_role(&psql_path, &admin_url, RUN_APP, &app_password)?;
    ensure_database(&psql_path, &admin_url, RUN_DATABASE)?;
    hand_over(&psql_path, &cluster.url(RUN_DATABASE))?;
    let url = cluster.url(RUN_DATABASE);
    let database = RunDatabase {
        app_url: with_user(&url, RUN_APP, &app_password)?,
        owner_url: Some(with_user(&url, RUN_OWNER, &owner_password)?),
    };
    Ok((database, Some(cluster)))
}

/// A login role `name` with `password`, made if missing.
fn ensure_role(psql_path: &Path, admin_url: &str, name: &str, password: &str) -> Result<()> {
    let exists = psql(psql_path, admin_url, &format!("SELECT 1 FROM pg_roles WHERE rolname = '{name}'"))?;
    let verb = if exists.trim() == "1" { "ALTER" } else { "CREATE" };
    psql(psql_path, admin_url, &format!("{verb} ROLE \"{name}\" LOGIN PASSWORD '{password}'")).map(drop)
}

/// Gives `deactivate_owner` the run database and everything in its schema (a cluster made before
/// the roles existed had it all owned by the superuser), and lets `deactivate_app` connect only.
/// Idempotent.
fn hand_over(psql_path: &Path, database_url: &str) -> Result<()> {
    let statements = format!(
        "ALTER DATABASE \"{RUN_DATABASE}\" OWNER TO \"{RUN_OWNER}\";
         REVOKE ALL ON DATABASE \"{RUN_DATABASE}\" FROM PUBLIC;
         GRANT CONNECT ON DATABASE \"{RUN_DATABASE}\" TO \"{RUN_APP}\";
         DO $$ DECLARE object record; BEGIN
             FOR object IN SELECT c.oid::regclass AS name FROM pg_class c
                            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                              AND c.relowner <> '{RUN_OWNER}'::regrole LOOP
                 EXECUTE format('ALTER TABLE %s OWNER TO {RUN_OWNER}', object.name);
             END LOOP;
             FOR object IN SELECT t.oid::regtype AS name FROM pg_type t
                            WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'e'
                              AND t.typowner <> '{RUN_OWNER}'::regrole LOOP
                 EXECUTE format('ALTER TYPE %s OWNER TO {RUN_OWNER}', object.name);
             END LOOP;
         END $$;"
    );
    psql(psql_path, database_url, &statements).map(drop)
}

/// A server on which the tests create (and drop) their own databases: DATABASE_URL's server,
/// or a throwaway cluster that is stopped and deleted when this is dropped.
pub struct TestServer {
    /// The `postgres` database, from which tests create theirs.
    pub admin_url: String,
    psql: PathBuf,
    _cluster: Option<Cluster>,
}

impl TestServer {
    pub fn start() -> Result<Self> {
        if let Some(url) = database_url_from_env() {
            println!("using the PostgreSQL server in DATABASE_URL for throwaway test databases");
            return TestServer::on_server_of(&url);
        }
        let cluster = Cluster::throwaway()?;
        Ok(TestServer { admin_url: cluster.url("postgres"), psql: cluster.bins.tool("psql"), _cluster: Some(cluster) })
    }

    fn on_server_of(url: &str) -> Result<Self> {
        Ok(TestServer { admin_url: with_database(url, "postgres")?, psql: find_psql()?, _cluster: None })
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        psql(&self.psql, &self.admin_url, &format!("CREATE DATABASE \"{name}\""))?;
        with_database(&self.admin_url, name)
    }

    pub fn drop_database(&self, name: &str) -> Result<()> {
        psql(&self.psql, &self.admin_url, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).map(drop)
    }

    /// Creates database `name` owned by a role of its own (`<name>_owner`, which the
    /// migrations run as) and a role `<name>_app` that may only connect (the server grants it
    /// row access after migrating: docs/operations.md, least privilege). Returns the URLs of
    /// both roles: (server, migrations).
    pub fn create_least_privilege_database(&self, name: &str) -> Result<(String, String)> {
        let password = random_hex(16)?;
        for statement in [
            format!("CREATE ROLE \"{name}_owner\" LOGIN PASSWORD '{password}'"),
            format!("CREATE ROLE \"{name}_app\" LOGIN PASSWORD '{password}'"),
            format!("CREATE DATABASE \"{name}\" OWNER \"{name}_owner\""),
            format!("REVOKE ALL ON DATABASE \"{name}\" FROM PUBLIC"),
            format!("GRANT CONNECT ON DATABASE \"{name}\" TO \"{name}_app\""),
        ] {
            psql(&self.psql, &self.admin_url, &statement)?;
        }
        let url = with_database(&self.admin_url, name)?;
        Ok((with_user(&url, &format!("{name}_app"), &password)?, with_user(&url, &format!("{name}_owner"), &password)?))
    }

    /// Drops what [`TestServer::create_least_privilege_database`] made.
    pub fn drop_least_privilege_database(&self, name: &str) -> Result<()> {
        self.drop_database(name)?;
        psql(&self.psql, &self.admin_url, &format!("DROP ROLE IF EXISTS \"{name}_app\", \"{name}_owner\"")).map(drop)
    }
}

fn database_url_from_env() -> Option<String> {
    std::env::var("DATABASE_URL").ok().filter(|url| !url.is_empty())
}

fn ensure_database(psql_path: &Path, admin_url: &str, name: &str) -> Result<()> {
    let exists = psql(psql_path, admin_url, &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"))?;
    if exists.trim() != "1" {
        psql(psql_path, admin_url, &format!("CREATE DATABASE \"{name}\""))?;
    }
    Ok(())
}

/// Runs one SQL statement on `url` with the psql this machine has; its unaligned output.
pub fn query(url: &str, sql: &str) -> Result<String> {
    psql(&find_psql()?, url, sql)
}

/// Runs one SQL statement and returns its unaligned output. Errors name the statement, not
/// the URL: it holds a password.
fn psql(psql: &Path, url: &str, sql: &str) -> Result<String> {
    let output = process::captured(
        Command::new(psql)
            // No ~/.psqlrc, quiet, bare values: the output is data.
            .args(["-X", "-q", "--tuples-only", "--no-align"])
            .args(["-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
            .env("PGCONNECT_TIMEOUT", "10"),
    )?;
    if !output.status.success() {
        bail!(
            "psql could not run `{sql}`: {} — check that the PostgreSQL server is running and that the user may create databases",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `url` with its database name replaced: `postgres://u:p@host:5432/app?x=y` -> `.../name?x=y`.
fn with_database(url: &str, name: &str) -> Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| anyhow!("DATABASE_URL is not a URL — use postgres://user:password@host:port/database"))?;
    let (location, query) = match rest.split_once('?') {
        Some((location, query)) => (location, Some(query)),
        None => (rest, None),
    };
    let authority = location.split('/').next().unwrap_or_default();
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    Ok(format!("{scheme}://{authority}/{name}{query}"))
}

/// `url` with its user and password replaced: `postgres://u:p@host/db` -> `postgres://user:password@host/db`.
fn with_user(url: &str, user: &str, password: &str) -> Result<String> {
    let (scheme, rest) =
        url.split_once("://").ok_or_else(|| anyhow!("not a URL: postgres://user:password@host/database"))?;
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    Ok(format!("{scheme}://{user}:{password}@{host}"))
}

/// psql for a server we did not start: next to the server binaries, on PATH, or installed.
pub fn find_psql() -> Result<PathBuf> {
    if let Some(bins) = Binaries::find(None).filter(|bins| bins.tool("psql").exists()) {
        return Ok(bins.tool("psql"));
    }
    if let Some(psql) = on_path("psql") {
        return Ok(psql);
    }
    apt_install("postgresql-client", "psql creates the test databases on DATABASE_URL's server")?;
    on_path("psql").ok_or_else(|| anyhow!("psql is still missing after installing postgresql-client — put it on PATH"))
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| candidate.is_file())
}

/// The folder holding initdb, pg_ctl and psql of one PostgreSQL version.
struct Binaries {
    dir: PathBuf,
    major: String,
}

impl Binaries {
    /// The newest (or the given) version under /usr/lib/postgresql (Debian), else pg_ctl's
    /// folder on PATH.
    fn find(major: Option<&str>) -> Option<Binaries> {
        let mut debian: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let version: u32 = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                bin.join("pg_ctl").exists().then_some((version, bin))
            })
            .filter(|(version, _)| major.is_none_or(|major| major == version.to_string()))
            .collect();
        debian.sort();
        if let Some((version, dir)) = debian.pop() {
            return Some(Binaries { dir, major: version.to_string() });
        }
        let dir = on_path("pg_ctl")?.parent()?.to_owned();
        let version = process::probe(Command::new(dir.join("pg_ctl")).arg("--version"))?;
        // "pg_ctl (PostgreSQL) 15.14" -> "15"
        let found_major = version.split_whitespace().last()?.split('.').next()?.to_owned();
        major.is_none_or(|major| major == found_major).then_some(Binaries { dir, major: found_major })
    }

    fn find_or_install() -> Result<Binaries> {
        if let Some(bins) = Binaries::find(None) {
            return Ok(bins);
        }
        apt_install(
            "postgresql",
            "the private database cluster runs on PostgreSQL's own programs; or set DATABASE_URL",
        )?;
        Binaries::find(None).ok_or_else(|| anyhow!("PostgreSQL's initdb and pg_ctl are still missing after installing postgresql — put their folder on PATH"))
    }

    /// The `pg_dirtyread` extension, with which the tests read dead tuples back to prove an
    /// erased person is gone from the table files too.
    fn install_dirtyread(&self) -> Result<()> {
        let library = self.dir.parent().map(|version| version.join("lib/pg_dirtyread.so"));
        if library.is_some_and(|library| library.exists()) {
            return Ok(());
        }
        apt_install(
            &format!("postgresql-{}-dirtyread", self.major),
            "the tests read dead tuples back to prove an erasure left nothing on disk",
        )
    }

    fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The user PostgreSQL's programs run as.
enum RunAs {
    Me,
    User(String),
}

impl RunAs {
    /// Ourselves, unless we are root: then `postgres`, or our own system user.
    fn for_new_cluster() -> Result<RunAs> {
        if !is_root() {
            return Ok(RunAs::Me);
        }
        for user in [SUPERUSER, OWN_SYSTEM_USER] {
            if process::probe(Command::new("id").args(["-u", user])).is_some() {
                return Ok(RunAs::User(user.to_owned()));
            }
        }
        println!("creating the system user {OWN_SYSTEM_USER} (PostgreSQL refuses to run as root)");
        process::output(
            Command::new("useradd").args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                OWN_SYSTEM_USER,
            ]),
            "create an unprivileged user yourself, or set DATABASE_URL",
        )?;
        Ok(RunAs::User(OWN_SYSTEM_USER.to_owned()))
    }

    /// Whoever owns the existing cluster folder `home`.
    fn owner_of(home: &Path) -> Result<RunAs> {
        let uid = fs::metadata(home)
            .map_err(|e| anyhow!("cannot read {}: {e} — check its permissions", home.display()))?
            .uid();
        // SAFETY: geteuid cannot fail and touches no memory.
        let me = unsafe { libc::geteuid() };
        if uid == me && !is_root() {
            return Ok(RunAs::Me);
        }
        let name = process::probe(Command::new("id").args(["-nu", &uid.to_string()]));
        match name {
            Some(name) if is_root() && uid != 0 => Ok(RunAs::User(name)),
            _ => bail!(
                "the database folder {} belongs to user id {uid}, which cannot run it for us — run as that user (or root), or delete the folder to start over",
                home.display()
            ),
        }
    }

    fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = match self {
            RunAs::Me => Command::new(program),
            RunAs::User(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(program);
                cmd
            }
        };
        // The other user may not be allowed into our working directory.
        cmd.current_dir("/");
        cmd
    }

    fn take_ownership(&self, path: &Path) -> Result<()> {
        let RunAs::User(user) = self else {
            return Ok(());
        };
        process::output(
            Command::new("chown").arg("-R").arg(format!("{user}:")).arg(path),
            "check that the folder is on a local file system",
        )
        .map(drop)
    }

    /// The postgres user must be able to walk down to `dir`; name the folder that stops it.
    fn check_can_reach(&self, dir: &Path) -> Result<()> {
        let RunAs::User(user) = self else {
            return Ok(());
        };
        let can_enter = |folder: &Path| process::probe(self.command("test").arg("-x").arg(folder)).is_some();
        if can_enter(dir) {
            return Ok(());
        }
        let mut ancestors: Vec<&Path> = dir.ancestors().collect();
        ancestors.reverse();
        let blocked = ancestors.into_iter().find(|folder| !can_enter(folder)).unwrap_or(dir);
        bail!(
            "the user `{user}` (PostgreSQL refuses root) cannot enter {}, so it cannot reach {} — allow it with `chmod o+x {}`, or set DATABASE_URL",
            blocked.display(),
            dir.display(),
            blocked.display()
        )
    }
}

/// Settings for a cluster that is deleted after the tests: crash safety is not needed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    Durable,
    Throwaway,
}

/// A private cluster. `base` holds the password and port files (ours) and `pg/` (the postgres
/// user's: the data directory `pg/data` and the log `pg/server.log`).
pub struct Cluster {
    base: PathBuf,
    bins: Binaries,
    run_as: RunAs,
    durability: Durability,
    password: String,
    port: u16,
    started_here: bool,
}

impl Cluster {
    /// The cluster in `base` (`.data`), created on first use, started unless already running.
    fn persistent(base: &Path) -> Result<Cluster> {
        create_private_dir(base)?;
        let home = base.join("pg");
        let version_file = home.join("data/PG_VERSION");
        let password_file = base.join("pg-password");
        if version_file.exists() && !password_file.exists() {
            bail!(
                "{} has no password file {} — delete {} to start over (it holds only demo data)",
                home.display(),
                password_file.display(),
                home.display()
            );
        }
        let mut cluster = if let Ok(major) = fs::read_to_string(&version_file) {
            let major = major.trim();
            let bins = Binaries::find(Some(major)).ok_or_else(|| {
                anyhow!(
                    "the database in {} was made by PostgreSQL {major}, which is not installed — install postgresql-{major}, or delete {} to start over (it holds only demo data)",
                    home.display(),
                    home.display()
                )
            })?;
            Cluster::new(base, bins, RunAs::owner_of(&home)?, Durability::Durable)?
        } else {
            let bins = Binaries::find_or_install()?;
            let mut cluster = Cluster::new(base, bins, RunAs::for_new_cluster()?, Durability::Durable)?;
            println!("creating a private PostgreSQL {} cluster in {} (first run)", cluster.bins.major, home.display());
            cluster.init()?;
            cluster
        };
        cluster.start()?;
        Ok(cluster)
    }

    /// A fresh cluster in a temporary folder, deleted (with its data) when dropped.
    fn throwaway() -> Result<Cluster> {
        remove_abandoned_throwaways();
        let base = std::env::temp_dir().join(format!("{THROWAWAY_PREFIX}{}-{}", std::process::id(), random_hex(4)?));
        create_private_dir(&base)?;
        let bins = Binaries::find_or_install()?;
        bins.install_dirtyread()?;
        println!("starting a throwaway PostgreSQL {} cluster in {}", bins.major, base.display());
        let run_as = RunAs::for_new_cluster()?;
        // From here on, dropping the cluster removes the folder, whatever fails next.
        let mut cluster = Cluster::new(&base, bins, run_as, Durability::Throwaway)?;
        cluster.init()?;
        cluster.start()?;
        Ok(cluster)
    }

    fn new(base: &Path, bins: Binaries, run_as: RunAs, durability: Durability) -> Result<Cluster> {
        Ok(Cluster {
            base: base.to_owned(),
            password: stored_secret(&base.join("pg-password"), 24)?,
            bins,
            run_as,
            durability,
            port: 0,
            started_here: false,
        })
    }

    fn home(&self) -> PathBuf {
        self.base.join("pg")
    }

    fn data(&self) -> PathBuf {
        self.home().join("data")
    }

    fn log(&self) -> PathBuf {
        self.home().join("server.log")
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    fn init(&mut self) -> Result<()> {
        let home = self.home();
        if home.exists() {
            // A previous initdb stopped half-way (PG_VERSION is missing): start again.
            fs::remove_dir_all(&home).map_err(|e| {
                anyhow!("cannot remove the unfinished cluster {}: {e} — delete it yourself", home.display())
            })?;
        }
        self.run_as.check_can_reach(&self.base)?;
        fs::DirBuilder::new().mode(0o700).create(&home).map_err(|e| {
            anyhow!("cannot create {}: {e} — check the permissions of {}", home.display(), self.base.display())
        })?;
        // initdb reads the superuser's password from a file the postgres user can read.
        let password_file = home.join("initdb-password");
        fs::write(&password_file, &self.password)?;
        self.run_as.take_ownership(&home)?;

        let initdb = |locale: &str| {
            let mut cmd = self.run_as.command(self.bins.tool("initdb"));
            cmd.arg("-D")
                .arg(self.data())
                .args(["--auth=scram-sha-256", "--encoding=UTF8"])
                .arg(format!("--username={SUPERUSER}"))
                .arg(format!("--pwfile={}", password_file.display()))
                .arg(format!("--locale={locale}"));
            if self.durability == Durability::Throwaway {
                cmd.arg("--no-sync");
            }
            process::captured(&mut cmd)
        };
        // C.UTF-8 sorts like C but knows Unicode; older systems lack it.
        let mut result = initdb("C.UTF-8")?;
        if !result.status.success() {
            result = initdb("C")?;
        }
        let _ = fs::remove_file(&password_file);
        if !result.status.success() {
            bail!(
                "initdb failed in {}:\n{}{}— read the message above; delete {} to start over",
                home.display(),
                String::from_utf8_lossy(&result.stdout),
                String::from_utf8_lossy(&result.stderr),
                home.display()
            );
        }
        self.configure()
    }

    /// Settings live in postgresql.conf so the cluster starts the same way by hand.
    fn configure(&self) -> Result<()> {
        // No Unix socket: everything connects over TCP, and socket paths have a 107-byte limit.
        let mut settings = String::from(
            "\n# Added by cargo xtask: a private cluster, reached over TCP on 127.0.0.1 only.\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = ''\n",
        );
        if self.durability == Durability::Throwaway {
            settings.push_str(
                "# Deleted after the tests: speed over crash safety.\n\
                 fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
            );
        }
        let conf = self.data().join("postgresql.conf");
        let mut contents = fs::read_to_string(&conf)?;
        contents.push_str(&settings);
        fs::write(&conf, contents).map_err(|e| {
            anyhow!("cannot write {}: {e} — delete {} to start over", conf.display(), self.home().display())
        })
    }

    /// Starts the cluster, or joins it if it already runs (another `cargo xtask run`).
    fn start(&mut self) -> Result<()> {
        if let Some(port) = self.running_port() {
            if !net::answers(port) {
                bail!("the PostgreSQL server of {} runs but does not answer on 127.0.0.1:{port} — stop it with `pg_ctl -D {} stop` (as its owner) and try again", self.data().display(), self.data().display());
            }
            println!("using the PostgreSQL cluster already running on 127.0.0.1:{port}");
            self.port = port;
            return Ok(());
        }
        self.port = self.choose_port()?;
        let result = process::captured(
            self.run_as
                .command(self.bins.tool("pg_ctl"))
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.log())
                .args(["-w", "-t", "60", "-o"])
                .arg(format!("-p {}", self.port))
                .arg("start"),
        )?;
        if !result.status.success() {
            bail!(
                "PostgreSQL did not start; the end of {}:\n{}\n— fix what the log says, or delete {} to start over",
                self.log().display(),
                process::log_tail(&self.log(), 20),
                self.home().display()
            );
        }
        self.started_here = true;
        Ok(())
    }

    /// The port from `postmaster.pid` if the server is alive (pg_ctl checks the process).
    fn running_port(&self) -> Option<u16> {
        let pid_file = fs::read_to_string(self.data().join("postmaster.pid")).ok()?;
        let mut status = self.run_as.command(self.bins.tool("pg_ctl"));
        process::probe(status.arg("status").arg("-D").arg(self.data()))?;
        // Line 4 of postmaster.pid is the port.
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    /// The stored port if still free, else a new free one (stored for next time).
    fn choose_port(&self) -> Result<u16> {
        let port_file = self.base.join("pg-port");
        let stored: Option<u16> = fs::read_to_string(&port_file).ok().and_then(|text| text.trim().parse().ok());
        if let Some(port) = stored.filter(|&port| net::is_free(([127, 0, 0, 1], port).into())) {
            return Ok(port);
        }
        let port = net::free_port()?;
        fs::write(&port_file, format!("{port}\n"))
            .map_err(|e| anyhow!("cannot write {}: {e} — check its folder's permissions", port_file.display()))?;
        Ok(port)
    }

    fn stop(&mut self) {
        if !self.started_here {
            return;
        }
        self.started_here = false;
        let mut stop = self.run_as.command(self.bins.tool("pg_ctl"));
        stop.arg("-D").arg(self.data()).args(["-m", "fast", "-w", "stop"]);
        if process::probe(&mut stop).is_none() {
            eprintln!("warning: `{}` failed; see {}", process::display(&stop), self.log().display());
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
        if self.durability == Durability::Throwaway {
            if let Err(e) = fs::remove_dir_all(&self.base) {
                eprintln!("warning: cannot remove {}: {e}", self.base.display());
            }
        }
    }
}

/// `base` is ours (secrets inside are 0600) but the postgres user must pass through it.
fn create_private_dir(base: &Path) -> Result<()> {
    if !base.exists() {
        fs::create_dir_all(base).and_then(|()| fs::set_permissions(base, fs::Permissions::from_mode(0o755))).map_err(
            |e| anyhow!("cannot create {}: {e} — check the permissions of its parent folder", base.display()),
        )?;
    }
    Ok(())
}

/// Throwaway clusters of test runs that were killed (so never cleaned up): stop their server
/// and delete them. A folder's name holds the pid of the run that made it.
fn remove_abandoned_throwaways() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for base in entries.flatten().map(|entry| entry.path()) {
        let Some(owner_pid) = base
            .file_name()
            .and_then(OsStr::to_str)
            .and_then(|name| name.strip_prefix(THROWAWAY_PREFIX))
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if Path::new("/proc").join(owner_pid).exists() {
            continue;
        }
        let data = base.join("pg/data");
        if let Some(postmaster) = fs::read_to_string(data.join("postmaster.pid"))
            .ok()
            .and_then(|pid_file| pid_file.lines().next()?.trim().parse::<libc::pid_t>().ok())
        {
            stop_abandoned_postmaster(postmaster, &data);
        }
        let _ = fs::remove_dir_all(&base);
    }
}

/// SIGQUIT (immediate shutdown) to a postmaster, if that pid really is the one serving `data`.
fn stop_abandoned_postmaster(pid: libc::pid_t, data: &Path) {
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let serves_data = cmdline.split(|&byte| byte == 0).any(|arg| arg == data.as_os_str().as_encoded_bytes());
    if !serves_data {
        return;
    }
    // SAFETY: kill has no memory effects; the pid was checked to be that postmaster.
    unsafe {
        libc::kill(pid, libc::SIGQUIT);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::skip_or_fail_in_ci;

    /// Why the tests that start real clusters cannot run.
    const NO_POSTGRESQL: &str =
        "no PostgreSQL binaries under /usr/lib/postgresql or pg_ctl on PATH (apt-get install postgresql)";

    /// Making a throwaway cluster sweeps abandoned ones, which would take the planted one of
    /// `an_abandoned_throwaway_cluster_is_stopped_and_removed`: those tests take turns.
    static SWEEP: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn with_database_replaces_only_the_database_name() {
        assert_eq!(
            with_database("postgres://u:p@db.example:5432/app", "postgres").unwrap(),
            "postgres://u:p@db.example:5432/postgres"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/app?sslmode=require", "e2e_1").unwrap(),
            "postgresql://u:p@h/e2e_1?sslmode=require"
        );
        assert_eq!(with_database("postgres://u@h:1", "x").unwrap(), "postgres://u@h:1/x");
        assert!(with_database("not a url", "x").is_err());
    }

    #[test]
    fn with_user_replaces_only_the_credentials() {
        assert_eq!(
            with_user("postgres://postgres:secret@127.0.0.1:5432/e2e?x=1", "e2e_app", "pw").unwrap(),
            "postgres://e2e_app:pw@127.0.0.1:5432/e2e?x=1"
        );
        assert_eq!(with_user("postgres://h:1/db", "u", "p").unwrap(), "postgres://u:p@h:1/db");
        assert!(with_user("not a url", "u", "p").is_err());
    }

    /// A real cluster, end to end, where PostgreSQL is installed (skipped elsewhere, failed in
    /// CI).
    #[test]
    fn a_throwaway_cluster_starts_serves_and_disappears() {
        if Binaries::find(None).is_none() {
            return skip_or_fail_in_ci(NO_POSTGRESQL);
        }
        let _turn = SWEEP.lock().unwrap_or_else(|e| e.into_inner());
        let cluster = Cluster::throwaway().unwrap();
        let base = cluster.base.clone();
        let psql_path = cluster.bins.tool("psql");
        let admin = cluster.url("postgres");
        ensure_database(&psql_path, &admin, "probe").unwrap();
        ensure_database(&psql_path, &admin, "probe").unwrap();
        let answer = psql(&psql_path, &cluster.url("probe"), "SELECT current_setting('fsync')").unwrap();
        assert_eq!(answer.trim(), "off");
        let port = cluster.port;
        drop(cluster);
        assert!(!base.exists(), "the throwaway folder is removed");
        assert!(!net::answers(port), "the server is stopped");
    }

    #[test]
    fn test_databases_are_made_and_dropped_on_a_given_server() {
        if Binaries::find(None).is_none() {
            return skip_or_fail_in_ci(NO_POSTGRESQL);
        }
        let _turn = SWEEP.lock().unwrap_or_else(|e| e.into_inner());
        let cluster = Cluster::throwaway().unwrap();
        let server = TestServer::on_server_of(&cluster.url("deactivate")).unwrap();
        assert_eq!(server.admin_url, cluster.url("postgres"));
        let url = server.create_database("e2e_probe").unwrap();
        assert_eq!(url, cluster.url("e2e_probe"));
        assert_eq!(psql(&server.psql, &url, "SELECT 1").unwrap().trim(), "1");
        server.drop_database("e2e_probe").unwrap();
        assert!(psql(&server.psql, &url, "SELECT 1").is_err());
    }

    #[test]
    fn a_folder_the_postgres_user_cannot_enter_is_named() {
        if !is_root() {
            return skip_or_fail_in_ci("needs root: only as root do PostgreSQL's programs run as another user");
        }
        if Binaries::find(None).is_none() {
            return skip_or_fail_in_ci(NO_POSTGRESQL);
        }
        let locked = std::env::temp_dir().join(format!("xtask-locked-{}", random_hex(6).unwrap()));
        fs::DirBuilder::new().mode(0o700).create(&locked).unwrap();
        let message = Cluster::persistent(&locked.join("ws/.data"))
            .err()
            .expect("the postgres user cannot reach the folder")
            .to_string();
        fs::remove_dir_all(&locked).unwrap();
        assert!(message.contains(&format!("cannot enter {},", locked.display())), "{message}");
        assert!(message.contains("chmod o+x"), "{message}");
    }

    /// A test run killed before cleaning up leaves a running cluster; the next run removes it.
    #[test]
    fn an_abandoned_throwaway_cluster_is_stopped_and_removed() {
        if Binaries::find(None).is_none() {
            return skip_or_fail_in_ci(NO_POSTGRESQL);
        }
        let _turn = SWEEP.lock().unwrap_or_else(|e| e.into_inner());
        // No process has this pid (Linux pids stay below 2^22), so its run is gone.
        let dead_pid = 1 << 23;
        let base = std::env::temp_dir().join(format!("{THROWAWAY_PREFIX}{dead_pid}-{}", random_hex(4).unwrap()));
        create_private_dir(&base).unwrap();
        let bins = Binaries::find_or_install().unwrap();
        let run_as = RunAs::for_new_cluster().unwrap();
        let mut cluster = Cluster::new(&base, bins, run_as, Durability::Throwaway).unwrap();
        cluster.init().unwrap();
        cluster.start().unwrap();
        let port = cluster.port;
        std::mem::forget(cluster);
        assert!(net::answers(port));

        remove_abandoned_throwaways();
        assert!(!base.exists());
        assert!(!net::answers(port));
    }

    /// `cargo xtask run`'s cluster: made once, joined while running, restarted with its data.
    #[test]
    fn a_persistent_cluster_is_reused_joined_and_kept() {
        if Binaries::find(None).is_none() {
            return skip_or_fail_in_ci(NO_POSTGRESQL);
        }
        let base = std::env::temp_dir().join(format!("xtask-pg-{}", random_hex(6).unwrap()));
        let first = Cluster::persistent(&base).unwrap();
        assert!(first.started_here);
        let psql_path = first.bins.tool("psql");
        ensure_database(&psql_path, &first.url("postgres"), "kept").unwrap();

        let joined = Cluster::persistent(&base).unwrap();
        assert!(!joined.started_here, "a running cluster is joined");
        assert_eq!(joined.port, first.port);
        drop(joined);
        assert!(net::answers(first.port), "leaving a joined cluster does not stop it");

        let port = first.port;
        drop(first);
        assert!(!net::answers(port));
        let again = Cluster::persistent(&base).unwrap();
        assert!(again.started_here);
        assert_eq!(again.port, port, "the stored port is reused while free");
        let kept = psql(&psql_path, &again.url("postgres"), "SELECT count(*) FROM pg_database WHERE datname = 'kept'")
            .unwrap();
        assert_eq!(kept.trim(), "1", "the data survives a restart");
        drop(again);
        fs::remove_dir_all(&base).unwrap();
    }
}
