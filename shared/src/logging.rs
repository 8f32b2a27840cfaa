//! Compact JSON log lines carrying pseudonyms and outcomes only: never a LINE id, a name,
//! a phone number, a message text or a secret (see [`crate::pseudonym`]).

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// The service's own crates (the library, and each function as library and binary):
/// only their level follows `RUST_LOG`.
const OWN: [&str; 9] = [
    "mimamori",
    "webhook",
    "webhook_function",
    "check",
    "check_function",
    "deadline",
    "deadline_function",
    "escalation",
    "escalation_function",
];

/// The level of every other crate (the AWS SDK, hyper, rustls, reqwest, the Lambda
/// runtime), whatever `RUST_LOG` says: their debug and trace lines print requests,
/// schedule names and keys, which carry LINE ids.
pub const OTHERS: LevelFilter = LevelFilter::WARN;

/// What is logged: the service's lines at `rust_log`'s level (a level name: `error`,
/// `warn`, `info`, `debug`, `trace`, `off`; anything else means `info`), every other
/// crate's at [`OTHERS`] at most.
pub fn filter(rust_log: Option<&str>) -> Targets {
    let level = rust_log
        .and_then(|v| v.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    Targets::new()
        .with_default(level.min(OTHERS))
        .with_targets(OWN.map(|crate_name| (crate_name, level)))
}

/// The service's log lines, as every function writes them, to `writer`.
pub fn subscriber<W>(filter: Targets, writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let lines = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .with_writer(writer);
    tracing_subscriber::registry().with(filter).with(lines)
}

/// Sets up logging once per cold start, to standard output; `RUST_LOG` sets the level
/// of the service's own lines.
pub fn init() {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref());
    // Ignored when already set, so tests and local runners that call it twice do not fail.
    let _ = tracing::subscriber::set_global_default(subscriber(filter, std::io::stdout));
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    fn allows(filter: &Targets, target: &str, level: Level) -> bool {
        filter.would_enable(target, &level)
    }

    #[test]
    fn rust_log_sets_the_service_level_but_never_raises_other_crates() {
        let debug = filter(Some("debug"));
        assert!(allows(&debug, "mimamori::app::deliver", Level::DEBUG));
        assert!(allows(&debug, "check_function", Level::DEBUG));
        assert!(!allows(&debug, "aws_smithy_runtime::client", Level::INFO));
        assert!(!allows(&debug, "hyper_util::client", Level::DEBUG));
        assert!(allows(&debug, "aws_smithy_runtime::client", Level::WARN));

        // A directive naming another crate is not a level: the default, info.
        let sneaky = filter(Some("aws_smithy_runtime=trace,hyper=trace"));
        assert!(allows(&sneaky, "mimamori", Level::INFO));
        assert!(!allows(&sneaky, "mimamori", Level::DEBUG));
        assert!(!allows(&sneaky, "aws_smithy_runtime", Level::TRACE));

        let quiet = filter(Some("error"));
        assert!(!allows(&quiet, "mimamori", Level::WARN));
        assert!(!allows(&quiet, "reqwest", Level::WARN));
        assert!(allows(&filter(None), "webhook_function", Level::INFO));
    }
}
