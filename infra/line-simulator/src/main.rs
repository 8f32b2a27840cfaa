//! Standalone LINE API simulator for local runs (e.g. beside `cargo lambda watch`), on the system clock.

use std::net::SocketAddr;

use line_simulator::{SimConfig, Simulator};

const USAGE: &str =
    "usage: line-simulator [--port N] [--secret S] [--token T] [--bot-user-id U...] [--reply-token-ttl SECONDS]";

fn parse_args() -> Result<(u16, SimConfig), String> {
    let mut port = 0;
    let mut config = SimConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--port" => {
                port = value
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {value}"))?;
            }
            "--secret" => config.channel_secret = value,
            "--token" => config.access_token = value,
            "--bot-user-id" => config.bot_user_id = value,
            "--reply-token-ttl" => {
                let seconds: u64 = value
                    .parse()
                    .map_err(|_| format!("--reply-token-ttl: not a number of seconds: {value}"))?;
                config.reply_token_ttl = std::time::Duration::from_secs(seconds);
            }
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    Ok((port, config))
}

#[tokio::main]
async fn main() {
    let (port, config) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let sim = match Simulator::start_on(config, SocketAddr::from(([127, 0, 0, 1], port))).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("line-simulator: cannot listen on port {port}: {error}");
            std::process::exit(1);
        }
    };
    println!("{}", sim.base_url());
    eprintln!(
        "LINE API simulator: token {:?}, channel secret {:?}, bot {}; control endpoints under /_sim/ (users, groups, rooms, events, deliveries, requests, billing)",
        sim.config().access_token,
        sim.config().channel_secret,
        sim.config().bot_user_id
    );
    std::future::pending::<()>().await;
}
