//! The escalation function: reads the escalation queue and alerts people.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use mimamori::alerts::EscalationMessage;
use mimamori::app::App;
use mimamori::app::escalation::run;

/// What the escalation function needs besides the table and LINE: the scheduler (untaken
/// cases are followed up by one-time schedules), the queue (a failed record is made
/// visible again sooner than the visibility timeout) and the staff pager (when LINE
/// cannot reach the staff room).
pub const NEEDS: mimamori::app::wiring::Needs = mimamori::app::wiring::Needs {
    scheduler: true,
    queue: true,
    pager: true,
    channel_secret: false,
    staff_room_code: false,
};

/// How long a record that failed its `receives`-th delivery waits before the next: 1, 2,
/// 4, then 8 minutes (five attempts in 15 minutes; the queue dead-letters it when it
/// would be handed out a sixth time, about 23 minutes after the first), rather than the
/// 12-minute visibility timeout sized for a batch of slow pushes.
pub fn retry_delay(receives: u32) -> std::time::Duration {
    std::time::Duration::from_secs(60 << receives.saturating_sub(1).min(3))
}

/// Handles each record on its own and reports only the failed ones, so SQS redelivers
/// those (and finally dead-letters them) without repeating the others; each failed
/// record is made visible again after [`retry_delay`].
pub async fn handler(app: &App, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut response = SqsBatchResponse::default();
    for record in event.payload.records {
        let id = record.message_id.clone().unwrap_or_default();
        let message = record
            .body
            .as_deref()
            .ok_or_else(|| "record has no body".to_owned())
            .and_then(|b| {
                serde_json::from_str::<EscalationMessage>(b).map_err(|e| format!("malformed escalation message: {e}"))
            });
        let result = match message {
            Ok(message) => run(app, &message)
                .await
                .map(|o| (message, o))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match result {
            Ok((message, outcome)) => {
                let (op, member, check) = message.parts();
                let member = app.pseudonym_in(op, member);
                tracing::info!(record = %id, kind = message.kind(), member = %member, check = %check, outcome = outcome.as_str(), "escalation");
            }
            Err(error) => {
                tracing::error!(record = %id, error = %error, "escalation_failed");
                let receives = record
                    .attributes
                    .get("ApproximateReceiveCount")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                if let Some(handle) = record.receipt_handle.as_deref()
                    && let Err(e) = app.queue.retry_after(handle, retry_delay(receives)).await
                {
                    // The queue's visibility timeout brings it back instead, later.
                    tracing::warn!(record = %id, error = %e, "escalation_retry_delay_failed");
                }
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::retry_delay;

    #[test]
    fn a_failed_record_waits_longer_each_time_and_never_past_eight_minutes() {
        let minutes: Vec<u64> = (0..=6).map(|n| retry_delay(n).as_secs() / 60).collect();
        assert_eq!(minutes, [1, 1, 2, 4, 8, 8, 8]);
    }
}
