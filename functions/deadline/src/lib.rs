//! The deadline function: invoked by a one-time schedule when a check's reminder or
//! overdue time has come.

use lambda_runtime::LambdaEvent;
use mimamori::app::App;
use mimamori::app::deadline::{DeadlineInvocation, DeadlineOutcome, run};
use serde_json::{Value, json};

/// What the deadline function needs besides the table and LINE: the scheduler (its next
/// stage) and the escalation queue.
pub const NEEDS: mimamori::app::wiring::Needs = mimamori::app::wiring::Needs {
    scheduler: true,
    queue: true,
    pager: false,
    channel_secret: false,
    staff_room_code: false,
};

pub async fn handler(app: &App, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    let invocation: DeadlineInvocation =
        serde_json::from_value(event.payload).map_err(|e| format!("deadline invocation is malformed: {e}"))?;
    match run(app, &invocation).await {
        Ok(outcome) => {
            let case = match outcome {
                DeadlineOutcome::Escalated { case_number } => Some(case_number),
                _ => None,
            };
            tracing::info!(watched = %app.pseudonym_in(&invocation.operator, &invocation.watched), check = %invocation.check, stage = invocation.stage.as_str(), outcome = outcome.as_str(), case, "deadline");
            Ok(json!({ "outcome": outcome.as_str(), "case": case }))
        }
        Err(e) => {
            tracing::error!(watched = %app.pseudonym_in(&invocation.operator, &invocation.watched), check = %invocation.check, stage = invocation.stage.as_str(), error = %e, "deadline_failed");
            Err(e.into())
        }
    }
}
