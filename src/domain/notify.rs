//! What the outbox publishes and how: the event types of the contract, who a
//! subscription hears, the Standard Webhooks signature, the retry schedule,
//! the addresses a webhook may not reach, and which reminder a task is due.

use std::net::IpAddr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Every event type the outbox publishes (the webhook contract).
pub const EVENT_TYPES: &[&str] = &[
    "task.created",
    "task.updated",
    "task.cancelled",
    "task.due_soon",
    "task.overdue",
    "report.created",
    "claim.submitted",
    "claim.accepted",
    "claim.returned",
    "extension.requested",
    "extension.approved",
    "extension.rejected",
    "period.created",
    "period.closed",
    "agency_report.submitted",
    "agency_report.accepted",
    "agency_report.returned",
    "inspection.created",
    "inspection.updated",
    "inspection.conducted",
    "inspection.concluded",
    "inspection.cancelled",
    "finding.recorded",
    "finding.remedy_reported",
    "finding.verified",
    "finding.returned",
];

/// Whether a subscription to `events` (`["*"]`: all) hears `event_type`.
pub fn subscribes(events: &[String], event_type: &str) -> bool {
    events.iter().any(|e| e == "*" || e == event_type)
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the secret's
/// bytes (the base64 after `whsec_`), as the Standard Webhooks specification says.
pub fn sign(key: &[u8], message_id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The key bytes of a `whsec_…` secret.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix("whsec_")?).ok()
}

/// A new secret: 24 random bytes.
pub fn new_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// Seconds to wait after the `attempts`-th failure: 30 s, doubling, at most an hour.
pub fn retry_after_seconds(attempts: i32) -> i64 {
    let doubled = 30_i64.saturating_mul(1_i64 << attempts.clamp(1, 12).saturating_sub(1));
    doubled.min(3_600)
}

/// Deliveries are retried for a day; a subscription failing that long is paused.
pub const GIVE_UP_AFTER_HOURS: i64 = 24;

/// Whether a webhook may not be sent to `ip`: loopback, private, link-local
/// (cloud metadata at 169.254.169.254 among them), carrier-grade NAT,
/// unspecified, broadcast, multicast, and the IPv6 equivalents.
pub fn forbidden_target(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (a == 100 && (64..=127).contains(&b))
                || a == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_target(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// The due-soon reminder a task has on a day `days_left` before its due date:
/// the nearest of `thresholds` it has reached (a node down for days sends the
/// nearest one, not every one it missed).
pub fn due_soon_threshold(days_left: i64, thresholds: &[u32]) -> Option<u32> {
    if days_left < 0 {
        return None;
    }
    thresholds
        .iter()
        .copied()
        .filter(|t| days_left <= i64::from(*t))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_standard_webhooks() {
        // The Standard Webhooks specification's own example.
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_none());
        let fresh = new_secret();
        assert_eq!(secret_key(&fresh).map(|k| k.len()), Some(24));
        assert_ne!(fresh, new_secret());
    }

    #[test]
    fn retries_double_from_half_a_minute_to_an_hour() {
        assert_eq!(retry_after_seconds(1), 30);
        assert_eq!(retry_after_seconds(2), 60);
        assert_eq!(retry_after_seconds(3), 120);
        assert_eq!(retry_after_seconds(8), 3_600);
        assert_eq!(retry_after_seconds(40), 3_600);
    }

    #[test]
    fn private_and_metadata_addresses_are_refused() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "224.0.0.1",
        ] {
            assert!(forbidden_target(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "203.113.131.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "2001:4860::8888",
        ] {
            assert!(!forbidden_target(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn a_task_is_reminded_at_the_nearest_threshold_reached() {
        let days = [7, 3, 1];
        assert_eq!(due_soon_threshold(8, &days), None);
        assert_eq!(due_soon_threshold(7, &days), Some(7));
        assert_eq!(due_soon_threshold(4, &days), Some(7));
        assert_eq!(due_soon_threshold(3, &days), Some(3));
        assert_eq!(due_soon_threshold(1, &days), Some(1));
        assert_eq!(due_soon_threshold(0, &days), Some(1), "due today");
        assert_eq!(due_soon_threshold(-1, &days), None, "overdue instead");
    }

    #[test]
    fn a_subscription_hears_its_types_or_all() {
        let some = vec!["claim.submitted".to_string()];
        assert!(subscribes(&some, "claim.submitted"));
        assert!(!subscribes(&some, "claim.accepted"));
        assert!(subscribes(&["*".to_string()], "task.overdue"));
    }
}
