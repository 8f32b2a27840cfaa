//! The load run: a 09:00 for N members played through the local stack, with the figures
//! that decide whether one deployment can serve them inside AWS's and LINE's default
//! quotas. Members join through the webhook as on LINE, all checked daily at 09:00
//! Asia/Tokyo; every member answers with the OK button ten minutes later; then the
//! 10:05 watchdog round and the next 09:00 (with the reminder deadlines of the day
//! before) are played too.
//!
//! What it measures it measures on this machine against moto and the LINE simulator:
//! AWS calls and LINE requests per check (exact, counted on the real SDK clients and by
//! the simulator), writes per DynamoDB partition key (seen by the fault proxy), and how
//! long each handler ran (against emulators on loopback, so only an indication of
//! Lambda's duration). The burst on AWS is then modelled from those per-check figures:
//! at 09:00 Scheduler fires every member's schedule at once, limited by its 1,000
//! invocations a second; everything else follows from that rate. Nothing here is
//! asserted: the figures are printed, with each quota they meet.

use crate::stack::{Invocation, LocalStack, Options};
use crate::{LocalError, Result};
use jiff::{SignedDuration, Timestamp};
use mimamori::line::postback::Postback;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

/// The quotas a 09:00 burst meets (AWS and LINE defaults, ap-northeast-1).
pub mod quota {
    /// EventBridge Scheduler: target invocations per second (adjustable).
    pub const SCHEDULER_INVOCATIONS_PER_S: f64 = 1_000.0;
    /// LINE Messaging API: requests per second to most endpoints, push included.
    pub const LINE_REQUESTS_PER_S: f64 = 2_000.0;
    /// DynamoDB: write units per second to one partition key (one item ≤ 1 KB: 1 unit;
    /// a transactional write: 2).
    pub const PARTITION_WRITE_UNITS_PER_S: f64 = 1_000.0;
    /// A new on-demand table's warm throughput: writes per second it takes at once
    /// before it has to scale (4,000 write units).
    pub const NEW_TABLE_WRITE_UNITS_PER_S: f64 = 4_000.0;
    /// SSM Parameter Store: GetParameter* calls per second per account (standard
    /// throughput).
    pub const SSM_READS_PER_S: f64 = 40.0;
    /// Lambda: concurrent executions per account and region (the default once the
    /// account is established; new accounts may start far lower).
    pub const LAMBDA_CONCURRENCY: f64 = 1_000.0;
}

/// What one phase of the run did.
#[derive(Clone, Debug, Default)]
pub struct Phase {
    pub calls: BTreeMap<String, usize>,
    pub partition_writes: HashMap<String, u64>,
    pub invocations: BTreeMap<&'static str, Vec<Duration>>,
    pub line_requests: BTreeMap<String, usize>,
    pub pushes: usize,
    /// Real time the phase took here.
    pub took: Duration,
}

impl Phase {
    fn calls_total(&self) -> usize {
        self.calls.values().sum()
    }
    fn invocations_total(&self) -> usize {
        self.invocations.values().map(Vec::len).sum()
    }
    fn mean_duration(&self) -> Duration {
        let all: Vec<&Duration> = self.invocations.values().flatten().collect();
        match all.len() {
            0 => Duration::ZERO,
            n => all.into_iter().sum::<Duration>() / n as u32,
        }
    }
}

/// The run's phases, for `members` members.
#[derive(Clone, Debug)]
pub struct LoadRun {
    pub members: u32,
    /// Scheduler's flexible time window on the check schedules, in minutes.
    pub window_minutes: u32,
    pub joining: Phase,
    pub nine: Phase,
    pub answers: Phase,
    pub watchdog: Phase,
    pub next_nine: Phase,
}

/// A partition key with the member or chat id taken out, so keys of the same kind count
/// together: `op#USER#<id>`. Dates and hours stay: one hour's list is one key.
fn shape(pk: &str) -> String {
    pk.split('#')
        .map(|part| {
            let id = part.len() == 33 && part[1..].chars().all(|c| c.is_ascii_hexdigit());
            if id { "<id>" } else { part }
        })
        .collect::<Vec<_>>()
        .join("#")
}

struct Marks {
    calls: usize,
    invocations: usize,
    requests: usize,
    started: std::time::Instant,
}

fn mark(stack: &LocalStack) -> Marks {
    let _ = stack.faults.take_partition_writes();
    Marks {
        calls: stack.aws_calls.len(),
        invocations: stack.invocations.len(),
        requests: stack.sim.requests().len(),
        started: std::time::Instant::now(),
    }
}

fn phase(stack: &LocalStack, m: Marks) -> Phase {
    let mut invocations: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    for Invocation { function, took, .. } in &stack.invocations[m.invocations..] {
        invocations.entry(function).or_default().push(*took);
    }
    let mut line_requests = BTreeMap::new();
    let mut pushes = 0;
    for r in stack.sim.requests().into_iter().skip(m.requests) {
        pushes += usize::from(r.path == "/v2/bot/message/push");
        *line_requests.entry(line_endpoint(&r.path)).or_insert(0) += 1;
    }
    Phase {
        calls: stack.aws_calls.since(m.calls),
        partition_writes: stack.faults.take_partition_writes(),
        invocations,
        line_requests,
        pushes,
        took: m.started.elapsed(),
    }
}

/// A LINE path with ids taken out.
fn line_endpoint(path: &str) -> String {
    path.split('/')
        .map(|p| if p.len() >= 33 { "<id>" } else { p })
        .collect::<Vec<_>>()
        .join("/")
}

fn member_id(n: u32) -> String {
    format!("U{:032x}", 0x10ad_0000_u64 + u64::from(n))
}

/// Plays the run for `members` members, their checks within a flexible window of
/// `window_minutes` (the template's `CheckWindowMinutes`). Progress goes to stderr.
pub async fn run(members: u32, window_minutes: u32) -> Result<LoadRun> {
    // Sunday 29 November 2026, 10:00 in Tokyo: everyone joins, and the first check is
    // Monday's 09:00.
    let start: Timestamp = "2026-11-29T01:00:00Z".parse().map_err(LocalError::new)?;
    let nine: Timestamp = "2026-11-30T00:00:00Z".parse().map_err(LocalError::new)?;
    let mut stack = LocalStack::start(Options {
        start,
        own_moto: true,
        operator: "load".into(),
        watchdog: true,
        scan_logs: false,
        env: Options::default()
            .env
            .into_iter()
            .chain([("CHECK_WINDOW_MINUTES".to_owned(), window_minutes.to_string())])
            .collect(),
        ..Options::default()
    })
    .await?;
    let ids: Vec<String> = (0..members).map(member_id).collect();
    for (n, id) in ids.iter().enumerate() {
        stack.sim.add_user(id, &format!("会員{n}"));
    }

    let m = mark(&stack);
    // LINE batches the events of one moment into one webhook; 20 a body here.
    for chunk in ids.chunks(20) {
        for make in [
            |s: &LocalStack, id: &str| s.sim.follow(id),
            |s: &LocalStack, id: &str| {
                s.sim.postback(
                    id,
                    &Postback::Consent {
                        agreed: true,
                        asked: s.now(),
                    }
                    .encode(),
                )
            },
            |s: &LocalStack, id: &str| s.sim.postback(id, &Postback::OnboardingDone.encode()),
        ] {
            let events: Vec<_> = chunk.iter().map(|id| make(&stack, id)).collect();
            let status = stack.webhook(&events).await;
            if status != 200 {
                return Err(LocalError(format!("joining answered {status}")));
            }
        }
    }
    let joining = phase(&stack, m);
    eprintln!("joined {members} in {:.0} s", joining.took.as_secs_f64());

    // The 09:00 checks (Scheduler fires them within the window), apart from the
    // watchdog rounds of the night before.
    let window = SignedDuration::from_mins(i64::from(window_minutes));
    // Until the last second of the window (the watchdog's round at 09:05 is its own
    // phase), or two minutes past 09:00 without one.
    let burst_ends = match window.is_zero() {
        true => SignedDuration::from_mins(2),
        false => window - SignedDuration::from_secs(1),
    };
    stack.advance_to(nine - SignedDuration::from_mins(1)).await?;
    let m = mark(&stack);
    stack.advance_to(nine + burst_ends).await?;
    let nine_phase = phase(&stack, m);
    eprintln!("09:00 played in {:.0} s", nine_phase.took.as_secs_f64());

    // Everyone answers at 09:10, each with their own webhook.
    stack.advance_to(nine + SignedDuration::from_mins(10)).await?;
    let m = mark(&stack);
    for id in &ids {
        let data = stack
            .sim
            .seen_by(id)
            .iter()
            .flat_map(|d| d.postback_data())
            .find(|p| matches!(Postback::read(p), Some(Postback::Ok { .. })))
            .ok_or_else(|| LocalError(format!("no check reached member {}", &id[29..])))?;
        let tap = stack.sim.postback(id, &data);
        stack.webhook(&[tap]).await;
    }
    let answers = phase(&stack, m);
    eprintln!("answers in {:.0} s", answers.took.as_secs_f64());

    // The 10:05 watchdog round.
    stack.advance_to(nine + SignedDuration::from_mins(64)).await?;
    let m = mark(&stack);
    stack.advance_to(nine + SignedDuration::from_mins(66)).await?;
    let watchdog = phase(&stack, m);

    // The next 09:00: the new checks and the reminder deadlines of the day before.
    stack
        .advance_to(nine + SignedDuration::from_hours(24) - SignedDuration::from_mins(1))
        .await?;
    let m = mark(&stack);
    stack
        .advance_to(nine + SignedDuration::from_hours(24) + burst_ends)
        .await?;
    let next_nine = phase(&stack, m);
    eprintln!("the next 09:00 in {:.0} s", next_nine.took.as_secs_f64());
    Ok(LoadRun {
        members,
        window_minutes,
        joining,
        nine: nine_phase,
        answers,
        watchdog,
        next_nine,
    })
}

/// The burst as AWS would see it for `members`, modelled from the measured per-member
/// figures of `run`.
#[derive(Clone, Debug)]
pub struct Burst {
    pub members: u32,
    /// Invocations Scheduler makes at 09:00 (checks and the reminder deadlines due then).
    pub invocations: f64,
    /// Scheduler's rate at 09:00, and how long it takes to fire them all.
    pub rate: f64,
    pub seconds: f64,
    pub concurrency: f64,
    pub ssm_reads_per_s: f64,
    pub line_per_s: f64,
    /// The busiest partition key kinds: (shape, writes per second at `rate`, writes per
    /// member per 09:00).
    pub hot: Vec<(String, f64, f64)>,
    pub table_writes_per_s: f64,
    /// When the last member's check push goes out, seconds after 09:00.
    pub last_push_after: f64,
    pub breaches: Vec<String>,
}

pub fn burst(run: &LoadRun, members: u32) -> Burst {
    let n = f64::from(run.members.max(1));
    let scale = f64::from(members) / n;
    let p = &run.next_nine;
    let invocations = p.invocations_total() as f64 * scale;
    // Spread evenly over the window, or as fast as Scheduler fires if that is slower.
    let window = f64::from(run.window_minutes * 60).max(1.0);
    let due_per_s = invocations / window;
    let rate = due_per_s.min(quota::SCHEDULER_INVOCATIONS_PER_S);
    let seconds = (invocations / quota::SCHEDULER_INVOCATIONS_PER_S).max(window);
    let per_invocation = p.mean_duration().as_secs_f64();
    let concurrency = rate * per_invocation;
    // At worst every execution environment is new at 09:00 and reads SSM once.
    let ssm_reads_per_s = concurrency.max(1.0);
    let line_per_invocation = p.line_requests.values().sum::<usize>() as f64 / p.invocations_total().max(1) as f64;
    let line_per_s = rate * line_per_invocation;
    // Partition keys: the writes to the busiest key of each kind, per invocation.
    let mut by_shape: HashMap<String, u64> = HashMap::new();
    for (pk, writes) in &p.partition_writes {
        let e = by_shape.entry(shape(pk)).or_default();
        *e = (*e).max(*writes);
    }
    let writes_total: u64 = p.partition_writes.values().sum();
    let table_writes_per_s = rate * writes_total as f64 / p.invocations_total().max(1) as f64;
    let mut hot: Vec<(String, f64, f64)> = by_shape
        .into_iter()
        .map(|(shape, max)| {
            // A key of one person takes its few writes at once, whatever the rate. A
            // key that many members' checks write (an hour's list, the report, each of
            // their shards) takes its share of every invocation: at `rate`,
            // `writes / invocations × rate` a second, at any size.
            let per_s = match shape.contains("<id>") {
                true => max as f64,
                false => max as f64 / p.invocations_total().max(1) as f64 * rate,
            };
            (shape, per_s, max as f64 / n)
        })
        .collect();
    hot.sort_by(|a, b| b.1.total_cmp(&a.1));
    hot.truncate(5);
    let mut breaches = Vec::new();
    let mut check = |what: String, value: f64, limit: f64| {
        if value > limit {
            breaches.push(format!("{what}: {value:.0} > {limit:.0}"));
        }
    };
    check(
        "Scheduler invocations due a second at 09:00".into(),
        due_per_s,
        quota::SCHEDULER_INVOCATIONS_PER_S,
    );
    check("Lambda concurrency".into(), concurrency, quota::LAMBDA_CONCURRENCY);
    check(
        "SSM reads per second at cold start".into(),
        ssm_reads_per_s,
        quota::SSM_READS_PER_S,
    );
    check(
        "LINE requests per second".into(),
        line_per_s,
        quota::LINE_REQUESTS_PER_S,
    );
    for (shape, per_s, _) in &hot {
        check(
            format!("writes per second to one partition key {shape}"),
            *per_s,
            quota::PARTITION_WRITE_UNITS_PER_S,
        );
    }
    check(
        "writes per second to a new on-demand table".into(),
        table_writes_per_s,
        quota::NEW_TABLE_WRITE_UNITS_PER_S,
    );
    Burst {
        members,
        invocations,
        rate,
        seconds,
        concurrency,
        ssm_reads_per_s,
        line_per_s,
        hot,
        table_writes_per_s,
        last_push_after: seconds + per_invocation,
        breaches,
    }
}

/// `seconds` after 09:00 as a time of day.
fn after_nine(seconds: f64) -> String {
    let s = seconds.round() as u64;
    format!("09:{:02}:{:02}", (s / 60).min(59), s % 60)
}

fn calls_line(title: &str, p: &Phase, per: f64) -> String {
    let list: Vec<String> = p
        .calls
        .iter()
        .map(|(op, n)| format!("{op} {:.2}", *n as f64 / per))
        .collect();
    format!(
        "  {title:<44} {:>6.2}  ({})\n",
        p.calls_total() as f64 / per,
        list.join(", ")
    )
}

/// The report the load command prints.
pub fn report(run: &LoadRun, model: &[u32]) -> String {
    let n = f64::from(run.members.max(1));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "mimamori load run: {} members, all checked daily at 09:00 Asia/Tokyo, every one answering\n",
        run.members
    );
    let _ = writeln!(out, "AWS calls per member (counted on the real SDK clients):");
    out.push_str(&calls_line("joining (follow, consent, done)", &run.joining, n));
    out.push_str(&calls_line("09:00, the check function", &run.nine, n));
    out.push_str(&calls_line("09:10, the OK tap (webhook)", &run.answers, n));
    out.push_str(&calls_line("10:05, the watchdog round", &run.watchdog, n));
    out.push_str(&calls_line(
        "next 09:00 (check + yesterday's reminder)",
        &run.next_nine,
        n,
    ));
    // The next 09:00 holds the day's check (as the first did) and the reminder deadline
    // of the day before: that difference is what the answered check still costs there.
    let reminder = run.next_nine.calls_total().saturating_sub(run.nine.calls_total());
    let _ = writeln!(
        out,
        "  an answered daily check, all told (its 09:00, its answer, its reminder deadline): {:.2}\n",
        (run.nine.calls_total() + run.answers.calls_total() + reminder) as f64 / n
    );
    let _ = writeln!(out, "Invocations at the next 09:00, per member:");
    for (f, d) in &run.next_nine.invocations {
        let mean = d.iter().sum::<Duration>() / d.len().max(1) as u32;
        let _ = writeln!(
            out,
            "  {f:<10} {:.2}  (mean {:.1} ms here, against moto and the simulator)",
            d.len() as f64 / n,
            mean.as_secs_f64() * 1e3
        );
    }
    let _ = writeln!(out, "\nLINE requests per member at 09:00 (the simulator's count):");
    for (endpoint, count) in &run.next_nine.line_requests {
        let _ = writeln!(out, "  {endpoint:<44} {:.2}", *count as f64 / n);
    }
    let _ = writeln!(
        out,
        "\nDynamoDB write units at the next 09:00, busiest keys (ids masked; a transaction's item counts 2):"
    );
    let mut keys: Vec<(&String, &u64)> = run.next_nine.partition_writes.iter().collect();
    keys.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (pk, writes) in keys.into_iter().take(5) {
        let _ = writeln!(out, "  {:<44} {writes}", shape(pk));
    }
    for &members in model {
        let b = burst(run, members);
        let measured = if members == run.members {
            "measured"
        } else {
            "modelled from the per-member figures above"
        };
        let _ = writeln!(out, "\n09:00 on AWS for {members} members ({measured}):");
        let _ = writeln!(
            out,
            "  Scheduler: {:.0} invocations due at 09:00 within a {}-minute window, fired at {:.0}/s (quota {:.0}/s): the last about {}",
            b.invocations,
            run.window_minutes,
            b.rate,
            quota::SCHEDULER_INVOCATIONS_PER_S,
            after_nine(b.seconds)
        );
        let _ = writeln!(
            out,
            "  Lambda concurrency: {:.0} (rate × mean duration; quota {:.0})",
            b.concurrency,
            quota::LAMBDA_CONCURRENCY
        );
        let _ = writeln!(
            out,
            "  SSM: at most {:.0} GetParameters a second, one per new execution environment (quota {:.0}/s, retried with backoff)",
            b.ssm_reads_per_s,
            quota::SSM_READS_PER_S
        );
        let _ = writeln!(
            out,
            "  LINE: {:.0} requests/s (quota {:.0}/s)",
            b.line_per_s,
            quota::LINE_REQUESTS_PER_S
        );
        let _ = writeln!(
            out,
            "  DynamoDB: {:.0} write units/s to the table (a new on-demand table takes {:.0} at once)",
            b.table_writes_per_s,
            quota::NEW_TABLE_WRITE_UNITS_PER_S
        );
        for (shape, per_s, per_member) in &b.hot {
            let _ = writeln!(
                out,
                "    {shape:<42} {per_s:>7.0} units/s ({per_member:.2} per member; quota {:.0}/s a key)",
                quota::PARTITION_WRITE_UNITS_PER_S
            );
        }
        let _ = writeln!(
            out,
            "  the last member's check push: about {}",
            after_nine(b.last_push_after)
        );
        match b.breaches.is_empty() {
            true => {
                let _ = writeln!(out, "  no quota breached");
            }
            false => {
                for breach in &b.breaches {
                    let _ = writeln!(out, "  BREACH {breach}");
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\nreal time here: joining {:.0} s, 09:00 {:.0} s, answers {:.0} s, the next 09:00 {:.0} s",
        run.joining.took.as_secs_f64(),
        run.nine.took.as_secs_f64(),
        run.answers.took.as_secs_f64(),
        run.next_nine.took.as_secs_f64()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_kind_share_a_shape() {
        assert_eq!(shape(&format!("load#USER#{}", member_id(1))), "load#USER#<id>");
        assert_eq!(shape("load#REPORT"), "load#REPORT");
        assert_eq!(shape("load#DUE#1764464400"), "load#DUE#1764464400");
    }
}
