//! Transient or permanent, backoff with jitter, and `Retry-After`: the retry policy in
//! one pure place, so the table can be read and tested.
//!
//! Polls (idempotent GETs) retry every transient failure until the deadline. The go-live
//! POST retries only where it provably did not take effect (connect failures, 429, 503):
//! a second go-live would collide with the first.

use std::time::{Duration, SystemTime};

use crate::error::Failure;

/// What went wrong with one request, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The connection was never established: nothing reached the server.
    ConnectFailed,
    /// Sent, but no complete answer (read error, request timeout).
    NoAnswer,
    /// An HTTP status.
    Status(u16),
    /// A 2xx poll whose body is not an operation we understand.
    BodyNotUnderstood,
    /// The server's TLS certificate is not trusted: nothing was sent, and trying again
    /// will not change the certificate.
    Untrusted,
    /// The host cannot be reached from here at all (its name is not known, the proxy
    /// refused the tunnel): nothing was sent. Tried a few times, then the run ends.
    Unreachable,
}

/// How many times in a row an unreachable host is tried (backing off from a second,
/// about a minute in all) before the run ends instead of burning its whole timeout.
pub const UNREACHABLE_TRIES: u32 = 6;

/// Counts unreachable tries in a row; after `UNREACHABLE_TRIES` the run ends (exit 1)
/// instead of retrying a host that cannot be reached until the timeout.
pub fn give_up_if_unreachable(
    attempt: Attempt,
    tries: &mut u32,
    doing: &str,
    detail: &str,
) -> Result<(), Failure> {
    if attempt != Attempt::Unreachable {
        *tries = 0;
        return Ok(());
    }
    *tries += 1;
    if *tries < UNREACHABLE_TRIES {
        return Ok(());
    }
    Err(Failure::Unexpected(format!(
        "{doing}: {detail}. Tried {tries} times; check the network from here, the proxy \
         (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and the host name"
    )))
}

/// Whether an attempt is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Transient,
    Permanent,
}

/// The one table: transient failures for an idempotent request.
pub fn classify(attempt: Attempt) -> Class {
    match attempt {
        Attempt::ConnectFailed
        | Attempt::Unreachable
        | Attempt::NoAnswer
        | Attempt::BodyNotUnderstood
        | Attempt::Status(408 | 429 | 500 | 502 | 503 | 504) => Class::Transient,
        Attempt::Status(_) | Attempt::Untrusted => Class::Permanent,
    }
}

/// For the go-live POST: only what provably did not start an operation.
pub fn post_may_retry(attempt: Attempt) -> bool {
    matches!(
        attempt,
        Attempt::ConnectFailed | Attempt::Unreachable | Attempt::Status(429 | 503)
    )
}

/// `Retry-After` as seconds or an HTTP date (relative to `now`); a date in the past is 0.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The longest pause after a throttled answer that named no `Retry-After` (unless the
/// poll interval itself is longer).
const THROTTLE_CAP: Duration = Duration::from_secs(600);

/// Whether an answer says "too many requests" (429, or 503 as Azure services use it).
pub fn is_throttle(attempt: Attempt) -> bool {
    matches!(attempt, Attempt::Status(429 | 503))
}

/// Exponential backoff with jitter: attempt n waits base·2ⁿ, capped, times a random
/// factor in [0.5, 1.0] so that many clients do not retry in step.
///
/// A throttled answer without `Retry-After` is paced from the poll interval instead, so
/// that a service that asked to be left alone is not asked again sooner than it would be
/// polled anyway: throttle n waits between interval·2ⁿ and interval·2ⁿ⁺¹, capped.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
    /// The poll interval, where throttles are paced from (`None`: like any failure).
    interval: Option<Duration>,
    throttles: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base,
            cap: cap.max(base),
            attempt: 0,
            interval: None,
            throttles: 0,
        }
    }

    /// The policy for a run: start at one second (or the poll interval when shorter),
    /// grow to a minute (or the poll interval when longer).
    pub fn for_interval(poll_interval: Duration) -> Self {
        Backoff {
            interval: Some(poll_interval),
            ..Backoff::new(
                poll_interval.min(Duration::from_secs(1)),
                poll_interval.max(Duration::from_secs(60)),
            )
        }
    }

    /// The next delay; `unit` is a random number in [0, 1) (injected for tests).
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.attempt.min(20));
        self.attempt = self.attempt.saturating_add(1);
        exp.min(self.cap).mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }

    /// The next delay after a throttle without `Retry-After`; `unit` as in `next_delay`.
    pub fn next_throttle(&mut self, unit: f64) -> Duration {
        let Some(interval) = self.interval else {
            return self.next_delay(unit);
        };
        let exp = interval.saturating_mul(1u32 << (self.throttles.min(20) + 1));
        self.throttles = self.throttles.saturating_add(1);
        exp.min(THROTTLE_CAP.max(interval.saturating_mul(2)))
            .mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }

    /// The next delay with random jitter, and a `Retry-After` as its floor.
    pub fn pause(&mut self, retry_after: Option<Duration>) -> Duration {
        floored(self.next_delay(random_unit()), retry_after)
    }

    /// The pause after this failed attempt: a `Retry-After` is a floor; a throttle without
    /// one is paced from the poll interval (`next_throttle`).
    pub fn pause_after(&mut self, attempt: Attempt, retry_after: Option<Duration>) -> Duration {
        if retry_after.is_none() && is_throttle(attempt) {
            self.next_throttle(random_unit())
        } else {
            self.pause(retry_after)
        }
    }
}

/// A delay with the service's `Retry-After`, when it sent one, as a floor.
pub fn floored(delay: Duration, retry_after: Option<Duration>) -> Duration {
    retry_after.map_or(delay, |floor| floor.max(delay))
}

/// A random number in [0, 1) from the OS; 0.5 if the OS has none to give.
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_and_permanent_table() {
        let transient = [408, 429, 500, 502, 503, 504];
        for code in 100..600 {
            let expected = if transient.contains(&code) {
                Class::Transient
            } else {
                Class::Permanent
            };
            assert_eq!(classify(Attempt::Status(code)), expected, "{code}");
        }
        for attempt in [
            Attempt::ConnectFailed,
            Attempt::NoAnswer,
            Attempt::BodyNotUnderstood,
        ] {
            assert_eq!(classify(attempt), Class::Transient, "{attempt:?}");
        }
        assert_eq!(classify(Attempt::Untrusted), Class::Permanent);
    }

    #[test]
    fn the_post_retries_only_what_did_not_take_effect() {
        assert!(post_may_retry(Attempt::ConnectFailed));
        assert!(post_may_retry(Attempt::Status(429)));
        assert!(post_may_retry(Attempt::Status(503)));
        for attempt in [
            Attempt::NoAnswer,
            Attempt::Untrusted,
            Attempt::Status(500),
            Attempt::Status(502),
            Attempt::Status(504),
            Attempt::Status(408),
            Attempt::Status(400),
        ] {
            assert!(!post_may_retry(attempt), "{attempt:?}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        let full: Vec<u128> = (0..6)
            .map(|_| backoff.next_delay(0.999_999).as_millis())
            .collect();
        assert_eq!(
            full.iter().map(|ms| (ms + 1) / 1000).collect::<Vec<_>>(),
            [1, 2, 4, 8, 10, 10]
        );
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        assert_eq!(backoff.next_delay(0.0), Duration::from_millis(500));
    }

    #[test]
    fn a_throttle_without_retry_after_is_paced_from_the_poll_interval() {
        let minute = Duration::from_secs(60);
        let mut backoff = Backoff::for_interval(minute);
        // Throttle n waits between interval·2ⁿ and interval·2ⁿ⁺¹, capped at 10 minutes.
        let low: Vec<u64> = (0..5)
            .map(|_| backoff.next_throttle(0.0).as_secs())
            .collect();
        assert_eq!(low, [60, 120, 240, 300, 300]);
        let mut backoff = Backoff::for_interval(minute);
        assert_eq!(backoff.next_throttle(0.999_999).as_secs(), 119);
        // Only a 429 or 503 without Retry-After is paced so; anything else backs off
        // from a second, and Retry-After stays the floor.
        let mut backoff = Backoff::for_interval(minute);
        assert!(backoff.pause_after(Attempt::Status(429), None) >= minute);
        assert!(backoff.pause_after(Attempt::Status(503), None) >= minute * 2);
        assert!(backoff.pause_after(Attempt::Status(500), None) <= Duration::from_secs(1));
        assert_eq!(
            backoff.pause_after(Attempt::Status(429), Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert!(is_throttle(Attempt::Status(429)) && !is_throttle(Attempt::NoAnswer));
    }

    #[test]
    fn retry_after_is_a_floor_never_a_ceiling() {
        let second = Duration::from_secs(1);
        assert_eq!(floored(second, None), second);
        assert_eq!(
            floored(second, Some(Duration::from_secs(5))),
            Duration::from_secs(5)
        );
        assert_eq!(floored(second, Some(Duration::ZERO)), second);
        let mut backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(2));
        assert!(backoff.pause(Some(Duration::from_secs(9))) == Duration::from_secs(9));
        assert!(backoff.pause(None) >= second);
    }

    #[test]
    fn the_run_policy_scales_with_the_poll_interval() {
        let mut fast = Backoff::for_interval(Duration::from_millis(50));
        assert_eq!(fast.next_delay(0.0), Duration::from_millis(25));
        let mut slow = Backoff::for_interval(Duration::from_secs(3600));
        assert_eq!(slow.next_delay(0.0), Duration::from_millis(500));
        assert!(random_unit() < 1.0);
    }
}
