//! The failure classes a caller acts on, and the one place that maps them to exit codes.
//!
//! Everything golive can fail with ends up here: a `Failure` carries the class and what
//! decides it (an HTTP status, whether an operation was canceled, the signal), and a
//! message a person can act on. `exit_code` and `title` are the only maps from a failure
//! to what a CI sees.

use std::fmt;

/// Why a run stopped early. The message is shown once, as is; it never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Invalid or missing input or configuration; nothing was sent. Exit 2.
    #[error("{0}")]
    Input(String),
    /// A final HTTP answer from the API: its status decides the class (see `exit_code`).
    #[error("{message}")]
    Http { status: u16, message: String },
    /// The API's answers say no (a publish in flight, nothing in preview). Exit 3.
    #[error("{0}")]
    Rejected(String),
    /// No such offer, product or operation. Exit 4.
    #[error("{0}")]
    NotFound(String),
    /// A token that cannot be had. Exit 5.
    #[error("{0}")]
    Auth(String),
    /// The operation ended as failed (or, with `canceled`, as canceled). Exit 6.
    #[error("{message}")]
    OperationFailed { canceled: bool, message: String },
    /// The run's deadline passed. Exit 7.
    #[error("{0}")]
    TimedOut(String),
    /// Anything else: unexpected responses, retries exhausted. Exit 1.
    #[error("{0}")]
    Unexpected(String),
    /// SIGINT or SIGTERM arrived. Exit 130 or 143.
    #[error("interrupted by {0}; the operation, if any, keeps running")]
    Interrupted(Signal),
}

/// The signals a run stops on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        })
    }
}

/// The class of a final HTTP status: 401/403 authentication, 404 not found, any other
/// 4xx a rejection, anything else unexpected.
fn http_class(status: u16) -> u8 {
    match status {
        401 | 403 => 5,
        404 => 4,
        400..=499 => 3,
        _ => 1,
    }
}

impl Failure {
    /// The process exit code for this failure (the README's exit-code table).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Unexpected(_) => 1,
            Failure::Input(_) => 2,
            Failure::Http { status, .. } => http_class(*status),
            Failure::Rejected(_) => 3,
            Failure::NotFound(_) => 4,
            Failure::Auth(_) => 5,
            Failure::OperationFailed { .. } => 6,
            Failure::TimedOut(_) => 7,
            Failure::Interrupted(Signal::Int) => 130,
            Failure::Interrupted(Signal::Term) => 143,
        }
    }

    /// A short title for an annotation (`::error title=…::`), by exit code.
    pub fn title(&self) -> &'static str {
        match self.exit_code() {
            2 => "golive: invalid input",
            3 => "golive: rejected by the API",
            4 => "golive: not found",
            5 => "golive: authentication failed",
            6 => "golive: operation did not succeed",
            7 => "golive: timed out",
            130 | 143 => "golive: interrupted",
            _ => "golive failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_the_exit_code_of_the_spec() {
        let http = |status| Failure::Http {
            status,
            message: String::new(),
        };
        let table = [
            (Failure::Unexpected(String::new()), 1),
            (Failure::Input(String::new()), 2),
            (Failure::Rejected(String::new()), 3),
            (http(400), 3),
            (http(409), 3),
            (http(422), 3),
            (Failure::NotFound(String::new()), 4),
            (http(404), 4),
            (Failure::Auth(String::new()), 5),
            (http(401), 5),
            (http(403), 5),
            (http(500), 1),
            (http(302), 1),
            (
                Failure::OperationFailed {
                    canceled: true,
                    message: String::new(),
                },
                6,
            ),
            (Failure::TimedOut(String::new()), 7),
            (Failure::Interrupted(Signal::Int), 130),
            (Failure::Interrupted(Signal::Term), 143),
        ];
        for (failure, code) in table {
            assert_eq!(failure.exit_code(), code, "{failure:?}");
        }
        assert_eq!(http(403).title(), "golive: authentication failed");
    }
}
