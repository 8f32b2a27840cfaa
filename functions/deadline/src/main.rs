//! Wiring of the deadline function.

use lambda_runtime::{Error, run, service_fn};
use mimamori::app::wiring::{build, system_clock};
use mimamori::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    mimamori::logging::init();
    let app = build(&Env::from_process(), deadline_function::NEEDS, system_clock()).await?;
    run(service_fn(|event| deadline_function::handler(&app, event))).await
}
