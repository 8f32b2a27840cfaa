//! Wiring of the check function.

use lambda_runtime::{Error, run, service_fn};
use mimamori::app::wiring::{build, system_clock};
use mimamori::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    mimamori::logging::init();
    let app = build(&Env::from_process(), check_function::NEEDS, system_clock()).await?;
    run(service_fn(|event| check_function::handler(&app, event))).await
}
