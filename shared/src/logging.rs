//! Compact JSON log lines carrying ids and outcomes only: never names, texts or secrets.

/// Sets up JSON logging once per cold start; `RUST_LOG` overrides the level.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // `try_init` so tests and local runners that call it twice do not fail.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .try_init();
}
