//! Logging through `tracing`, with Redis's log levels. glommio logs through
//! the `log` crate; the subscriber's log bridge makes those warnings show
//! (e.g. io_memory that could not be locked).

/// Installs the global subscriber once; later calls do nothing.
pub fn init(loglevel: &str) {
    let level = match loglevel {
        "debug" => "debug",
        "verbose" => "info",
        "warning" => "warn",
        _ => "info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RINGKV_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
