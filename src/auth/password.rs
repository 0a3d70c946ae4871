//! Argon2id password hashing (PHC strings, default parameters, random salt).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Runs password checks on a few threads of their own, at a lower CPU
/// priority than request handling: each check takes a core for tens of
/// milliseconds and 19 MiB, so unbounded they would starve every other
/// request and grow memory with the number of callers. A login beyond the
/// threads' capacity is refused at once (and told when to retry) rather than
/// queued. Each thread keeps its Argon2 memory for the next check.
pub struct PasswordChecks {
    running: AtomicUsize,
    limit: usize,
    jobs: Mutex<mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce(&mut Hasher) + Send>;

impl std::fmt::Debug for PasswordChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChecks")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// A place among the running password checks; released on drop.
#[derive(Debug)]
pub struct CheckSlot(Arc<PasswordChecks>);

/// What a check runs with: its thread's reusable Argon2 memory.
#[derive(Default)]
pub struct Hasher {
    memory: Vec<Block>,
}

impl PasswordChecks {
    pub fn new(limit: usize) -> PasswordChecks {
        let limit = limit.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..limit {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || {
                    // Below request handling: a login waits a little longer,
                    // everything else does not wait on it. (Linux: per thread.)
                    // SAFETY: setpriority on the calling thread, no pointers.
                    unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
                    let mut hasher = Hasher::default();
                    loop {
                        let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        match job {
                            Ok(job) => job(&mut hasher),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                log::error!("cannot start a password-check thread: {e}");
            }
        }
        PasswordChecks {
            running: AtomicUsize::new(0),
            limit,
            jobs: Mutex::new(jobs),
        }
    }

    /// A slot if fewer than `limit` checks run now.
    pub fn try_start(self: &Arc<Self>) -> Option<CheckSlot> {
        self.running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .ok()?;
        Some(CheckSlot(self.clone()))
    }
}

impl CheckSlot {
    /// Runs `check` on a password-check thread; the slot is freed when it
    /// ends. `None` if the threads are gone (they never stop on their own).
    pub async fn run<T: Send + 'static>(
        self,
        check: impl FnOnce(&mut Hasher) -> T + Send + 'static,
    ) -> Option<T> {
        let (answer, result) = tokio::sync::oneshot::channel();
        let queue = self
            .0
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let slot = self;
        let job: Job = Box::new(move |hasher| {
            let _slot = slot;
            let _ = answer.send(check(hasher));
        });
        queue.send(job).ok()?;
        result.await.ok()
    }
}

impl Hasher {
    /// Whether `password` matches the PHC string `phc`.
    pub fn verify(&mut self, password: &str, phc: &str) -> bool {
        verify_in(&mut self.memory, password, phc)
    }

    /// Costs what a verification costs, for a login whose account does not
    /// exist: timing does not reveal who has an account.
    pub fn burn_verification_time(&mut self, password: &str) {
        let _ = verify_in(&mut self.memory, password, dummy_hash());
    }
}

impl Drop for CheckSlot {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Verifies as `PasswordVerifier` does, with the caller's memory blocks.
fn verify_in(memory: &mut Vec<Block>, password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    memory.resize(params.block_count(), Block::default());
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory[..],
    );
    // `Output`'s equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_salted() {
        let a = hash_password("khanhhoa-2023").unwrap();
        let b = hash_password("khanhhoa-2023").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_password("khanhhoa-2023", &a));
        assert!(!verify_password("khanhhoa-2024", &a));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn password_checks_are_bounded_and_slots_come_back() {
        let checks = Arc::new(PasswordChecks::new(2));
        let a = checks.try_start().expect("first");
        let b = checks.try_start().expect("second");
        assert!(
            checks.try_start().is_none(),
            "a third runs only when one ends"
        );
        drop(a);
        let c = checks.try_start().expect("a slot came back");
        drop((b, c));
        assert!(checks.try_start().is_some());
        assert!(
            Arc::new(PasswordChecks::new(0)).try_start().is_some(),
            "at least one"
        );
    }

    #[test]
    fn checks_run_on_their_threads_verify_like_the_library_and_reuse_memory() {
        let phc = hash_password("khanhhoa-2023").unwrap();
        let checks = Arc::new(PasswordChecks::new(1));
        type Check = Box<dyn FnOnce(&mut Hasher) -> (bool, usize) + Send>;
        let run = |check: Check| {
            let slot = checks.try_start().unwrap();
            futures_executor(slot.run(check)).unwrap()
        };
        let p = phc.clone();
        let (right, blocks) = run(Box::new(move |h| {
            (h.verify("khanhhoa-2023", &p), h.memory.len())
        }));
        assert!(right);
        assert!(blocks >= 19 * 1024, "the default parameters use 19 MiB");
        let p = phc.clone();
        let (wrong, again) = run(Box::new(move |h| {
            (h.verify("khanhhoa-2024", &p), h.memory.len())
        }));
        assert!(!wrong);
        assert_eq!(again, blocks, "the memory was kept, not allocated again");
        let (garbage, _) = run(Box::new(|h| (h.verify("x", "not a phc string"), 0)));
        assert!(!garbage);
        assert!(checks.try_start().is_some(), "every slot came back");
    }

    /// Drives a future to completion on this thread (no runtime needed here).
    fn futures_executor<F: std::future::Future>(future: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(v) = future.as_mut().poll(&mut cx) {
                return v;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// The least of three timings of `f`, so that a busy machine inflates
    /// neither side of the comparison much.
    fn fastest_of_three(mut f: impl FnMut()) -> std::time::Duration {
        (0..3)
            .map(|_| {
                let started = std::time::Instant::now();
                f();
                started.elapsed()
            })
            .min()
            .unwrap()
    }

    #[test]
    fn unknown_user_costs_a_password_check() {
        let real = hash_password("khanhhoa-2023").unwrap();
        let mut hasher = Hasher::default();
        hasher.burn_verification_time("warm up the fixed hash");
        let wrong_password = fastest_of_three(|| assert!(!hasher.verify("guess-1234", &real)));
        let unknown_user = fastest_of_three(|| hasher.burn_verification_time("guess-1234"));
        // An Argon2 verification takes tens of milliseconds and skipping it
        // microseconds; the bounds are generous so that load cannot flake them.
        assert!(
            unknown_user * 4 >= wrong_password && unknown_user <= wrong_password * 4,
            "unknown user {unknown_user:?}, wrong password {wrong_password:?}"
        );
    }
}
