//! Webhook event claims, so each LINE (re)delivery is processed once.

use super::*;
use crate::ports::WebhookEvents;

#[async_trait]
impl WebhookEvents for DynamoStore {
    async fn claim_event(&self, op: &OperatorId, event_id: &str, now: Timestamp) -> Result<EventClaim, StoreError> {
        let record = EventRecord {
            status: "processing",
            claimed_at: now.as_second(),
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
        Ok(match conditional("PutItem", result)? {
            Written::Done => EventClaim::Claimed,
            Written::Conflict => EventClaim::Seen,
        })
    }

    async fn complete_event(&self, op: &OperatorId, event_id: &str, now: Timestamp) -> Result<(), StoreError> {
        let done = ItemUpdate::new(
            keys::webhook_event(op, event_id),
            keys::EVENT,
            "SET #status = :done, completed_at = :now",
        )
        .name("#status", "status")
        .value(":done", s("done"))
        .value(":now", attr("event", &now)?);
        self.update(done).await?;
        Ok(())
    }

    async fn release_event(&self, op: &OperatorId, event_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::webhook_event(op, event_id)))
            .key("sk", s(keys::EVENT))
            .send()
            .await
            .map_err(dynamo_error("DeleteItem"))?;
        Ok(())
    }
}
