//! Wiring of the escalation function.

use lambda_runtime::{Error, run, service_fn};
use mimamori::app::wiring::{build, system_clock};
use mimamori::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    mimamori::logging::init();
    let app = build(&Env::from_process(), escalation_function::NEEDS, system_clock()).await?;
    run(service_fn(|event| escalation_function::handler(&app, event))).await
}
