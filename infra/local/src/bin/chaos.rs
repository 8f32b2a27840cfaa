//! The chaos run: `cargo run -p mimamori-local --bin chaos -- [--members N] [--days D]
//! [--seed S] [--no-faults]` (with `RUST_LOG=warn`, the functions' warnings and errors
//! on stderr). Prints, per invariant, how often it was checked and
//! broken, what was injected and what happened; exits 1 if any invariant was broken.

use mimamori_local::arg;
use mimamori_local::chaos::{ChaosConfig, run};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The functions' own log lines (JSON, on stderr) when asked for: `RUST_LOG=warn`
    // shows every failure the run provoked and what the service did about it.
    if std::env::var_os("RUST_LOG").is_some() {
        mimamori::logging::init();
    }
    let args: Vec<String> = std::env::args().collect();
    let number = |name: &str, default: u64| -> Result<u64, String> {
        arg(&args, name).map_or(Ok(default), |v| {
            v.parse().map_err(|_| format!("{name} takes a number, not {v}"))
        })
    };
    let config = ChaosConfig {
        members: number("--members", 1000)? as usize,
        days: number("--days", 14)? as i64,
        seed: number("--seed", 20261202)?,
        faults: !args.iter().any(|a| a == "--no-faults"),
        scan_logs: false,
    };
    println!(
        "mimamori chaos run: {} members, {} virtual days, seed {}, faults {}",
        config.members,
        config.days,
        config.seed,
        if config.faults { "on" } else { "off" }
    );
    let began = std::time::Instant::now();
    let report = run(&config).await?;
    print!("{}", report.render());
    println!("took {:.0} s of real time", began.elapsed().as_secs_f64());
    if report.violations() > 0 {
        eprintln!("{} invariant violations", report.violations());
        std::process::exit(1);
    }
    Ok(())
}
