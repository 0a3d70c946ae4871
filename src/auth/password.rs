//! Argon2id password hashing (PHC strings, default parameters, random salt).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

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

/// Verifies against a fixed hash so that an unknown username costs as much
/// time as a wrong password: login timing does not reveal who has an account.
pub fn burn_verification_time(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default());
    let _ = verify_password(password, phc);
}

/// Bounds the password checks running at once: each takes a core for tens of
/// milliseconds and 19 MiB, so unbounded they starve every other request and
/// grow memory with the number of callers. A login beyond the bound is
/// refused at once (and told when to retry) rather than queued.
#[derive(Debug)]
pub struct PasswordChecks {
    running: AtomicUsize,
    limit: usize,
}

/// A place among the running password checks, released on drop.
#[derive(Debug)]
pub struct CheckSlot(Arc<PasswordChecks>);

impl PasswordChecks {
    pub fn new(limit: usize) -> PasswordChecks {
        PasswordChecks {
            running: AtomicUsize::new(0),
            limit: limit.max(1),
        }
    }

    /// A slot if fewer than `limit` checks run now.
    pub fn try_start(self: &Arc<Self>) -> Option<CheckSlot> {
        self.running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .ok()
            .map(|_| CheckSlot(self.clone()))
    }
}

impl Drop for CheckSlot {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
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
}
