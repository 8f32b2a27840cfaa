//! Wiring of the webhook function: clients and secrets once per cold start.

use lambda_http::{Error, run, service_fn};
use mimamori::app::wiring::{Needs, build, system_clock};
use mimamori::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    mimamori::logging::init();
    let needs = Needs {
        scheduler: true,
        queue: true,
        channel_secret: true,
        staff_room_code: true,
    };
    let app = build(&Env::from_process(), needs, system_clock()).await?;
    run(service_fn(|request| webhook_function::handler(&app, request))).await
}
