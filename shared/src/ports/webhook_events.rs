//! Webhook events, claimed and completed so each LINE (re)delivery is processed once.

use super::{EventClaim, StoreError};
use crate::ids::OperatorId;
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait WebhookEvents: Send + Sync {
    async fn claim_event(&self, op: &OperatorId, event_id: &str, now: Timestamp) -> Result<EventClaim, StoreError>;
    async fn complete_event(&self, op: &OperatorId, event_id: &str, now: Timestamp) -> Result<(), StoreError>;
    async fn release_event(&self, op: &OperatorId, event_id: &str) -> Result<(), StoreError>;
}
