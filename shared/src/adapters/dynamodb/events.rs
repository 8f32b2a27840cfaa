//! Webhook event claims, so each LINE (re)delivery is processed once.

use super::*;
use crate::ports::WebhookEvents;

#[async_trait]
impl WebhookEvents for DynamoStore {
    async fn claim_event(
        &self,
        op: &OperatorId,
        event_id: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<EventClaim, StoreError> {
        let record = EventRecord {
            status: "processing",
            claimed_at: now.as_second(),
            claim: token,
        };
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                "event",
                keys::webhook_event(op, event_id),
                keys::EVENT.into(),
                &record,
                Some(now + EVENT_MEMORY),
            )?))
            .condition_expression("attribute_not_exists(pk) OR (#status = :processing AND claimed_at < :stale)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":processing", s("processing"))
            .expression_attribute_values(":stale", epoch(now - EVENT_LEASE))
            .send()
            .await;
        if conditional("PutItem", result)? == Written::Done {
            return Ok(EventClaim::Claimed);
        }
        // Done, or another attempt's lease is running (it may still fail).
        let status = self
            .get(keys::webhook_event(op, event_id), keys::EVENT)
            .await?
            .and_then(|i| i.get("status").and_then(|v| v.as_s().ok()).cloned());
        Ok(match status.as_deref() {
            Some("done") => EventClaim::Done,
            // Released between the two reads counts as in flight: LINE tries again.
            _ => EventClaim::InFlight,
        })
    }

    async fn complete_event(
        &self,
        op: &OperatorId,
        event_id: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<Written, StoreError> {
        let done = ItemUpdate::new(
            keys::webhook_event(op, event_id),
            keys::EVENT,
            "SET #status = :done, completed_at = :now",
        )
        .when("claim = :claim")
        .name("#status", "status")
        .value(":done", s("done"))
        .value(":claim", s(token))
        .value(":now", attr("event", &now)?);
        self.update(done).await
    }

    async fn release_event(&self, op: &OperatorId, event_id: &str, token: &str) -> Result<Written, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::webhook_event(op, event_id)))
            .key("sk", s(keys::EVENT))
            .condition_expression("claim = :claim")
            .expression_attribute_values(":claim", s(token))
            .send()
            .await;
        conditional("DeleteItem", result)
    }
}
