//! Argon2id password hashing (PHC strings, default parameters, random salt).

use std::sync::OnceLock;

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
        burn_verification_time("warm up the fixed hash");
        let wrong_password = fastest_of_three(|| assert!(!verify_password("guess-1234", &real)));
        let unknown_user = fastest_of_three(|| burn_verification_time("guess-1234"));
        // An Argon2 verification takes tens of milliseconds and skipping it
        // microseconds; the bounds are generous so that load cannot flake them.
        assert!(
            unknown_user * 4 >= wrong_password && unknown_user <= wrong_password * 4,
            "unknown user {unknown_user:?}, wrong password {wrong_password:?}"
        );
    }
}
