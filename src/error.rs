//! The failure classes a caller acts on, and the one place that maps them to exit codes.
//!
//! Everything golive can fail with ends up here: a `Failure` carries the class (which
//! decides the exit code and the annotation title) and a message a person can act on.
//! Errors that are not classified (`anyhow` from deep inside) are exit 1.

use std::fmt;

/// Why a run stopped early. The message is shown once, as is; it never holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Invalid or missing input or configuration; nothing was sent. Exit 2.
    #[error("{0}")]
    Input(String),
    /// The API rejected the request (400, 409, any other 4xx). Exit 3.
    #[error("{0}")]
    Rejected(String),
    /// 404: no such publisher, offer or operation. Exit 4.
    #[error("{0}")]
    NotFound(String),
    /// 401/403 or a token that cannot be had. Exit 5.
    #[error("{0}")]
    Auth(String),
    /// The operation ended as failed or canceled. Exit 6.
    #[error("{0}")]
    OperationFailed(String),
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

impl Failure {
    /// The process exit code for this class (see the exit-code table in the spec).
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Unexpected(_) => 1,
            Failure::Input(_) => 2,
            Failure::Rejected(_) => 3,
            Failure::NotFound(_) => 4,
            Failure::Auth(_) => 5,
            Failure::OperationFailed(_) => 6,
            Failure::TimedOut(_) => 7,
            Failure::Interrupted(Signal::Int) => 130,
            Failure::Interrupted(Signal::Term) => 143,
        }
    }

    /// A short title for an annotation (`::error title=…::`).
    pub fn title(&self) -> &'static str {
        match self {
            Failure::Unexpected(_) => "golive failed",
            Failure::Input(_) => "golive: invalid input",
            Failure::Rejected(_) => "golive: rejected by the API",
            Failure::NotFound(_) => "golive: not found",
            Failure::Auth(_) => "golive: authentication failed",
            Failure::OperationFailed(_) => "golive: operation did not succeed",
            Failure::TimedOut(_) => "golive: timed out",
            Failure::Interrupted(_) => "golive: interrupted",
        }
    }
}

/// Maps any error of a run to its exit code: a `Failure` anywhere in the chain decides,
/// anything else is 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<Failure>())
        .map_or(1, Failure::exit_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_the_exit_code_of_the_spec() {
        let table = [
            (Failure::Unexpected(String::new()), 1),
            (Failure::Input(String::new()), 2),
            (Failure::Rejected(String::new()), 3),
            (Failure::NotFound(String::new()), 4),
            (Failure::Auth(String::new()), 5),
            (Failure::OperationFailed(String::new()), 6),
            (Failure::TimedOut(String::new()), 7),
            (Failure::Interrupted(Signal::Int), 130),
            (Failure::Interrupted(Signal::Term), 143),
        ];
        for (failure, code) in table {
            assert_eq!(failure.exit_code(), code, "{failure:?}");
        }
    }

    #[test]
    fn a_failure_wrapped_in_context_keeps_its_code_and_others_are_one() {
        let wrapped = anyhow::Error::new(Failure::NotFound("x".into())).context("while posting");
        assert_eq!(exit_code(&wrapped), 4);
        assert_eq!(exit_code(&anyhow::anyhow!("boom")), 1);
    }
}
