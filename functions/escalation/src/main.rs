//! Wiring of the escalation function.

use lambda_runtime::{Error, run, service_fn};
use mimamori::app::wiring::{Needs, build, system_clock};
use mimamori::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    mimamori::logging::init();
    // The scheduler: untaken cases are followed up by one-time schedules. The queue: a
    // failed record is made visible again sooner than the visibility timeout.
    let needs = Needs {
        scheduler: true,
        queue: true,
        ..Needs::default()
    };
    let app = build(&Env::from_process(), needs, system_clock()).await?;
    run(service_fn(|event| escalation_function::handler(&app, event))).await
}
