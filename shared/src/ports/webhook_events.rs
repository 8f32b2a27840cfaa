//! Webhook events, claimed and completed so each LINE (re)delivery is processed once.

use super::{EventClaim, StoreError, Written};
use crate::ids::OperatorId;
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait WebhookEvents: Send + Sync {
    /// Claims the event for the attempt `token` names (unique per attempt), unless it is
    /// done or another attempt's lease on it is still running.
    async fn claim_event(
        &self,
        op: &OperatorId,
        event_id: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<EventClaim, StoreError>;
    /// Marks it done, if the claim is still `token`'s (`Conflict`: another attempt took
    /// it over, and its outcome stands).
    async fn complete_event(
        &self,
        op: &OperatorId,
        event_id: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<Written, StoreError>;
    /// Gives the claim up so a redelivery processes it, if it is still `token`'s.
    async fn release_event(&self, op: &OperatorId, event_id: &str, token: &str) -> Result<Written, StoreError>;
}
