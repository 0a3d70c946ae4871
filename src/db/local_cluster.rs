//! A private PostgreSQL cluster under a data folder, for `cargo run` with no
//! `DATABASE_URL` and for the test harness. PostgreSQL refuses to run as root,
//! so when we are root the server runs as the unprivileged `postgres` account.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::{Connection, PgConnection, RunQueryDsl};

const INSTALL_HINT: &str =
    "no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or in /usr/lib/postgresql/*/bin; \
     install them (Debian/Ubuntu: apt-get install postgresql) or set DATABASE_URL";

#[derive(Debug, thiserror::Error)]
#[error("local PostgreSQL cluster: {0}")]
pub struct ClusterError(pub String);

fn err(msg: impl Into<String>) -> ClusterError {
    ClusterError(msg.into())
}

/// A running cluster listening only on a Unix socket inside its folder.
#[derive(Debug)]
pub struct LocalCluster {
    bin_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<String>,
    /// Whether this process started the server (and so may stop it): a
    /// `create-user` next to a running `serve` must not stop the server's database.
    started_here: bool,
}

/// How the cluster trades safety for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// PostgreSQL's defaults: data survives a crash. For `serve` and the commands.
    Durable,
    /// fsync off: for throwaway test clusters only.
    Throwaway,
}

/// Finds the folder holding initdb and pg_ctl: PATH first, then the newest
/// /usr/lib/postgresql/<version>/bin.
pub fn find_bin_dir() -> Result<PathBuf, ClusterError> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file()
                && dir.join("pg_ctl").is_file()
                && dir.join("postgres").is_file()
            {
                return Ok(dir);
            }
            // Debian puts wrappers on PATH; the real server lives elsewhere.
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                if let Some(real) = newest_debian_bin_dir() {
                    return Ok(real);
                }
                return Ok(dir);
            }
        }
    }
    newest_debian_bin_dir().ok_or_else(|| err(INSTALL_HINT))
}

fn newest_debian_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

impl LocalCluster {
    /// Initialises (first time) and starts the cluster in `dir`, or reuses one
    /// already running there.
    pub fn start(dir: &Path, durability: Durability) -> Result<LocalCluster, ClusterError> {
        let bin_dir = find_bin_dir()?;
        fs::create_dir_all(dir)
            .map_err(|e| err(format!("cannot create {}: {e}", dir.display())))?;
        let dir = dir
            .canonicalize()
            .map_err(|e| err(format!("{}: {e}", dir.display())))?;
        let mut cluster = LocalCluster {
            bin_dir,
            pgdata: dir.join("pgdata"),
            socket_dir: dir.join("socket"),
            run_as: is_root().then(|| "postgres".to_string()),
            started_here: false,
        };
        // Unix socket paths are limited to 107 bytes.
        if cluster.socket_dir.as_os_str().len() > 90 {
            return Err(err(format!(
                "the data folder {} is too deep for PostgreSQL's socket; use a shorter DATA_DIR",
                dir.display()
            )));
        }
        cluster.prepare_folders(&dir)?;
        if !cluster.pgdata.join("PG_VERSION").exists() {
            log::info!(
                "initialising a PostgreSQL cluster in {}",
                cluster.pgdata.display()
            );
            cluster.run_ok(
                "initdb",
                [
                    OsStr::new("-D"),
                    cluster.pgdata.as_os_str(),
                    OsStr::new("-U"),
                    OsStr::new("postgres"),
                    OsStr::new("--auth=trust"),
                    OsStr::new("--encoding=UTF8"),
                    OsStr::new("--no-locale"),
                ],
            )?;
        }
        if cluster.is_running() {
            log::info!(
                "reusing the PostgreSQL cluster already running in {}",
                cluster.pgdata.display()
            );
        } else {
            // Socket only, inside a folder only the server's account may enter: trust auth is safe there.
            // pg_ctl hands -o to a shell: the socket folder is quoted.
            let mut options = format!(
                "-c listen_addresses='' -k '{}' -c max_connections=200",
                cluster.socket_dir.display().to_string().replace('\'', "")
            );
            if durability == Durability::Throwaway {
                options.push_str(" -c fsync=off -c full_page_writes=off -c synchronous_commit=off");
            }
            let log_file = dir.join("postgresql.log");
            cluster.run_ok(
                "pg_ctl",
                [
                    OsStr::new("-D"),
                    cluster.pgdata.as_os_str(),
                    OsStr::new("-o"),
                    OsStr::new(&options),
                    OsStr::new("-l"),
                    log_file.as_os_str(),
                    OsStr::new("-w"),
                    OsStr::new("-t"),
                    OsStr::new("60"),
                    OsStr::new("start"),
                ],
            )?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    fn prepare_folders(&self, dir: &Path) -> Result<(), ClusterError> {
        fs::create_dir_all(&self.socket_dir)
            .map_err(|e| err(format!("{}: {e}", self.socket_dir.display())))?;
        fs::set_permissions(&self.socket_dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| err(format!("{}: {e}", self.socket_dir.display())))?;
        if let Some(user) = &self.run_as {
            // The server account must own its folders; the parent must be traversable.
            for path in [dir, self.socket_dir.as_path()] {
                let status = Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(path)
                    .status()
                    .map_err(|e| err(format!("chown: {e}")))?;
                if !status.success() {
                    return Err(err(format!(
                        "cannot give {} to the {user} account",
                        path.display()
                    )));
                }
            }
            let mut ancestor = dir.parent();
            while let Some(p) = ancestor {
                if let Ok(meta) = fs::metadata(p) {
                    let mode = meta.permissions().mode();
                    if mode & 0o001 == 0 {
                        log::warn!(
                            "letting the {user} account traverse {} (adding o+x) so it can reach its data folder",
                            p.display()
                        );
                        let _ = fs::set_permissions(p, fs::Permissions::from_mode(mode | 0o001));
                    }
                }
                ancestor = p.parent();
            }
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let exe = self.bin_dir.join(program);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    fn run_ok<I, S>(&self, program: &str, args: I) -> Result<Output, ClusterError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = self
            .command(program)
            .args(args)
            .current_dir("/")
            .output()
            .map_err(|e| err(format!("cannot run {program}: {e}")))?;
        if !output.status.success() {
            return Err(err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(output)
    }

    fn is_running(&self) -> bool {
        self.command("pg_ctl")
            .arg("-D")
            .arg(&self.pgdata)
            .arg("status")
            .current_dir("/")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// A libpq URL for `database` over the cluster's socket.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgresql://postgres@/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Creates `database` unless it exists.
    pub fn ensure_database(&self, database: &str) -> Result<(), ClusterError> {
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            found: bool,
        }
        let mut conn =
            PgConnection::establish(&self.url("postgres")).map_err(|e| err(e.to_string()))?;
        let exists = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS found",
        )
        .bind::<diesel::sql_types::Text, _>(database)
        .get_result::<Found>(&mut conn)
        .map_err(|e| err(e.to_string()))?;
        if !exists.found {
            diesel::sql_query(format!("CREATE DATABASE \"{}\"", database.replace('"', "")))
                .execute(&mut conn)
                .map_err(|e| err(e.to_string()))?;
        }
        Ok(())
    }

    /// Stops the server if this process started it (fast shutdown: open
    /// sessions are ended, data is kept).
    pub fn stop(&self) -> Result<(), ClusterError> {
        if self.started_here && self.is_running() {
            self.run_ok(
                "pg_ctl",
                [
                    OsStr::new("-D"),
                    self.pgdata.as_os_str(),
                    OsStr::new("-m"),
                    OsStr::new("fast"),
                    OsStr::new("-w"),
                    OsStr::new("stop"),
                ],
            )?;
        }
        Ok(())
    }
}
