//! The load run: `cargo run --release -p mimamori-local --bin load -- [--members N]
//! [--model 10000,100000] [--window MINUTES]` (the checks' flexible window, 5 by
//! default as in the template; 0 fires them all on the minute). Plays a 09:00 for N members through the local stack and
//! prints the figures per member, then the burst on AWS for each size in `--model`
//! (N itself measured, the others modelled from the per-member figures), against the
//! quotas that bind. Nothing is asserted.

use mimamori_local::arg;
use mimamori_local::load::{report, run};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The functions' own log lines (JSON, on stdout) when asked for: with
    // `RUST_LOG=info`, what the functions would log in AWS, to measure its volume.
    if std::env::var_os("RUST_LOG").is_some() {
        mimamori::logging::init();
    }
    let args: Vec<String> = std::env::args().collect();
    let members: u32 = match arg(&args, "--members") {
        Some(v) => v.parse().map_err(|_| format!("--members takes a number, not {v}"))?,
        None => 1_000,
    };
    let mut model = vec![members];
    if let Some(list) = arg(&args, "--model") {
        for v in list.split(',') {
            model.push(v.parse().map_err(|_| format!("--model takes numbers, not {v}"))?);
        }
    } else {
        model.extend([10_000, 100_000].into_iter().filter(|m| *m > members));
    }
    // The template's CheckWindowMinutes by default.
    let window: u32 = match arg(&args, "--window") {
        Some(v) => v.parse().map_err(|_| format!("--window takes minutes, not {v}"))?,
        None => 5,
    };
    let began = std::time::Instant::now();
    let run = run(members, window).await?;
    print!("{}", report(&run, &model));
    println!("took {:.0} s of real time", began.elapsed().as_secs_f64());
    Ok(())
}
