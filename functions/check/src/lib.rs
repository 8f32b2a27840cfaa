//! The check function: invoked by a member's recurring schedule at each check time.

use lambda_runtime::LambdaEvent;
use mimamori::app::App;
use mimamori::app::audit::AuditInvocation;
use mimamori::app::check::{CheckInvocation, CheckOutcome, run};
use serde_json::{Value, json};

/// A malformed payload or a failure is returned as an error: Scheduler retries the
/// invocation and finally dead-letters it, which raises the alarm.
pub async fn handler(app: &App, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    // The hourly watchdog schedule invokes this function too.
    if event.payload.get("audit").is_some() {
        return audit(app, event.payload).await;
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
            tracing::info!(member = %invocation.member, scheduled = %invocation.scheduled_time, outcome = outcome.as_str(), pushed, "check");
            Ok(json!({ "outcome": outcome.as_str(), "pushed": pushed }))
        }
        Err(e) => {
            tracing::error!(member = %invocation.member, scheduled = %invocation.scheduled_time, error = %e, "check_failed");
            Err(e.into())
        }
    }
}

async fn audit(app: &App, payload: Value) -> Result<Value, lambda_runtime::Error> {
    let invocation: AuditInvocation =
        serde_json::from_value(payload).map_err(|e| format!("audit invocation is malformed: {e}"))?;
    match mimamori::app::audit::run(app, &invocation).await {
        Ok(o) => {
            tracing::info!(members = o.members, missed = o.missed, reported = o.reported, "audit");
            Ok(json!({ "outcome": "audited", "members": o.members, "missed": o.missed, "reported": o.reported }))
        }
        Err(e) => {
            tracing::error!(error = %e, "audit_failed");
            Err(e.into())
        }
    }
}
