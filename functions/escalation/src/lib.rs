//! The escalation function: reads the escalation queue and alerts people.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use mimamori::alerts::EscalationMessage;
use mimamori::app::App;
use mimamori::app::escalation::run;

/// Handles each record on its own and reports only the failed ones, so SQS redelivers
/// those (and finally dead-letters them) without repeating the others.
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
                let (_, member, check) = message.parts();
                tracing::info!(record = %id, kind = message.kind(), member = %member, check = %check, outcome = outcome.as_str(), "escalation");
            }
            Err(error) => {
                tracing::error!(record = %id, error = %error, "escalation_failed");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    Ok(response)
}
