//! Records to items and back: the attribute helpers, the stored record shapes, and the
//! one place a record that cannot be written or read becomes `StoreError::Corrupt`.

use crate::case::CaseEvent;
use crate::ids::UserId;
use crate::member::HistoryEvent;
use crate::outbox::PushKind;
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}
pub(super) fn epoch(t: Timestamp) -> AttributeValue {
    n(t.as_second())
}

/// A record (or a push's messages) that cannot be written or read: the one place
/// `StoreError::Corrupt` is built.
pub(super) fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> StoreError + Copy {
    move |e| StoreError::Corrupt {
        what,
        message: e.to_string(),
    }
}

pub(super) fn attr<T: Serialize>(what: &'static str, v: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(corrupt(what))
}

pub(super) fn item<T: Serialize>(
    what: &'static str,
    pk: String,
    sk: String,
    data: &T,
    expires_at: Option<Timestamp>,
) -> Result<Item, StoreError> {
    let mut m: Item = serde_dynamo::to_item(data).map_err(corrupt(what))?;
    m.insert("pk".into(), s(pk));
    m.insert("sk".into(), s(sk));
    if let Some(t) = expires_at {
        m.insert("expires_at".into(), epoch(t));
    }
    Ok(m)
}

pub(super) fn read<T: DeserializeOwned>(what: &'static str, item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt(what))
}

/// An outbox record: the push, as recorded with the change that caused it.
#[derive(Serialize, Deserialize)]
pub(super) struct OutboxRecord {
    pub(super) key: String,
    pub(super) kind: PushKind,
    pub(super) to: crate::outbox::Recipient,
    /// The LINE message objects as JSON text, so the retry sends exactly the same.
    pub(super) messages: String,
    pub(super) status: PushStatus,
    pub(super) created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) sent_at: Option<Timestamp>,
}

#[derive(Serialize, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub(super) enum PushStatus {
    Pending,
    Sent,
    /// LINE refused it for good (a 4xx other than 409/429): not retried.
    Failed,
}

#[derive(Serialize, Deserialize)]
pub(super) struct HistoryRecord {
    pub(super) at: Timestamp,
    #[serde(flatten)]
    pub(super) event: HistoryEvent,
}

#[derive(Serialize, Deserialize)]
pub(super) struct CaseEventRecord {
    pub(super) at: Timestamp,
    #[serde(flatten)]
    pub(super) event: CaseEvent,
}

/// Orders records of the same instant (possible in virtual time) as this process wrote them.
pub(super) fn sequence() -> u64 {
    static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[derive(Serialize, Deserialize)]
pub(super) struct WatchRecord {
    pub(super) member: UserId,
    pub(super) linked_at: Timestamp,
}

#[derive(Serialize)]
pub(super) struct EventRecord<'a> {
    pub(super) status: &'static str,
    pub(super) claimed_at: i64,
    /// The attempt that holds the claim.
    pub(super) claim: &'a str,
}
