//! What EventBridge Scheduler and the SQS event source mapping do in AWS, done locally:
//! read the schedules the code created, work out when each fires, fill in
//! `<aws.scheduler.scheduled-time>`, and hand SQS batches to the escalation function.

use crate::{LocalError, Result};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use mimamori::adapters::scheduler::SCHEDULED_TIME;
use mimamori::schedule::ScheduleExpression;
use serde_json::{Value, json};
use std::collections::HashSet;

/// A schedule as the emulator stores it.
#[derive(Clone, Debug)]
pub struct StoredSchedule {
    pub name: String,
    pub expression: ScheduleExpression,
    pub zone: TimeZone,
    pub start: Option<Timestamp>,
    pub target_arn: String,
    pub input: String,
    pub delete_after_completion: bool,
    /// The flexible time window: a firing comes at some moment within it after its
    /// scheduled time (zero: on time).
    pub window: jiff::SignedDuration,
}

impl StoredSchedule {
    /// The first firing not fired yet that comes at or after `from`: when it comes, and
    /// its scheduled time (what `<aws.scheduler.scheduled-time>` says).
    pub fn next_from(&self, from: Timestamp, fired: &HashSet<(String, i64)>) -> Option<(Timestamp, Timestamp)> {
        let mut after = (from - self.window)
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .ok()?;
        for _ in 0..1000 {
            let t = self.expression.next_after(&self.zone, self.start, after)?;
            let comes = self.comes_at(t);
            if comes >= from && !fired.contains(&(self.name.clone(), t.as_second())) {
                return Some((comes, t));
            }
            after = t;
        }
        None
    }

    /// When the firing scheduled at `at` comes: on time, or at a moment within the
    /// flexible window that Scheduler picks (here a fixed draw for the schedule and the
    /// time, spread evenly over the window, to the second).
    pub fn comes_at(&self, at: Timestamp) -> Timestamp {
        let window = self.window.as_secs();
        if window <= 0 {
            return at;
        }
        let draw = format!("{}#{}", self.name, at.as_second())
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        at + jiff::SignedDuration::from_secs((draw % window.unsigned_abs()) as i64)
    }

    /// The target input with the scheduled time filled in, as Scheduler sends it.
    pub fn payload(&self, at: Timestamp) -> Result<Value> {
        let stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let input = self.input.replace(SCHEDULED_TIME, &stamp);
        serde_json::from_str(&input)
            .map_err(|e| LocalError(format!("schedule {} has input that is not JSON: {e}", self.name)))
    }
}

fn sched_err(e: impl std::fmt::Display) -> LocalError {
    LocalError(format!("scheduler: {e}"))
}

/// The names of every schedule in `group`.
pub async fn schedule_names(client: &aws_sdk_scheduler::Client, group: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_schedules()
            .group_name(group)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sched_err(aws_sdk_scheduler::error::DisplayErrorContext(&e)))?;
        names.extend(page.schedules().iter().filter_map(|s| s.name().map(str::to_owned)));
        token = page.next_token;
        if token.is_none() {
            return Ok(names);
        }
    }
}

/// One schedule of `group`, or `None` if it does not exist or is disabled.
pub async fn read_schedule(
    client: &aws_sdk_scheduler::Client,
    group: &str,
    name: &str,
) -> Result<Option<StoredSchedule>> {
    let s = match client.get_schedule().group_name(group).name(name).send().await {
        Ok(s) => s,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(sched_err(aws_sdk_scheduler::error::DisplayErrorContext(&e))),
    };
    if s.state().map(|st| st.as_str()) == Some("DISABLED") {
        return Ok(None);
    }
    let expression: ScheduleExpression = s
        .schedule_expression()
        .unwrap_or_default()
        .parse()
        .map_err(|e| sched_err(format!("{name}: {e}")))?;
    let zone = TimeZone::get(s.schedule_expression_timezone().unwrap_or("UTC")).map_err(sched_err)?;
    let target = s.target().ok_or_else(|| sched_err(format!("{name} has no target")))?;
    Ok(Some(StoredSchedule {
        name: name.to_owned(),
        expression,
        zone,
        start: s.start_date().and_then(|d| Timestamp::from_second(d.secs()).ok()),
        target_arn: target.arn().to_owned(),
        input: target.input().unwrap_or("{}").to_owned(),
        delete_after_completion: s.action_after_completion().map(|a| a.as_str()) == Some("DELETE"),
        window: match s.flexible_time_window() {
            Some(w) if w.mode().as_str() == "FLEXIBLE" => {
                jiff::SignedDuration::from_mins(i64::from(w.maximum_window_in_minutes().unwrap_or(0)))
            }
            _ => jiff::SignedDuration::ZERO,
        },
    }))
}

/// One SQS message as the event source mapping hands it to Lambda.
pub fn sqs_record(message: &aws_sdk_sqs::types::Message, queue_arn: &str) -> Value {
    let attributes: serde_json::Map<String, Value> = message
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "messageId": message.message_id(),
        "receiptHandle": message.receipt_handle(),
        "body": message.body(),
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": message.md5_of_body(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": crate::resources::REGION,
    })
}
