//! The store on one DynamoDB table. Every key starts with the operator id, so several
//! operators can share a table without ever seeing each other's records, and erasing a
//! person is deleting their partition plus the few records it points at.
//!
//! | pk                      | sk                         | what                          |
//! |-------------------------|----------------------------|-------------------------------|
//! | `{op}#USER#{user}`      | `MEMBER`                   | the member                    |
//! |                         | `CHECK#{epoch}`            | a check                       |
//! |                         | `OUTBOX#{check}#…`         | a push of that check          |
//! |                         | `CONTACT#{user}`           | one of the member's contacts  |
//! |                         | `WATCHES#{user}`           | a member this user watches    |
//! |                         | `HISTORY#{nanos}#{seq}#{event}` | the member's history     |
//! |                         | `WRONG_CODE#{hour}`        | wrong invitation codes (TTL)  |
//! |                         | `INVITE_REF#{code}`        | a code this member made (TTL) |
//! |                         | `MISSED#{epoch}`           | a missed check the watchdog reported (TTL) |
//! | `{op}#OPERATOR`         | `STAFF_ROOM`, `COUNTER#case` | operator-wide records       |
//! |                         | `STAFF#{user}`, `ON_DUTY`  | people in the staff room, who is on duty |
//! | `{op}#MEMBERS`          | `{user}`                   | the roster of members (for the watchdog) |
//! | `{op}#CASE#{number}`    | `CASE`                     | a case (対応案件)              |
//! |                         | `EVENT#{nanos}#{seq}`      | the case's history (append-only) |
//! | `{op}#REPORT`           | `{yyyy-mm}#{fact key}`     | anonymous facts for the monthly report |
//! | `{op}#INVITE#{code}`    | `INVITE`                   | an invitation code (TTL)      |
//! | `{op}#EVENT#{id}`       | `EVENT`                    | a processed webhook event (TTL) |

use crate::case::{Actor, CaseEvent, FollowUpStep, Outcome};
use crate::check::{Check, CheckState};
use crate::contact::{Contact, Invitation, InviteCode};
use crate::ids::{GroupId, OperatorId, UserId};
use crate::member::{HistoryEvent, Member, MemberStatus};
use crate::outbox::{Push, PushKind};
use crate::ports::{EventClaim, Store, StoreError, Written};
use crate::report::{Fact, Recorded};
use crate::schedule::CheckSchedule;
use crate::staff::{Staff, StaffRoom};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, ReturnValue, TransactWriteItem, Update};
use jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// How long a webhook event is remembered (LINE redelivers for at most about a day).
const EVENT_MEMORY: SignedDuration = SignedDuration::from_hours(24 * 7);
/// A claim older than this belongs to an invocation that died: the event may be retried.
const EVENT_LEASE: SignedDuration = SignedDuration::from_secs(120);
/// Pushes are kept for the operator's audit, then expire.
const OUTBOX_RETENTION: SignedDuration = SignedDuration::from_hours(24 * 400);
const FIRST_CASE_NUMBER: u64 = 1000;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn user_pk(op: &OperatorId, user: &UserId) -> String {
    format!("{op}#USER#{user}")
}
/// The roster: one item per member, so the watchdog finds every member with one query.
fn roster_pk(op: &OperatorId) -> String {
    format!("{op}#MEMBERS")
}
fn operator_pk(op: &OperatorId) -> String {
    format!("{op}#OPERATOR")
}
fn check_sk(at: Timestamp) -> String {
    format!("CHECK#{}", crate::ids::CheckId(at).key())
}
fn outbox_sk(push_key: &str) -> String {
    format!("OUTBOX#{push_key}")
}
fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}
fn epoch(t: Timestamp) -> AttributeValue {
    n(t.as_second())
}

fn dynamo_error<E: std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> StoreError {
    move |e| StoreError::Dynamo {
        operation,
        message: DisplayErrorContext(&e).to_string(),
    }
}

fn corrupt(what: &'static str) -> impl FnOnce(serde_dynamo::Error) -> StoreError {
    move |e| StoreError::Corrupt {
        what,
        message: e.to_string(),
    }
}

fn attr<T: Serialize>(what: &'static str, v: &T) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(v).map_err(corrupt(what))
}

fn item<T: Serialize>(
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

fn read<T: DeserializeOwned>(what: &'static str, item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt(what))
}

/// An outbox record: the push, as recorded with the change that caused it.
#[derive(Serialize, Deserialize)]
struct OutboxRecord {
    key: String,
    kind: PushKind,
    to: crate::outbox::Recipient,
    /// The LINE message objects as JSON text, so the retry sends exactly the same.
    messages: String,
    status: PushStatus,
    created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    sent_at: Option<Timestamp>,
}

#[derive(Serialize, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum PushStatus {
    Pending,
    Sent,
}

#[derive(Serialize, Deserialize)]
struct HistoryRecord {
    at: Timestamp,
    #[serde(flatten)]
    event: HistoryEvent,
}

#[derive(Serialize, Deserialize)]
struct CaseEventRecord {
    at: Timestamp,
    #[serde(flatten)]
    event: CaseEvent,
}

fn case_pk(op: &OperatorId, number: u64) -> String {
    format!("{op}#CASE#{number}")
}

/// Orders records of the same instant (possible in virtual time) as this process wrote them.
fn sequence() -> u64 {
    static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[derive(Serialize, Deserialize)]
struct WatchRecord {
    member: UserId,
    linked_at: Timestamp,
}

#[derive(Serialize)]
struct EventRecord {
    status: &'static str,
    claimed_at: i64,
}

fn build_error(what: &'static str) -> impl FnOnce(aws_sdk_dynamodb::error::BuildError) -> StoreError {
    move |e| StoreError::Corrupt {
        what,
        message: e.to_string(),
    }
}

/// A single conditional write's outcome: a failed condition is `Conflict`, not an error.
fn conditional<T, E, R>(operation: &'static str, result: Result<T, SdkError<E, R>>) -> Result<Written, StoreError>
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(Written::Done),
        Err(e) if e.as_service_error().and_then(|se| se.code()) == Some("ConditionalCheckFailedException") => {
            Ok(Written::Conflict)
        }
        Err(e) => Err(dynamo_error(operation)(e)),
    }
}

/// Whether a failed transaction was cancelled because a condition did not hold.
fn is_condition_failure<R: std::fmt::Debug>(
    e: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> bool {
    e.as_service_error()
        .is_some_and(|se| se.is_transaction_canceled_exception())
}

impl DynamoStore {
    fn outbox_put(
        &self,
        op: &OperatorId,
        user: &UserId,
        push: &Push,
        now: Timestamp,
    ) -> Result<TransactWriteItem, StoreError> {
        let record = OutboxRecord {
            key: push.key.clone(),
            kind: push.kind,
            to: push.to.clone(),
            messages: serde_json::to_string(&push.messages).map_err(|e| StoreError::Corrupt {
                what: "push",
                message: e.to_string(),
            })?,
            status: PushStatus::Pending,
            created_at: now,
            sent_at: None,
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "push",
                user_pk(op, user),
                outbox_sk(&push.key),
                &record,
                Some(now + OUTBOX_RETENTION),
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::Corrupt {
                what: "push",
                message: e.to_string(),
            })?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn check_put(
        &self,
        op: &OperatorId,
        user: &UserId,
        check: &Check,
        from: Option<&Check>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item(
            "check",
            user_pk(op, user),
            check_sk(check.scheduled_at),
            check,
            None,
        )?));
        put = match from {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(from) => put
                .condition_expression("#state = :from AND last_slot = :last_slot")
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":from", attr("check", &from.state)?)
                .expression_attribute_values(":last_slot", attr("check", &from.last_slot)?),
        };
        let put = put.build().map_err(|e| StoreError::Corrupt {
            what: "check",
            message: e.to_string(),
        })?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    async fn transact(&self, operation: &'static str, items: Vec<TransactWriteItem>) -> Result<Written, StoreError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(Written::Done),
            Err(e) if is_condition_failure(&e) => Ok(Written::Conflict),
            Err(e) => Err(dynamo_error(operation)(e)),
        }
    }

    /// A case event record, ordered by time (and by this process's order within one instant).
    fn case_event_item(
        &self,
        op: &OperatorId,
        number: u64,
        at: Timestamp,
        event: &CaseEvent,
    ) -> Result<Item, StoreError> {
        let record = CaseEventRecord {
            at,
            event: event.clone(),
        };
        let sk = format!("EVENT#{:020}#{:012}", at.as_nanosecond(), sequence());
        item("case event", case_pk(op, number), sk, &record, None)
    }

    /// A conditional change of a case and the events that record it, in one transaction:
    /// `Conflict` (and nothing recorded) if the condition fails.
    async fn case_change(
        &self,
        operation: &'static str,
        op: &OperatorId,
        number: u64,
        change: TransactWriteItem,
        events: &[CaseEvent],
        at: Timestamp,
    ) -> Result<Written, StoreError> {
        let mut items = vec![change];
        for event in events {
            items.push(self.case_event_put(op, number, at, event)?);
        }
        self.transact(operation, items).await
    }

    fn case_event_put(
        &self,
        op: &OperatorId,
        number: u64,
        at: Timestamp,
        event: &CaseEvent,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(self.case_event_item(op, number, at, event)?))
            .build()
            .map_err(build_error("case event"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Sets one attribute of an existing member record.
    async fn set_member_field(
        &self,
        op: &OperatorId,
        user: &UserId,
        field: &str,
        value: AttributeValue,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"))
            .update_expression("SET #field = :value")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#field", field)
            .expression_attribute_values(":value", value)
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        Ok(())
    }

    async fn query_prefix(&self, pk: String, prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query(pk, Some(prefix)).await
    }

    async fn query_partition(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        self.query(pk, None).await
    }

    /// Every item of a partition, or those whose sort key starts with `prefix`.
    async fn query(&self, pk: String, prefix: Option<&str>) -> Result<Vec<Item>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", s(pk))
            .consistent_read(true);
        query = match prefix {
            Some(prefix) => query
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", s(prefix)),
            None => query.key_condition_expression("pk = :pk"),
        };
        let items: Result<Vec<Item>, _> = query
            .into_paginator()
            .items()
            .send()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect();
        items.map_err(dynamo_error("Query"))
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_error("GetItem"))?;
        Ok(out.item)
    }
}

#[async_trait]
impl Store for DynamoStore {
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
                format!("{op}#EVENT#{event_id}"),
                "EVENT".into(),
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

    async fn complete_event(&self, op: &OperatorId, event_id: &str, _now: Timestamp) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("{op}#EVENT#{event_id}")))
            .key("sk", s("EVENT"))
            .update_expression("SET #status = :done")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":done", s("done"))
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        Ok(())
    }

    async fn release_event(&self, op: &OperatorId, event_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(format!("{op}#EVENT#{event_id}")))
            .key("sk", s("EVENT"))
            .send()
            .await
            .map_err(dynamo_error("DeleteItem"))?;
        Ok(())
    }

    async fn member(&self, op: &OperatorId, user: &UserId) -> Result<Option<Member>, StoreError> {
        self.get(user_pk(op, user), "MEMBER")
            .await?
            .map(|i| read("member", i))
            .transpose()
    }

    async fn create_member(&self, member: &Member) -> Result<Written, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "member",
                user_pk(&member.operator, &member.user_id),
                "MEMBER".into(),
                member,
                None,
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error("member"))?;
        // The roster entry, with the member in one transaction.
        let roster = Put::builder()
            .table_name(&self.table)
            .item("pk", s(roster_pk(&member.operator)))
            .item("sk", s(member.user_id.as_str()))
            .build()
            .map_err(build_error("member"))?;
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().put(roster).build(),
        ];
        self.transact("TransactWriteItems(create_member)", items).await
    }

    async fn set_member_status(
        &self,
        op: &OperatorId,
        user: &UserId,
        from: MemberStatus,
        to: MemberStatus,
        at: Timestamp,
    ) -> Result<Written, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"))
            .update_expression("SET #status = :to, status_since = :at")
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":at", attr("member", &at)?)
            .expression_attribute_values(":to", attr("member", &to)?)
            .expression_attribute_values(":from", attr("member", &from)?)
            .send()
            .await;
        conditional("UpdateItem", result)
    }

    async fn delete_member(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError> {
        for (pk, sk) in [
            (user_pk(op, user), "MEMBER".to_owned()),
            (roster_pk(op), user.to_string()),
        ] {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(pk))
                .key("sk", s(sk))
                .send()
                .await
                .map_err(dynamo_error("DeleteItem"))?;
        }
        Ok(())
    }

    async fn set_onboarding(
        &self,
        op: &OperatorId,
        user: &UserId,
        step: Option<crate::member::Onboarding>,
    ) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"));
        let update = match step {
            Some(step) => update
                .update_expression("SET onboarding = :step")
                .expression_attribute_values(":step", attr("member", &step)?),
            None => update.update_expression("REMOVE onboarding"),
        };
        update
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        Ok(())
    }

    async fn set_checked_in_for(&self, op: &OperatorId, user: &UserId, check: Timestamp) -> Result<(), StoreError> {
        self.set_member_field(op, user, "checked_in_for", attr("member", &check)?)
            .await
    }

    async fn record_answered_check(
        &self,
        op: &OperatorId,
        user: &UserId,
        check: &Check,
    ) -> Result<Written, StoreError> {
        self.transact(
            "TransactWriteItems(record_answered_check)",
            vec![self.check_put(op, user, check, None)?],
        )
        .await
    }

    async fn update_schedule(
        &self,
        op: &OperatorId,
        user: &UserId,
        schedule: &CheckSchedule,
        since: Timestamp,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"))
            .update_expression("SET schedule = :schedule, schedule_since = :since")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":schedule", attr("member", schedule)?)
            .expression_attribute_values(":since", attr("member", &since)?)
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        Ok(())
    }

    async fn members(&self, op: &OperatorId) -> Result<Vec<UserId>, StoreError> {
        self.query_partition(roster_pk(op))
            .await?
            .into_iter()
            .filter_map(|i| {
                i.get("sk")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|u| UserId::new(u).ok())
            })
            .map(Ok)
            .collect()
    }

    async fn latest_check(&self, op: &OperatorId, user: &UserId) -> Result<Option<Timestamp>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(user_pk(op, user)))
            .expression_attribute_values(":prefix", s("CHECK#"))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo_error("Query"))?;
        Ok(out
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .and_then(|i| i.get("sk").and_then(|v| v.as_s().ok()).cloned())
            .and_then(|sk| sk.strip_prefix("CHECK#").and_then(|t| t.parse::<i64>().ok()))
            .and_then(|secs| Timestamp::from_second(secs).ok()))
    }

    async fn missed_check_reported(&self, op: &OperatorId, user: &UserId, slot: Timestamp) -> Result<bool, StoreError> {
        Ok(self
            .get(user_pk(op, user), &format!("MISSED#{}", slot.as_second()))
            .await?
            .is_some())
    }

    async fn mark_missed_check_reported(
        &self,
        op: &OperatorId,
        user: &UserId,
        slot: Timestamp,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(user_pk(op, user)))
            .item("sk", s(format!("MISSED#{}", slot.as_second())))
            .item("expires_at", epoch(slot + SignedDuration::from_hours(24 * 30)))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn set_pause(
        &self,
        op: &OperatorId,
        user: &UserId,
        resume_on: Option<jiff::civil::Date>,
    ) -> Result<Written, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"));
        let update = match resume_on {
            Some(day) => update
                .update_expression("SET #status = :paused, resume_on = :day")
                .condition_expression("#status IN (:active, :paused)")
                .expression_attribute_values(":day", attr("member", &day)?)
                .expression_attribute_values(":active", attr("member", &MemberStatus::Active)?),
            None => update
                .update_expression("SET #status = :active REMOVE resume_on")
                .condition_expression("#status = :paused")
                .expression_attribute_values(":active", attr("member", &MemberStatus::Active)?),
        };
        let result = update
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":paused", attr("member", &MemberStatus::Paused)?)
            .send()
            .await;
        conditional("UpdateItem", result)
    }

    async fn record(
        &self,
        op: &OperatorId,
        user: &UserId,
        at: Timestamp,
        event: &HistoryEvent,
    ) -> Result<(), StoreError> {
        let record = HistoryRecord {
            at,
            event: event.clone(),
        };
        let kind = serde_json::to_value(event)
            .ok()
            .and_then(|v| v["event"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let sk = format!("HISTORY#{:020}#{:012}#{kind}", at.as_nanosecond(), sequence());
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item("history", user_pk(op, user), sk, &record, None)?))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn history(&self, op: &OperatorId, user: &UserId) -> Result<Vec<(Timestamp, HistoryEvent)>, StoreError> {
        self.query_prefix(user_pk(op, user), "HISTORY#")
            .await?
            .into_iter()
            .map(|i| read::<HistoryRecord>("history", i).map(|r| (r.at, r.event)))
            .collect()
    }

    async fn check(
        &self,
        op: &OperatorId,
        user: &UserId,
        scheduled_at: Timestamp,
    ) -> Result<Option<Check>, StoreError> {
        self.get(user_pk(op, user), &check_sk(scheduled_at))
            .await?
            .map(|i| read("check", i))
            .transpose()
    }

    async fn open_check(&self, member: &Member, check: &Check, push: &Push) -> Result<Written, StoreError> {
        let (op, user) = (&member.operator, &member.user_id);
        let claim_member = Update::builder()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"))
            .update_expression("SET open_check = :check")
            .condition_expression("#status = :active AND attribute_not_exists(open_check)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":check", attr("check", &check.scheduled_at)?)
            .expression_attribute_values(":active", attr("member", &MemberStatus::Active)?)
            .build()
            .map_err(|e| StoreError::Corrupt {
                what: "member",
                message: e.to_string(),
            })?;
        let items = vec![
            self.check_put(op, user, check, None)?,
            TransactWriteItem::builder().update(claim_member).build(),
            self.outbox_put(op, user, push, check.sent_at)?,
        ];
        self.transact("TransactWriteItems(open_check)", items).await
    }

    async fn advance_check(
        &self,
        op: &OperatorId,
        user: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
    ) -> Result<Written, StoreError> {
        let now = to.reminded_at.or(to.overdue_at).unwrap_or(to.sent_at);
        let mut items = vec![self.check_put(op, user, to, Some(from))?];
        for p in pushes {
            items.push(self.outbox_put(op, user, p, now)?);
        }
        self.transact("TransactWriteItems(advance_check)", items).await
    }

    async fn acknowledge(
        &self,
        op: &OperatorId,
        user: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError> {
        let close_member = Update::builder()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"))
            .update_expression("REMOVE open_check SET last_sign_of_life = :now ADD acknowledged_checks :one")
            .condition_expression("open_check = :check")
            .expression_attribute_values(":check", attr("check", &from.scheduled_at)?)
            .expression_attribute_values(":now", attr("member", &now)?)
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(|e| StoreError::Corrupt {
                what: "member",
                message: e.to_string(),
            })?;
        let mut items = vec![
            self.check_put(op, user, to, Some(from))?,
            TransactWriteItem::builder().update(close_member).build(),
        ];
        for p in pushes {
            items.push(self.outbox_put(op, user, p, now)?);
        }
        self.transact("TransactWriteItems(acknowledge)", items).await
    }

    async fn note_sign_of_life(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s("MEMBER"))
            .update_expression("SET last_sign_of_life = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", attr("member", &now)?)
            .send()
            .await;
        // A missing record is fine here: there is nothing to change.
        conditional("UpdateItem", result).map(|_| ())
    }

    async fn add_pushes(
        &self,
        op: &OperatorId,
        user: &UserId,
        check: Timestamp,
        state: CheckState,
        pushes: &[Push],
    ) -> Result<Written, StoreError> {
        let still = ConditionCheck::builder()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s(check_sk(check)))
            .condition_expression("#state = :state")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":state", attr("check", &state)?)
            .build()
            .map_err(|e| StoreError::Corrupt {
                what: "check",
                message: e.to_string(),
            })?;
        let now = Timestamp::now();
        let mut items = vec![TransactWriteItem::builder().condition_check(still).build()];
        for p in pushes {
            items.push(self.outbox_put(op, user, p, now)?);
        }
        self.transact("TransactWriteItems(add_pushes)", items).await
    }

    async fn pushes(
        &self,
        op: &OperatorId,
        user: &UserId,
        check: Timestamp,
        kind: Option<PushKind>,
    ) -> Result<Vec<(Push, bool)>, StoreError> {
        let prefix = format!("OUTBOX#{}#", crate::ids::CheckId(check).key());
        let mut out = Vec::new();
        for i in self.query_prefix(user_pk(op, user), &prefix).await? {
            let r: OutboxRecord = read("push", i)?;
            if kind.is_some_and(|k| k != r.kind) {
                continue;
            }
            let messages = serde_json::from_str(&r.messages).map_err(|e| StoreError::Corrupt {
                what: "push",
                message: e.to_string(),
            })?;
            out.push((
                Push {
                    key: r.key,
                    kind: r.kind,
                    to: r.to,
                    messages,
                },
                r.status == PushStatus::Sent,
            ));
        }
        Ok(out)
    }

    async fn mark_sent(&self, op: &OperatorId, user: &UserId, push: &Push, now: Timestamp) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s(outbox_sk(&push.key)))
            .update_expression("SET #status = :sent, sent_at = :now")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sent", attr("push", &PushStatus::Sent)?)
            .expression_attribute_values(":now", attr("push", &now)?)
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        Ok(())
    }

    async fn next_case_number(&self, op: &OperatorId) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(operator_pk(op)))
            .key("sk", s("COUNTER#case"))
            .update_expression("SET n = if_not_exists(n, :base) + :one")
            .expression_attribute_values(":base", n(FIRST_CASE_NUMBER))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        out.attributes
            .and_then(|a| a.get("n").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()))
            .ok_or(StoreError::Corrupt {
                what: "case counter",
                message: "no number returned".into(),
            })
    }

    async fn create_invitation(&self, op: &OperatorId, invitation: &Invitation) -> Result<Written, StoreError> {
        let expires = Some(invitation.valid_until + SignedDuration::from_hours(24));
        let to_err = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Corrupt {
            what: "invitation",
            message: e.to_string(),
        };
        let code = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "invitation",
                format!("{op}#INVITE#{}", invitation.code.as_str()),
                "INVITE".into(),
                invitation,
                expires,
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(to_err)?;
        // A reference in the member's partition, so that erasing the member finds the code.
        let reference = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "invitation",
                user_pk(op, &invitation.member),
                format!("INVITE_REF#{}", invitation.code.as_str()),
                &serde_json::json!({ "code": invitation.code.as_str() }),
                expires,
            )?))
            .build()
            .map_err(to_err)?;
        let items = vec![
            TransactWriteItem::builder().put(code).build(),
            TransactWriteItem::builder().put(reference).build(),
        ];
        self.transact("TransactWriteItems(create_invitation)", items).await
    }

    async fn watched_members(&self, op: &OperatorId, user: &UserId) -> Result<Vec<UserId>, StoreError> {
        self.query_prefix(user_pk(op, user), "WATCHES#")
            .await?
            .into_iter()
            .map(|i| read::<WatchRecord>("contact", i).map(|w| w.member))
            .collect()
    }

    async fn erase_member(&self, op: &OperatorId, user: &UserId) -> Result<usize, StoreError> {
        let pk = user_pk(op, user);
        let mut keys: Vec<(String, String)> = Vec::new();
        for i in self.query_partition(pk.clone()).await? {
            let sk = i.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            // The other side of each contact link, and the invitation codes.
            if let Some(contact) = sk.strip_prefix("CONTACT#") {
                keys.push((format!("{op}#USER#{contact}"), format!("WATCHES#{user}")));
            } else if let Some(member) = sk.strip_prefix("WATCHES#") {
                keys.push((format!("{op}#USER#{member}"), format!("CONTACT#{user}")));
                let _ = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key("pk", s(format!("{op}#USER#{member}")))
                    .key("sk", s("MEMBER"))
                    .update_expression("ADD contact_count :minus")
                    .condition_expression("attribute_exists(pk) AND contact_count > :zero")
                    .expression_attribute_values(":minus", n(-1))
                    .expression_attribute_values(":zero", n(0))
                    .send()
                    .await;
            } else if let Some(code) = sk.strip_prefix("INVITE_REF#") {
                keys.push((format!("{op}#INVITE#{code}"), "INVITE".into()));
            } else if sk.starts_with("CHECK#") {
                // The member's cases: the record and its history (names, notes) go too;
                // only the anonymous report facts outlive them.
                let case = i
                    .get("case_number")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<u64>().ok());
                if let Some(number) = case {
                    for item in self.query_partition(case_pk(op, number)).await? {
                        let case_sk = item.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                        keys.push((case_pk(op, number), case_sk));
                    }
                }
            }
            keys.push((pk.clone(), sk));
        }
        keys.push((roster_pk(op), user.to_string()));
        let erased = keys.len();
        for chunk in keys.chunks(25) {
            let mut requests: Vec<aws_sdk_dynamodb::types::WriteRequest> = Vec::new();
            for (pk, sk) in chunk {
                let delete = aws_sdk_dynamodb::types::DeleteRequest::builder()
                    .key("pk", s(pk.clone()))
                    .key("sk", s(sk.clone()))
                    .build()
                    .map_err(|e| StoreError::Corrupt {
                        what: "key",
                        message: e.to_string(),
                    })?;
                requests.push(
                    aws_sdk_dynamodb::types::WriteRequest::builder()
                        .delete_request(delete)
                        .build(),
                );
            }
            // Unprocessed items are retried: erasure must be complete.
            for _ in 0..5 {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(dynamo_error("BatchWriteItem"))?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
            }
            if !requests.is_empty() {
                return Err(StoreError::Dynamo {
                    operation: "BatchWriteItem",
                    message: "items left unprocessed".into(),
                });
            }
        }
        Ok(erased)
    }

    async fn redeem_invitation(
        &self,
        op: &OperatorId,
        code: &InviteCode,
        by: &UserId,
    ) -> Result<Option<Invitation>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("{op}#INVITE#{}", code.as_str())))
            .key("sk", s("INVITE"))
            .update_expression("SET redeemed_by = :by")
            .condition_expression("attribute_exists(pk) AND (attribute_not_exists(redeemed_by) OR redeemed_by = :by)")
            .expression_attribute_values(":by", s(by.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => out.attributes.map(|i| read("invitation", i)).transpose(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(dynamo_error("UpdateItem")(e)),
        }
    }

    async fn wrong_codes_this_hour(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<u32, StoreError> {
        let sk = format!("WRONG_CODE#{}", now.as_second() / 3600);
        let item = self.get(user_pk(op, user), &sk).await?;
        Ok(item
            .and_then(|i| i.get("n").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()))
            .unwrap_or(0))
    }

    async fn record_wrong_code(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, user)))
            .key("sk", s(format!("WRONG_CODE#{}", now.as_second() / 3600)))
            .update_expression("ADD n :one SET expires_at = :expires")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":expires", epoch(now + SignedDuration::from_hours(2)))
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        Ok(())
    }

    async fn link_contact(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &Contact,
        max: u8,
    ) -> Result<Written, StoreError> {
        let to_err = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Corrupt {
            what: "contact",
            message: e.to_string(),
        };
        let link = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "contact",
                user_pk(op, member),
                format!("CONTACT#{}", contact.user_id),
                contact,
                None,
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(to_err)?;
        let watch = WatchRecord {
            member: member.clone(),
            linked_at: contact.linked_at,
        };
        let back = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "contact",
                user_pk(op, &contact.user_id),
                format!("WATCHES#{member}"),
                &watch,
                None,
            )?))
            .build()
            .map_err(to_err)?;
        let count = Update::builder()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, member)))
            .key("sk", s("MEMBER"))
            .update_expression("ADD contact_count :one")
            .condition_expression("#status = :active AND contact_count < :max")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", attr("member", &MemberStatus::Active)?)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(max))
            .build()
            .map_err(to_err)?;
        let items = vec![
            TransactWriteItem::builder().put(link).build(),
            TransactWriteItem::builder().put(back).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        self.transact("TransactWriteItems(link_contact)", items).await
    }

    async fn contacts(&self, op: &OperatorId, member: &UserId) -> Result<Vec<Contact>, StoreError> {
        self.query_prefix(user_pk(op, member), "CONTACT#")
            .await?
            .into_iter()
            .map(|i| read("contact", i))
            .collect()
    }

    async fn unlink_contact(&self, op: &OperatorId, member: &UserId, contact: &UserId) -> Result<Written, StoreError> {
        let to_err = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Corrupt {
            what: "contact",
            message: e.to_string(),
        };
        let link = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, member)))
            .key("sk", s(format!("CONTACT#{contact}")))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(to_err)?;
        let back = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, contact)))
            .key("sk", s(format!("WATCHES#{member}")))
            .build()
            .map_err(to_err)?;
        let count = Update::builder()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, member)))
            .key("sk", s("MEMBER"))
            .update_expression("ADD contact_count :minus")
            .expression_attribute_values(":minus", n(-1))
            .build()
            .map_err(to_err)?;
        let items = vec![
            TransactWriteItem::builder().delete(link).build(),
            TransactWriteItem::builder().delete(back).build(),
            TransactWriteItem::builder().update(count).build(),
        ];
        self.transact("TransactWriteItems(unlink_contact)", items).await
    }

    async fn set_phone_for(&self, op: &OperatorId, user: &UserId, contact: Option<&UserId>) -> Result<(), StoreError> {
        let value = contact.map_or(AttributeValue::Null(true), |c| s(c.as_str()));
        self.set_member_field(op, user, "phone_for", value).await
    }

    async fn set_contact_phone(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &UserId,
        phone: Option<&str>,
    ) -> Result<Written, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(user_pk(op, member)))
            .key("sk", s(format!("CONTACT#{contact}")))
            .condition_expression("attribute_exists(pk)");
        let update = match phone {
            Some(phone) => update
                .update_expression("SET phone = :phone")
                .expression_attribute_values(":phone", s(phone)),
            None => update.update_expression("REMOVE phone"),
        };
        conditional("UpdateItem", update.send().await)
    }

    async fn mark_left_counted(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError> {
        self.set_member_field(op, user, "left_counted", AttributeValue::Bool(true))
            .await
    }

    async fn set_demographics(
        &self,
        op: &OperatorId,
        user: &UserId,
        age_band: Option<crate::member::AgeBand>,
        gender: Option<crate::member::Gender>,
    ) -> Result<(), StoreError> {
        let none = || AttributeValue::Null(true);
        let age = age_band.map_or_else(|| Ok(none()), |a| attr("member", &a))?;
        let gender = gender.map_or_else(|| Ok(none()), |g| attr("member", &g))?;
        self.set_member_field(op, user, "age_band", age).await?;
        self.set_member_field(op, user, "gender", gender).await
    }

    async fn set_lang(&self, op: &OperatorId, user: &UserId, lang: crate::member::Lang) -> Result<(), StoreError> {
        self.set_member_field(op, user, "lang", attr("member", &lang)?).await
    }

    async fn is_contact(&self, op: &OperatorId, user: &UserId) -> Result<bool, StoreError> {
        Ok(!self.query_prefix(user_pk(op, user), "WATCHES#").await?.is_empty())
    }

    async fn open_case(&self, op: &OperatorId, case: &crate::case::Case) -> Result<Written, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item("case", case_pk(op, case.number), "CASE".into(), case, None)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error("case"))?;
        let opened = CaseEvent::Opened { check: case.check };
        let change = TransactWriteItem::builder().put(put).build();
        self.case_change(
            "TransactWriteItems(open_case)",
            op,
            case.number,
            change,
            &[opened],
            case.opened(),
        )
        .await
    }

    async fn case(&self, op: &OperatorId, number: u64) -> Result<Option<crate::case::Case>, StoreError> {
        self.get(case_pk(op, number), "CASE")
            .await?
            .map(|i| read("case", i))
            .transpose()
    }

    async fn take_case(&self, op: &OperatorId, number: u64, by: &Actor, at: Timestamp) -> Result<Written, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(case_pk(op, number)))
            .key("sk", s("CASE"))
            .update_expression("SET taken_by = :by, taken_by_name = :name")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(taken_by)")
            .expression_attribute_values(":by", s(by.id.as_str()))
            .expression_attribute_values(":name", s(&by.name))
            .build()
            .map_err(build_error("case"))?;
        let taken = CaseEvent::Taken { by: by.clone() };
        let change = TransactWriteItem::builder().update(update).build();
        self.case_change("TransactWriteItems(take_case)", op, number, change, &[taken], at)
            .await
    }

    async fn close_case(
        &self,
        op: &OperatorId,
        number: u64,
        outcome: Outcome,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Written, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(case_pk(op, number)))
            .key("sk", s("CASE"))
            .update_expression("SET outcome = :outcome REMOVE next_follow_up")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(outcome)")
            .expression_attribute_values(":outcome", attr("outcome", &outcome)?)
            .build()
            .map_err(build_error("case"))?;
        let closed = CaseEvent::Closed {
            outcome,
            by: by.cloned(),
        };
        let change = TransactWriteItem::builder().update(update).build();
        self.case_change("TransactWriteItems(close_case)", op, number, change, &[closed], at)
            .await
    }

    async fn advance_follow_up(
        &self,
        op: &OperatorId,
        number: u64,
        step: &FollowUpStep,
        events: &[CaseEvent],
        at: Timestamp,
    ) -> Result<Written, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(case_pk(op, number)))
            .key("sk", s("CASE"))
            .condition_expression(
                "attribute_exists(pk) AND follow_ups = :from AND attribute_not_exists(taken_by) \
                 AND attribute_not_exists(outcome)",
            )
            .expression_attribute_values(":from", n(step.from))
            .expression_attribute_values(":to", n(step.to))
            .expression_attribute_values(":levels", n(step.levels_done));
        update = match step.next {
            Some(next) => update
                .update_expression("SET follow_ups = :to, levels_done = :levels, next_follow_up = :next")
                .expression_attribute_values(":next", attr("case", &next)?),
            None => update.update_expression("SET follow_ups = :to, levels_done = :levels REMOVE next_follow_up"),
        };
        let change = TransactWriteItem::builder()
            .update(update.build().map_err(build_error("case"))?)
            .build();
        self.case_change("TransactWriteItems(advance_follow_up)", op, number, change, events, at)
            .await
    }

    async fn record_case_event(
        &self,
        op: &OperatorId,
        number: u64,
        at: Timestamp,
        event: &CaseEvent,
        key: Option<&str>,
    ) -> Result<(), StoreError> {
        let Some(key) = key else {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(self.case_event_item(op, number, at, event)?))
                .send()
                .await
                .map_err(dynamo_error("PutItem"))?;
            return Ok(());
        };
        // With a key: a marker written once, in the same transaction as the event, so a
        // redelivery finds the marker and records nothing.
        let marker = Put::builder()
            .table_name(&self.table)
            .item("pk", s(case_pk(op, number)))
            .item("sk", s(format!("KEY#{key}")))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error("case event"))?;
        let items = vec![
            TransactWriteItem::builder().put(marker).build(),
            self.case_event_put(op, number, at, event)?,
        ];
        // `Conflict`: recorded before.
        self.transact("TransactWriteItems(record_case_event)", items)
            .await
            .map(|_| ())
    }

    async fn case_history(&self, op: &OperatorId, number: u64) -> Result<Vec<(Timestamp, CaseEvent)>, StoreError> {
        self.query_prefix(case_pk(op, number), "EVENT#")
            .await?
            .into_iter()
            .map(|i| read::<CaseEventRecord>("case event", i).map(|r| (r.at, r.event)))
            .collect()
    }

    async fn enrol_staff(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError> {
        let sk = format!("STAFF#{}", staff.user_id);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item("staff", operator_pk(op), sk, staff, None)?))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn remove_staff(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(operator_pk(op)))
            .key("sk", s(format!("STAFF#{user}")))
            .send()
            .await
            .map_err(dynamo_error("DeleteItem"))?;
        // No longer on duty either.
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(operator_pk(op)))
            .key("sk", s("ON_DUTY"))
            .condition_expression("user_id = :u")
            .expression_attribute_values(":u", s(user.as_str()))
            .send()
            .await;
        conditional("DeleteItem", result).map(|_| ())
    }

    async fn staff(&self, op: &OperatorId, user: &UserId) -> Result<Option<Staff>, StoreError> {
        self.get(operator_pk(op), &format!("STAFF#{user}"))
            .await?
            .map(|i| read("staff", i))
            .transpose()
    }

    async fn set_on_duty(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item("staff", operator_pk(op), "ON_DUTY".into(), staff, None)?))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn on_duty(&self, op: &OperatorId) -> Result<Option<Staff>, StoreError> {
        self.get(operator_pk(op), "ON_DUTY")
            .await?
            .map(|i| read("staff", i))
            .transpose()
    }

    async fn record_fact(&self, op: &OperatorId, month: &str, fact: &Fact) -> Result<(), StoreError> {
        let pk = format!("{op}#REPORT");
        let sk = format!("{month}#{}", fact.key());
        if let Fact::Check {
            who,
            check,
            sent,
            answered_ahead,
            reminded,
            escalated,
            answered,
        } = fact
        {
            // Flags are only ever set: facts recorded twice or out of order add up.
            let mut sets = vec!["fact = :fact", "who = :who", "#check = :check"];
            for (set, name) in [
                (*sent, "sent = :t"),
                (*answered_ahead, "answered_ahead = :t"),
                (*reminded, "reminded = :t"),
                (*escalated, "escalated = :t"),
                (*answered, "answered = :t"),
            ] {
                if set {
                    sets.push(name);
                }
            }
            self.client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(pk))
                .key("sk", s(sk))
                .update_expression(format!("SET {}", sets.join(", ")))
                .expression_attribute_names("#check", "check")
                .expression_attribute_values(":fact", s("check"))
                .expression_attribute_values(":who", s(who.as_str()))
                .expression_attribute_values(":check", n(*check))
                .expression_attribute_values(":t", AttributeValue::Bool(true))
                .send()
                .await
                .map_err(dynamo_error("UpdateItem"))?;
            return Ok(());
        }
        let mut record = item("fact", pk, sk, fact, None)?;
        record.insert("month".into(), s(month));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn facts(&self, op: &OperatorId, month: Option<&str>) -> Result<Vec<Recorded>, StoreError> {
        let pk = format!("{op}#REPORT");
        let items = match month {
            Some(m) => self.query_prefix(pk, &format!("{m}#")).await?,
            None => self.query_partition(pk).await?,
        };
        items
            .into_iter()
            .map(|mut i| {
                let sk = i.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let month = sk.split('#').next().unwrap_or_default().to_owned();
                i.remove("pk");
                i.remove("sk");
                i.remove("month");
                read::<Fact>("fact", i).map(|fact| Recorded { month, fact })
            })
            .collect()
    }

    async fn staff_room(&self, op: &OperatorId) -> Result<Option<StaffRoom>, StoreError> {
        self.get(operator_pk(op), "STAFF_ROOM")
            .await?
            .map(|i| read("staff room", i))
            .transpose()
    }

    async fn set_staff_room(&self, op: &OperatorId, room: &StaffRoom) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                "staff room",
                operator_pk(op),
                "STAFF_ROOM".into(),
                room,
                None,
            )?))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn clear_staff_room(&self, op: &OperatorId, group: &GroupId) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(operator_pk(op)))
            .key("sk", s("STAFF_ROOM"))
            .condition_expression("group_id = :g")
            .expression_attribute_values(":g", s(group.as_str()))
            .send()
            .await;
        // A missing record is fine here: there is nothing to change.
        conditional("DeleteItem", result).map(|_| ())
    }
}
