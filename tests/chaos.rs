//! The chaos run, small enough for every test run: a hundred members, their contacts
//! and the staff live a week through the local stack while LINE, DynamoDB, Lambda and
//! Scheduler fail as they really do; every invariant holds on every case it is checked
//! on. `cargo run -p mimamori-local --bin chaos` runs it at any size (docs/reliability.md).

use mimamori_local::chaos::{ChaosConfig, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_members_live_a_week_of_faults_and_nobody_is_left_unwatched() {
    let config = ChaosConfig {
        members: 100,
        days: 7,
        seed: 20261203,
        faults: true,
        scan_logs: true,
    };
    let report = run(&config).await.expect("the chaos run ran");
    let rendered = report.render();
    println!("{rendered}");
    assert_eq!(report.violations(), 0, "{rendered}");
    // Every invariant was put to the test, and every kind of fault drawn was injected.
    for i in &report.invariants {
        assert!(i.checked > 0, "never checked: {}\n{rendered}", i.statement);
    }
    for (what, n) in &report.faults {
        if !what.starts_with("webhooks measured") {
            assert!(*n > 0, "never injected: {what}\n{rendered}");
        }
    }
}

/// The load command, small: every member gets each 09:00's check, and the figures it
/// prints are those of the run (counts only; no timing is asserted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_load_run_plays_every_member_s_09_00_and_models_the_sizes_asked_for() {
    let run = mimamori_local::load::run(10, 5).await.expect("the load run ran");
    assert_eq!(run.nine.pushes, 10, "one check push each at the first 09:00");
    assert_eq!(run.next_nine.pushes, 10, "and at the next");
    assert_eq!(run.nine.invocations.get("check").map(Vec::len), Some(10));
    let printed = mimamori_local::load::report(&run, &[10, 100_000]);
    assert!(
        printed.contains("09:00 on AWS for 100000 members (modelled"),
        "{printed}"
    );
    // Within the template's 5-minute window 100,000 checks are about 330 a second, inside
    // Scheduler's 1,000; four times as many would not be.
    let scheduler = |b: &mimamori_local::load::Burst| b.breaches.iter().any(|b| b.starts_with("Scheduler invocations"));
    let burst = mimamori_local::load::burst(&run, 100_000);
    assert!(burst.invocations >= 100_000.0, "{burst:?}");
    assert!(burst.rate < 400.0 && !scheduler(&burst), "{burst:?}");
    let beyond = mimamori_local::load::burst(&run, 400_000);
    assert!(
        scheduler(&beyond),
        "400,000 checks in 5 minutes are more than Scheduler fires: {beyond:?}"
    );
}
