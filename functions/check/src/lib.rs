//! The check function: invoked by a member's recurring schedule at each check time,
//! and by the hourly watchdog schedule.

use lambda_runtime::LambdaEvent;
use mimamori::app::App;
use mimamori::app::check::{CheckInvocation, CheckOutcome, run};
use mimamori::app::watchdog::{self, WatchdogInvocation};
use serde_json::{Value, json};

/// What the check function needs besides the table and LINE: the scheduler, for the
/// deadlines it sets.
pub const NEEDS: mimamori::app::wiring::Needs = mimamori::app::wiring::Needs {
    scheduler: true,
    queue: false,
    pager: false,
    channel_secret: false,
    staff_room_code: false,
};

/// A malformed payload or a failure is returned as an error: Lambda retries the
/// asynchronous invocation twice and then sends it to the invoke-failure queue, which
/// raises the alarm.
pub async fn handler(app: &App, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    // The watchdog's payload is its one field; anything else must be a whole check.
    if event.payload.get("watchdog").is_some() {
        let invocation: WatchdogInvocation =
            serde_json::from_value(event.payload).map_err(|e| format!("watchdog invocation is malformed: {e}"))?;
        return watchdog(app, &invocation).await;
    }
    let invocation: CheckInvocation =
        serde_json::from_value(event.payload).map_err(|e| format!("check invocation is malformed: {e}"))?;
    match run(app, &invocation).await {
        Ok(outcome) => {
            let pushed = match outcome {
                CheckOutcome::Opened(d)
                | CheckOutcome::Reminded(d)
                | CheckOutcome::Repeated(d)
                | CheckOutcome::Duplicate(d) => d.sent,
                _ => 0,
            };
            tracing::info!(watched = %app.pseudonym_in(&invocation.operator, &invocation.watched), scheduled = %invocation.scheduled_time, outcome = outcome.as_str(), pushed, "check");
            Ok(json!({ "outcome": outcome.as_str(), "pushed": pushed }))
        }
        Err(e) => {
            tracing::error!(watched = %app.pseudonym_in(&invocation.operator, &invocation.watched), scheduled = %invocation.scheduled_time, error = %e, "check_failed");
            Err(e.into())
        }
    }
}

async fn watchdog(app: &App, invocation: &WatchdogInvocation) -> Result<Value, lambda_runtime::Error> {
    match watchdog::run(app, invocation).await {
        Ok(o) => {
            tracing::info!(
                members = o.members,
                missed = o.missed,
                reported = o.reported,
                failed = o.failed,
                "watchdog"
            );
            // Everyone else was watched; the failures make the run an error, so the
            // errors alarm fires and the next round tries them again.
            if o.failed > 0 {
                return Err(format!(
                    "the watchdog could not watch {} member(s); see watchdog_member_failed",
                    o.failed
                )
                .into());
            }
            Ok(json!({
                "outcome": "watchdog_ran",
                "members": o.members,
                "missed": o.missed,
                "reported": o.reported,
                "line_quota_used_percent": o.line_quota_used,
            }))
        }
        Err(e) => {
            tracing::error!(error = %e, "watchdog_failed");
            Err(e.into())
        }
    }
}
