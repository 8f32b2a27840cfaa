//! `staff-code`: a new one-time code that registers (or moves) the operator's staff room,
//! valid 24 hours. While a staff room is registered, 「スタッフ登録 <code>」 from another
//! chat is refused unless the code is one this tool or the staff room itself
//! (「スタッフルーム移動」) issued; the registered room is told of every attempt.
//!
//! ```text
//! TABLE_NAME=mimamori OPERATOR_ID=demo-npo cargo run -p mimamori-local --bin staff-code
//! cargo run -p mimamori-local --bin staff-code -- --table mimamori --operator demo-npo
//! ```
//!
//! Only the code's SHA-256 is stored. AWS credentials and region come from the usual
//! places (`AWS_PROFILE`, …); set `AWS_ENDPOINT_URL` to use the local stack's moto server.

use mimamori::adapters::dynamodb::DynamoStore;
use mimamori::ids::OperatorId;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut table = std::env::var("TABLE_NAME").ok();
    let mut operator = std::env::var("OPERATOR_ID").ok();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--table" => table = Some(value),
            "--operator" => operator = Some(value),
            _ => return Err(format!("unknown argument {flag}; see the README").into()),
        }
    }
    let table = table.ok_or("set TABLE_NAME or pass --table")?;
    let operator = OperatorId::new(operator.ok_or("set OPERATOR_ID or pass --operator")?)?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let (code, until) =
        mimamori::app::staff_room::issue_operator_code(&store, &operator, jiff::Timestamp::now()).await?;
    println!("スタッフ登録 {}", code.as_str());
    println!("Send that line in the LINE group that should be the staff room, once, before {until}.");
    Ok(())
}
