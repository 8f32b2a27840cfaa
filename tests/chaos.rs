//! The chaos run, small enough for every test run: fifty members, their contacts
//! and the staff live a week through the local stack while LINE, DynamoDB, Lambda and
//! Scheduler fail as they really do; every invariant holds on every case it is checked
//! on. `cargo run -p mimamori-local --bin chaos` runs it at any size (docs/reliability.md).

use mimamori_local::chaos::{ChaosConfig, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_members_live_a_week_of_faults_and_nobody_is_left_unwatched() {
    let config = ChaosConfig {
        members: 50,
        days: 7,
        seed: 20261203,
        faults: true,
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
