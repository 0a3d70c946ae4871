//! Async connections for the hottest read, one task by id: it runs on the
//! actix worker that took the request, through diesel's own statements on
//! tokio-postgres, instead of hopping to a blocking thread and back (the
//! switching between threads was the largest item of its profile).
//!
//! Each worker keeps a few connections of its own and sends its requests'
//! statements down them without waiting for the previous answer (a
//! statement's future does not hold its connection), so one write and one
//! wake-up serve several requests: PostgreSQL answers them in order.
//!
//! Nothing depends on this path: when it cannot give an answer (no
//! connection yet, a dead one, a task whose standing is not kept), the
//! request takes the blocking path, which retries and reports 503s as every
//! other request does.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::CHECKOUT_TIMEOUT;
use crate::domain::error::{DomainError, DomainResult};

/// Connections per worker unless configured (`READ_CONNECTIONS_PER_WORKER`).
/// One leaves PostgreSQL's backend the bottleneck (a backend answers one
/// statement at a time); more than two add backends competing for the same
/// cores. Measured with `ONLY=get_task scripts/bench/run.sh` on 2 cores:
/// 24,091 reads/s with one, 32,135 and 36,424 with two, 30,356 with four.
pub const DEFAULT_PER_WORKER: usize = 2;

/// What each worker builds its connections from.
#[derive(Debug, Clone)]
pub struct ReadPools {
    pub database_url: String,
    /// Connections per worker; 0 sends every read down the blocking path.
    pub per_worker: usize,
}

impl ReadPools {
    /// `per_worker` connections to `database_url` for each worker, or none
    /// when the database is not on this machine: these connections speak no
    /// TLS, and a connection in the clear is only acceptable over a Unix
    /// socket or loopback (the blocking pool's libpq connections keep
    /// whatever `sslmode` the URL asks for).
    pub fn new(database_url: &str, per_worker: usize) -> ReadPools {
        let local = is_local_without_tls(database_url);
        if !local && per_worker > 0 {
            log::info!(
                "one task is read on the blocking pool: the database is not on a Unix socket or \
                 loopback, and the workers' own connections speak no TLS"
            );
        }
        ReadPools {
            database_url: database_url.to_owned(),
            per_worker: if local { per_worker } else { 0 },
        }
    }

    /// The calling worker's connections, made on first use.
    pub fn build(&self) -> ReadPool {
        ReadPool {
            database_url: Rc::from(self.database_url.as_str()),
            slots: (0..self.per_worker).map(|_| Rc::default()).collect(),
            next: Cell::new(0),
        }
    }
}

/// One worker's connections (not `Send`: it never leaves its worker).
pub struct ReadPool {
    database_url: Rc<str>,
    slots: Vec<Rc<Slot>>,
    next: Cell<usize>,
}

#[derive(Default)]
struct Slot {
    conn: RefCell<Option<AsyncPgConnection>>,
    connecting: Cell<bool>,
}

impl ReadPool {
    /// Runs the statement `start` sends on one of the worker's connections,
    /// taking turns; the first use of a slot makes its connection. `None`:
    /// no connection (none configured, the database is unreachable, or
    /// another request is making this one); ask the blocking path. A
    /// connection whose statement failed at the connection level (a server
    /// that restarted closes it) is dropped, and made again by the slot's
    /// next request.
    pub async fn run<T, F, Fut>(&self, start: F) -> Option<DomainResult<T>>
    where
        F: FnOnce(&mut AsyncPgConnection) -> Fut,
        Fut: Future<Output = DomainResult<T>>,
    {
        if self.slots.is_empty() {
            return None;
        }
        let turn = self.next.get();
        self.next.set(turn.wrapping_add(1));
        let slot = self.slots[turn % self.slots.len()].clone();
        if slot.conn.borrow().is_none() {
            self.connect(&slot).await;
        }
        // The borrow ends with the statement sent: its answer is awaited
        // without holding the connection, so others can send theirs.
        let running = slot.conn.borrow_mut().as_mut().map(start)?;
        let result = running.await;
        if let Err(DomainError::Unavailable(cause)) = &result {
            // (Reads in flight on the dead connection with this one may
            // drop its replacement too: one more connection made, no more.)
            if slot.conn.borrow_mut().take().is_some() {
                log::debug!("dropped an async database connection: {cause}");
            }
        }
        Some(result)
    }

    /// Makes the slot's connection, unless another request already is.
    async fn connect(&self, slot: &Slot) {
        if slot.connecting.replace(true) {
            return;
        }
        // Cleared however this ends, a request given up on included.
        struct Connecting<'a>(&'a Cell<bool>);
        impl Drop for Connecting<'_> {
            fn drop(&mut self) {
                self.0.set(false);
            }
        }
        let _connecting = Connecting(&slot.connecting);
        let url = self.database_url.clone();
        let made = actix_web::rt::time::timeout(CHECKOUT_TIMEOUT, async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            // As the blocking pool's connections (see `GenericPlans`).
            diesel::sql_query("SET plan_cache_mode = force_generic_plan")
                .execute(&mut conn)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok::<_, diesel::ConnectionError>(conn)
        })
        .await;
        match made {
            Ok(Ok(conn)) => *slot.conn.borrow_mut() = Some(conn),
            Ok(Err(e)) => log::debug!("no async database connection: {e}"),
            Err(_) => log::debug!("no async database connection in {CHECKOUT_TIMEOUT:?}"),
        }
    }
}

/// Whether every host of `database_url` is a Unix socket or a loopback
/// address, and the URL does not require TLS.
fn is_local_without_tls(database_url: &str) -> bool {
    use tokio_postgres::config::{Host, SslMode};
    let Ok(config) = database_url.parse::<tokio_postgres::Config>() else {
        return false;
    };
    let loopback = |name: &str| {
        name == "localhost"
            || name
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    };
    let hosts = config.get_hosts();
    !hosts.is_empty()
        && hosts.iter().all(|host| match host {
            Host::Tcp(name) => loopback(name),
            Host::Unix(_) => true,
        })
        && !matches!(config.get_ssl_mode(), SslMode::Require)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_database_on_this_machine_is_read_without_tls() {
        for local in [
            "postgresql://postgres@/par_tracker?host=/var/run/postgresql",
            "postgres://app@localhost/cchc",
            "postgres://app@127.0.0.1:5433/cchc",
            "postgres://app@[::1]/cchc",
            "postgres://app@localhost/cchc?sslmode=prefer",
        ] {
            assert_eq!(ReadPools::new(local, 2).per_worker, 2, "{local}");
        }
        for remote in [
            "postgres://app@db.sonoivu.gov.vn/cchc",
            "postgres://app@10.0.0.5/cchc",
            "postgres://app@localhost/cchc?sslmode=require",
            "postgres://app@localhost,db.sonoivu.gov.vn/cchc",
            "not a url",
        ] {
            assert_eq!(ReadPools::new(remote, 2).per_worker, 0, "{remote}");
        }
        assert_eq!(
            ReadPools::new("postgres://app@localhost/cchc", 0).per_worker,
            0
        );
    }
}
