//! The store on one DynamoDB table, one file per aggregate (`keys` holds the key
//! table; `codec` turns records into items and back). Each file implements the port of
//! the same name in `crate::ports`.

mod cases;
mod checks;
mod codec;
mod contacts;
mod erasure;
mod errors;
mod events;
mod facts;
pub mod keys;
mod members;
mod staff;
mod update;

use crate::case::{Actor, CaseEvent, FollowUpStep, Outcome, TakerChange};
use crate::check::{Check, CheckState};
use crate::contact::{Contact, Invitation, InviteCode};
use crate::ids::{ChatId, OperatorId, UserId};
use crate::member::{HistoryEvent, Member, MemberChange, MemberStatus};
use crate::outbox::{Push, PushKind};
use crate::ports::{EventClaim, StoreError, Written};
use crate::report::{Fact, Recorded, Tally};
use crate::staff::{Staff, StaffRoom};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use jiff::{SignedDuration, Timestamp};

use codec::*;
use errors::{build_error, conditional, dynamo_error, transacted};
use update::ItemUpdate;

/// How long a webhook event is remembered (LINE redelivers for at most about a day).
const EVENT_MEMORY: SignedDuration = SignedDuration::from_hours(24 * 7);
/// A claim older than this belongs to an invocation that died: the event may be retried.
const EVENT_LEASE: SignedDuration = SignedDuration::from_secs(120);
/// Pushes are needed for a day to retry with their key, while their check's case is
/// open (the all-clear goes to everyone its alerts reached), and for the operator to
/// answer "what did we send, and when" about the last quarter; then they expire.
const OUTBOX_RETENTION: SignedDuration = SignedDuration::from_hours(24 * 100);
/// A check is kept thirteen months: a year of a member's checks for staff and for a
/// report month's last look, then it expires (the report's facts keep the statistics).
/// The watchdog looks back eight days at most.
const CHECK_RETENTION: SignedDuration = SignedDuration::from_hours(24 * 400);
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
            messages: serde_json::to_string(&push.messages).map_err(corrupt("push"))?,
            status: PushStatus::Pending,
            created_at: now,
            sent_at: None,
        };
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "push",
                keys::person(op, user),
                keys::outbox(&push.key),
                &record,
                Some(now + OUTBOX_RETENTION),
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error("push"))?;
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
            keys::person(op, user),
            keys::check(check.scheduled_at),
            check,
            Some(check.scheduled_at + CHECK_RETENTION),
        )?));
        put = match from {
            None => put.condition_expression("attribute_not_exists(pk)"),
            // As read: the same state, slots and pushes added since (none when the
            // attribute is absent).
            Some(from) if from.pushes_added == 0 => put
                .condition_expression(
                    "#state = :from AND last_slot = :last_slot AND attribute_not_exists(pushes_added)",
                )
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":from", attr("check", &from.state)?)
                .expression_attribute_values(":last_slot", attr("check", &from.last_slot)?),
            Some(from) => put
                .condition_expression("#state = :from AND last_slot = :last_slot AND pushes_added = :added")
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":from", attr("check", &from.state)?)
                .expression_attribute_values(":last_slot", attr("check", &from.last_slot)?)
                .expression_attribute_values(":added", n(u64::from(from.pushes_added))),
        };
        let put = put.build().map_err(build_error("check"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Writes an item, replacing one with the same key (no condition).
    async fn put(&self, item: Item) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn transact(&self, operation: &'static str, items: Vec<TransactWriteItem>) -> Result<Written, StoreError> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        transacted(operation, result)
    }

    /// Notes in each of `people`'s partitions that the record at `pk`/`sk` (an empty `sk`:
    /// the whole partition) names them, before it is written: their erasure then finds
    /// it. Written first and alone, so it never contends with the record's own
    /// transaction; a mention of a record that was then not written costs the erasure one
    /// read. The partition's own person (`owner`) is not noted: their erasure deletes it.
    async fn mention(
        &self,
        op: &OperatorId,
        people: &[UserId],
        owner: Option<&UserId>,
        pk: &str,
        sk: &str,
    ) -> Result<(), StoreError> {
        let mut people: Vec<&UserId> = people.iter().filter(|p| Some(*p) != owner).collect();
        people.sort();
        people.dedup();
        for person in people {
            self.put(mention_item(op, person, pk, sk, None)).await?;
        }
        Ok(())
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
        let sk = keys::case_event(at, sequence());
        item("case event", keys::case(op, number), sk, &record, None)
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
        let people: Vec<UserId> = events.iter().flat_map(CaseEvent::people).collect();
        self.mention(op, &people, None, &keys::case(op, number), "").await?;
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

    async fn query_prefix(&self, pk: String, prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query(pk, Some(prefix), true).await
    }

    async fn query_partition(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        self.query(pk, None, true).await
    }

    /// `query_partition` for what was written long enough ago that an eventually
    /// consistent read sees it (the watchdog's lists, an hour old): half the read units.
    async fn query_settled_partition(&self, pk: String) -> Result<Vec<Item>, StoreError> {
        self.query(pk, None, false).await
    }

    /// Every item of a partition, or those whose sort key starts with `prefix`.
    async fn query(&self, pk: String, prefix: Option<&str>, consistent: bool) -> Result<Vec<Item>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", s(pk))
            .consistent_read(consistent);
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

    /// The count of an hour's tries (wrong codes), kept under `sk` of its hour.
    async fn tries(&self, pk: String, sk: &str) -> Result<u32, StoreError> {
        let item = self.get(pk, sk).await?;
        Ok(item
            .and_then(|i| i.get("n").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()))
            .unwrap_or(0))
    }

    /// Counts one more try in its hour's record, which expires an hour after the hour.
    async fn count_try(&self, pk: String, sk: String, now: Timestamp) -> Result<(), StoreError> {
        let counted = ItemUpdate::new(pk, sk, "ADD n :one SET expires_at = :expires")
            .value(":one", n(1))
            .value(":expires", epoch(now + SignedDuration::from_hours(2)));
        self.update(counted).await?;
        Ok(())
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

/// A mention (see `DynamoStore::mention`) in `person`'s partition, expiring with what it
/// points at.
fn mention_item(op: &OperatorId, person: &UserId, pk: &str, sk: &str, expires_at: Option<Timestamp>) -> Item {
    let mut item = Item::from([
        ("pk".to_owned(), s(keys::person(op, person))),
        ("sk".to_owned(), s(keys::mention(pk, sk))),
    ]);
    if let Some(at) = expires_at {
        item.insert("expires_at".to_owned(), epoch(at));
    }
    item
}
