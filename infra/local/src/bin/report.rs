//! `report`: the monthly report for the operator, read from the DynamoDB table (the
//! same anonymous facts the staff room's 「月次レポート」 uses). Prints every month and the
//! figures since the start, and writes them as CSV (`period,figure,value`).
//!
//! ```text
//! TABLE_NAME=mimamori OPERATOR_ID=demo-npo cargo run -p mimamori-local --bin report -- --csv report.csv
//! cargo run -p mimamori-local --bin report -- --table mimamori --operator demo-npo --month 2026-11
//! ```
//!
//! Months are the operator's (`--zone`, default `Asia/Tokyo`). A month settled a week
//! after it ended is read from its roll-up, kept the first time it is read so.
//!
//! `--rekey` (once, when upgrading from a version before 2026-12-04): gives a random
//! report token to each member who joined before tokens existed, and blinds and cuts to
//! the day every fact and roll-up such versions wrote, so none can be recomputed from a
//! LINE id or lined up with a log line. It reads every member and every fact; running it
//! again changes nothing.
//!
//! AWS credentials and region come from the usual places (`AWS_PROFILE`, …); set
//! `AWS_ENDPOINT_URL` to read the local stack's moto server instead.

use mimamori::adapters::dynamodb::DynamoStore;
use mimamori::ids::OperatorId;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut table = std::env::var("TABLE_NAME").ok();
    let mut operator = std::env::var("OPERATOR_ID").ok();
    let mut month = None;
    let mut csv = None;
    let mut zone = "Asia/Tokyo".to_owned();
    let mut rekey = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--rekey" {
            rekey = true;
            continue;
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--table" => table = Some(value),
            "--operator" => operator = Some(value),
            "--month" => month = Some(value),
            "--csv" => csv = Some(value),
            "--zone" => zone = value,
            _ => return Err(format!("unknown argument {flag}; see the README").into()),
        }
    }
    let table = table.ok_or("set TABLE_NAME or pass --table")?;
    let operator = OperatorId::new(operator.ok_or("set OPERATOR_ID or pass --operator")?)?;
    if let Some(m) = &month
        && !mimamori::report::is_month(m)
    {
        return Err(format!("--month must look like 2026-11, got {m}").into());
    }
    let zone = jiff::tz::TimeZone::get(&zone).map_err(|e| format!("--zone {zone}: {e}"))?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    if rekey {
        let salt = uuid::Uuid::new_v4().simple().to_string();
        let token = || uuid::Uuid::new_v4().simple().to_string();
        let now = jiff::Timestamp::now();
        let done = mimamori::app::report::rekey(&store, &store, &operator, &salt, token, now, &zone).await?;
        println!(
            "re-keyed: {} members given a report token, {} facts and {} roll-ups blinded",
            done.members, done.facts, done.roll_ups
        );
        return Ok(());
    }
    let periods =
        mimamori_local::report::periods(&store, &operator, month.as_deref(), jiff::Timestamp::now(), &zone).await?;
    print!("{}", mimamori_local::report::table(&periods));
    if let Some(path) = csv {
        std::fs::write(&path, mimamori::report::to_csv(&periods))?;
        println!("CSV written to {path}");
    }
    Ok(())
}
