//! The yardstick for cold starts: a `lambda_runtime` function that answers its event
//! with itself, built with the workspace's release profile. The benchmark starts it
//! beside the four functions, so what they add at init (clients, secrets) is measured
//! against what any Rust Lambda costs on the same machine in the same run.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
