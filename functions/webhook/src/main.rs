//! Wiring of the webhook function: clients and secrets once per cold start.

use lambda_http::{Error, run, service_fn};
use mimamori::app::wiring::{build, system_clock};
use mimamori::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    mimamori::logging::init();
    let app = build(&Env::from_process(), webhook_function::NEEDS, system_clock()).await?;
    run(service_fn(|request| webhook_function::handler(&app, request))).await
}
