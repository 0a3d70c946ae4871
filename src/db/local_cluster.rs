//! A private PostgreSQL cluster under a data folder, for `cargo run` with no
//! `DATABASE_URL` and for the test harness. PostgreSQL refuses to run as root,
//! so when we are root the server runs as the unprivileged `postgres` account.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::{Connection, PgConnection, RunQueryDsl};

/// One line: what is missing, and the package that brings it on each platform.
pub const INSTALL_HINT: &str =
    "no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or in /usr/lib/postgresql/*/bin: \
     install them (Debian/Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; \
     macOS: brew install postgresql@15) or set DATABASE_URL";

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
    durability: Durability,
    /// The folder given to `start`: the server's log is written there.
    dir: PathBuf,
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

/// The nearest parent of `dir` that other accounts may not enter, if any.
fn closed_ancestor(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .skip(1)
        .find(|p| {
            fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o001 == 0)
                .unwrap_or(false)
        })
        .map(Path::to_path_buf)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Whether a process with this id exists.
fn process_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    unsafe { libc::kill(pid, 0) == 0 || *libc::__errno_location() == libc::EPERM }
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
            durability,
            dir: dir.clone(),
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
                "using the PostgreSQL server already running in {}",
                cluster.pgdata.display()
            );
        } else {
            cluster.launch()?;
            cluster.started_here = true;
        }
        Ok(cluster)
    }

    /// Starts the cluster for a serving process, which stops it on exit. A
    /// server found running that no live process owns was left behind by an
    /// earlier run that was killed: it is adopted (and stopped on exit).
    pub fn start_owned(dir: &Path, durability: Durability) -> Result<LocalCluster, ClusterError> {
        let mut cluster = LocalCluster::start(dir, durability)?;
        if !cluster.started_here {
            match cluster.owner() {
                Some(pid) if pid != std::process::id() && process_alive(pid) => {
                    log::warn!(
                        "the PostgreSQL server in {} belongs to a running process {pid}; it will not be stopped on exit",
                        cluster.pgdata.display()
                    );
                    return Ok(cluster);
                }
                _ => log::warn!(
                    "adopting the PostgreSQL server (pid {}) left running in {} by an earlier run; it will be stopped on exit",
                    cluster.server_pid().map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
                    cluster.pgdata.display()
                ),
            }
            cluster.started_here = true;
        }
        fs::write(cluster.owner_file(), std::process::id().to_string())
            .map_err(|e| err(format!("{}: {e}", cluster.owner_file().display())))?;
        Ok(cluster)
    }

    fn owner_file(&self) -> PathBuf {
        self.dir.join("owner.pid")
    }

    /// The process that owns the running server, from `owner.pid`.
    fn owner(&self) -> Option<u32> {
        fs::read_to_string(self.owner_file())
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Starts the server process. After a crash its old processes may hold
    /// shared memory for a moment: the start is retried for a few seconds.
    fn launch(&self) -> Result<(), ClusterError> {
        // Socket only, inside a folder only the server's account may enter: trust auth is safe there.
        // pg_ctl hands -o to a shell: the socket folder is quoted.
        let mut options = format!(
            "-c listen_addresses='' -k '{}' -c max_connections=200",
            self.socket_dir.display().to_string().replace('\'', "")
        );
        if self.durability == Durability::Throwaway {
            options.push_str(" -c fsync=off -c full_page_writes=off -c synchronous_commit=off");
        }
        let log_file = self.dir.join("postgresql.log");
        let mut attempts = 0;
        loop {
            let started = self.run_ok(
                "pg_ctl",
                [
                    OsStr::new("-D"),
                    self.pgdata.as_os_str(),
                    OsStr::new("-o"),
                    OsStr::new(&options),
                    OsStr::new("-l"),
                    log_file.as_os_str(),
                    OsStr::new("-w"),
                    OsStr::new("-t"),
                    OsStr::new("60"),
                    OsStr::new("start"),
                ],
            );
            match started {
                Ok(_) => return Ok(()),
                Err(e) if attempts < 20 => {
                    attempts += 1;
                    log::debug!("PostgreSQL did not start yet ({}); retrying", e.0);
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Starts the server again after `stop` or a crash (fault tests).
    pub fn restart_server(&self) -> Result<(), ClusterError> {
        if self.is_running() {
            return Ok(());
        }
        self.launch()
    }

    fn prepare_folders(&self, dir: &Path) -> Result<(), ClusterError> {
        fs::create_dir_all(&self.socket_dir)
            .map_err(|e| err(format!("{}: {e}", self.socket_dir.display())))?;
        fs::set_permissions(&self.socket_dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| err(format!("{}: {e}", self.socket_dir.display())))?;
        if let Some(user) = &self.run_as {
            // The account must reach its folder through every parent. A parent
            // closed to it (a mode-700 home) is the operator's to open or avoid:
            // loosening it here would quietly widen access to everything inside.
            if !self.reachable_by_server_account(dir) {
                let closed = closed_ancestor(dir);
                return Err(err(format!(
                    "the {user} account cannot reach {} (PostgreSQL runs as {user} when started as root){}: \
                     set DATA_DIR to a folder it can reach, such as /var/lib/par-tracker, \
                     or start as an unprivileged user",
                    dir.display(),
                    closed
                        .map(|p| format!(
                            ", because {} is closed to other accounts (chmod o+x {} would open it)",
                            p.display(),
                            p.display()
                        ))
                        .unwrap_or_default()
                )));
            }
            // The server account must own its folders.
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
        }
        Ok(())
    }

    /// Whether the server's account can enter `dir` (and so every parent of it).
    fn reachable_by_server_account(&self, dir: &Path) -> bool {
        let Some(user) = &self.run_as else {
            return true;
        };
        Command::new("runuser")
            .arg("-u")
            .arg(user)
            .arg("--")
            .arg("test")
            .arg("-x")
            .arg(dir)
            .current_dir("/")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
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

    /// The server's process id, from `postmaster.pid`, while it runs.
    pub fn server_pid(&self) -> Option<i32> {
        let pid_file = fs::read_to_string(self.pgdata.join("postmaster.pid")).ok()?;
        pid_file.lines().next()?.trim().parse().ok()
    }

    /// Kills the server with SIGKILL, as a crash would (fault tests).
    pub fn kill_server(&self) -> Result<(), ClusterError> {
        let pid = self
            .server_pid()
            .ok_or_else(|| err("the server is not running"))?;
        // SAFETY: sending a signal to a process id read from the server's own pid file.
        if unsafe { libc::kill(pid, libc::SIGKILL) } != 0 {
            return Err(err(format!(
                "cannot kill {pid}: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }

    /// Stops the server if this process started it (fast shutdown: open
    /// sessions are ended, data is kept).
    pub fn stop(&self) -> Result<(), ClusterError> {
        if self.started_here && self.is_running() {
            let _ = fs::remove_file(self.owner_file());
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_install_hint_names_a_package_per_platform_in_one_line() {
        for install in [
            "apt-get install postgresql",
            "dnf install postgresql-server",
            "brew install postgresql@15",
        ] {
            assert!(super::INSTALL_HINT.contains(install), "{install}");
        }
        assert!(!super::INSTALL_HINT.contains('\n'));
    }
}
