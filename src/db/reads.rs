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
    /// another request is making this one); ask the blocking path. A connection whose statement
    /// failed at the connection level (a server that restarted closes it) is
    /// dropped, and made again by the slot's next request.
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
