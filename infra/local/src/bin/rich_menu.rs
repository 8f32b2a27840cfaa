//! `rich-menu`: installs the members' rich menu (「元気です」 and 「設定」) as the default of
//! a LINE channel. The token comes from `LINE_CHANNEL_ACCESS_TOKEN`, or is read from SSM
//! with `--token-param NAME` (the deployed channel's parameter).
//!
//! ```text
//! cargo run -p mimamori-local --bin rich-menu -- --token-param /mimamori/line/channel-access-token
//! cargo run -p mimamori-local --bin rich-menu -- --api http://127.0.0.1:8080   # the simulator
//! ```

use mimamori_local::rich_menu;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut api = "https://api.line.me".to_owned();
    let mut data_api = None;
    let mut token_param = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--api" => api = value,
            "--data-api" => data_api = Some(value),
            "--token-param" => token_param = Some(value),
            _ => return Err(format!("unknown argument {flag}; see the README").into()),
        }
    }
    // The simulator serves both hosts' paths on one address.
    let data_api = data_api.unwrap_or_else(|| api.replace("://api.line.me", "://api-data.line.me"));
    let token = match token_param {
        Some(name) => {
            let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            mimamori::adapters::ssm::read_secret(&aws_sdk_ssm::Client::new(&aws), &name)
                .await?
                .expose()
                .to_owned()
        }
        None => std::env::var("LINE_CHANNEL_ACCESS_TOKEN")
            .map_err(|_| "set LINE_CHANNEL_ACCESS_TOKEN or pass --token-param")?,
    };
    let id = rich_menu::install(&api, &data_api, &token).await?;
    println!("rich menu {id} installed as every member's default");
    Ok(())
}
