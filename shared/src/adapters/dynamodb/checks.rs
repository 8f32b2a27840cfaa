//! Checks and their pushes (the outbox), and the watchdog's markers.

use super::*;
use crate::ports::{Alongside, Checks};

#[async_trait]
impl Checks for DynamoStore {
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

    async fn check(
        &self,
        op: &OperatorId,
        user: &UserId,
        scheduled_at: Timestamp,
    ) -> Result<Option<Check>, StoreError> {
        self.get(keys::person(op, user), &keys::check(scheduled_at))
            .await?
            .map(|i| read("check", i))
            .transpose()
    }

    async fn open_check(
        &self,
        member: &Member,
        check: &Check,
        push: &Push,
        alongside: &Alongside,
    ) -> Result<Written, StoreError> {
        let (op, user) = (&member.operator, &member.user_id);
        let claim_member = ItemUpdate::new(keys::person(op, user), keys::MEMBER, "SET open_check = :check")
            .when("#status = :active AND attribute_not_exists(open_check)")
            .name("#status", "status")
            .value(":check", attr("check", &check.scheduled_at)?)
            .value(":active", attr("member", &MemberStatus::Active)?);
        let mut items = vec![
            self.check_put(op, user, check, None)?,
            claim_member.in_transaction(&self.table, "member")?,
            self.outbox_put(op, user, push, check.sent_at)?,
        ];
        items.extend(self.alongside(op, user, alongside)?);
        self.transact("TransactWriteItems(open_check)", items).await
    }

    async fn advance_check(
        &self,
        op: &OperatorId,
        user: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError> {
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
        alongside: &Alongside,
    ) -> Result<Written, StoreError> {
        let close_member = ItemUpdate::new(
            keys::person(op, user),
            keys::MEMBER,
            "REMOVE open_check SET last_sign_of_life = :now ADD acknowledged_checks :one",
        )
        .when("open_check = :check")
        .value(":check", attr("check", &from.scheduled_at)?)
        .value(":now", attr("member", &now)?)
        .value(":one", n(1));
        let mut items = vec![
            self.check_put(op, user, to, Some(from))?,
            close_member.in_transaction(&self.table, "member")?,
        ];
        for p in pushes {
            items.push(self.outbox_put(op, user, p, now)?);
        }
        items.extend(self.alongside(op, user, alongside)?);
        self.transact("TransactWriteItems(acknowledge)", items).await
    }

    async fn note_sign_of_life(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<(), StoreError> {
        let noted = ItemUpdate::new(keys::person(op, user), keys::MEMBER, "SET last_sign_of_life = :now")
            .when("attribute_exists(pk)")
            .value(":now", attr("member", &now)?);
        // A missing record is fine here: there is nothing to change.
        self.update(noted).await.map(|_| ())
    }

    async fn add_pushes(
        &self,
        op: &OperatorId,
        user: &UserId,
        check: Timestamp,
        state: CheckState,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError> {
        // Counted on the check, so an answer planned before these pushes (its all-clear
        // to those alerted until then) is refused and planned again with them.
        let still = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::person(op, user)))
            .key("sk", s(keys::check(check)))
            .update_expression("ADD pushes_added :one")
            .condition_expression("#state = :state")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":state", attr("check", &state)?)
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(build_error("check"))?;
        let mut items = vec![TransactWriteItem::builder().update(still).build()];
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
    ) -> Result<Vec<crate::outbox::Outboxed>, StoreError> {
        let prefix = keys::outbox_of(check);
        let mut out = Vec::new();
        for i in self.query_prefix(keys::person(op, user), &prefix).await? {
            let r: OutboxRecord = read("push", i)?;
            if kind.is_some_and(|k| k != r.kind) {
                continue;
            }
            let messages = serde_json::from_str(&r.messages).map_err(corrupt("push"))?;
            out.push(crate::outbox::Outboxed {
                push: Push {
                    key: r.key,
                    kind: r.kind,
                    to: r.to,
                    messages,
                },
                settled: r.status != PushStatus::Pending,
                recorded_at: r.created_at,
            });
        }
        Ok(out)
    }

    async fn record_notices(
        &self,
        op: &OperatorId,
        user: &UserId,
        notices: &[Push],
        now: Timestamp,
    ) -> Result<Vec<Push>, StoreError> {
        let mut pending = Vec::new();
        for push in notices {
            let put = self.outbox_put(op, user, push, now)?;
            if self.transact("TransactWriteItems(record_notice)", vec![put]).await? == Written::Done {
                pending.push(push.clone());
                continue;
            }
            // Recorded by an earlier attempt: send it again only if it may not have gone.
            let recorded = self.get(keys::person(op, user), &keys::outbox(&push.key)).await?;
            let recorded: Option<OutboxRecord> = recorded.map(|i| read("push", i)).transpose()?;
            if recorded.is_none_or(|r| r.status == PushStatus::Pending) {
                pending.push(push.clone());
            }
        }
        Ok(pending)
    }

    async fn mark_sent(&self, op: &OperatorId, user: &UserId, push: &Push, now: Timestamp) -> Result<(), StoreError> {
        let sent = ItemUpdate::new(
            keys::person(op, user),
            keys::outbox(&push.key),
            "SET #status = :sent, sent_at = :now",
        )
        .name("#status", "status")
        .value(":sent", attr("push", &PushStatus::Sent)?)
        .value(":now", attr("push", &now)?);
        self.update(sent).await?;
        Ok(())
    }

    async fn mark_failed(&self, op: &OperatorId, user: &UserId, push: &Push, now: Timestamp) -> Result<(), StoreError> {
        let failed = ItemUpdate::new(
            keys::person(op, user),
            keys::outbox(&push.key),
            "SET #status = :failed, failed_at = :now",
        )
        .name("#status", "status")
        .value(":failed", attr("push", &PushStatus::Failed)?)
        .value(":now", attr("push", &now)?);
        self.update(failed).await?;
        Ok(())
    }

    async fn latest_check(&self, op: &OperatorId, user: &UserId) -> Result<Option<Timestamp>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(keys::person(op, user)))
            .expression_attribute_values(":prefix", s(keys::CHECKS))
            .scan_index_forward(false)
            .limit(1)
            // The watchdog's question: was the check of an hour or more ago recorded?
            .consistent_read(false)
            .send()
            .await
            .map_err(dynamo_error("Query"))?;
        let latest = out.items.unwrap_or_default().into_iter().next();
        // The slots it absorbed (a reminder at the next due time, a repeat) count too.
        Ok(latest
            .map(|i| read::<Check>("check", i))
            .transpose()?
            .map(|c| c.scheduled_at.max(c.last_slot)))
    }

    async fn expect(&self, op: &OperatorId, user: &UserId, at: Timestamp) -> Result<(), StoreError> {
        // The mention first: a list entry is never left that the member's erasure misses.
        let [entry, mention] = due_items(op, user, at);
        self.put(mention).await?;
        self.put(entry).await
    }

    async fn expected(&self, op: &OperatorId, hour: Timestamp, until: Timestamp) -> Result<Vec<UserId>, StoreError> {
        let mut users: Vec<UserId> = Vec::new();
        // Written an hour or more before the round that reads it.
        for pk in keys::due_hour_all(op, hour) {
            users.extend(
                self.query_settled_partition(pk)
                    .await?
                    .iter()
                    .filter_map(|i| i.get("sk").and_then(|v| v.as_s().ok()))
                    .filter_map(|sk| keys::parse_due_entry(sk))
                    .filter(|(at, _)| *at <= until)
                    .map(|(_, user)| user),
            );
        }
        users.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        users.dedup();
        Ok(users)
    }

    async fn missed_check_reported(&self, op: &OperatorId, user: &UserId, slot: Timestamp) -> Result<bool, StoreError> {
        Ok(self.get(keys::person(op, user), &keys::missed(slot)).await?.is_some())
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
            .item("pk", s(keys::person(op, user)))
            .item("sk", s(keys::missed(slot)))
            .item("expires_at", epoch(slot + SignedDuration::from_hours(24 * 30)))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }
}

/// A member's entry in the watchdog's list of the hour `at` falls in (kept 48 hours),
/// and its mention in the member's partition (their erasure deletes the entry).
fn due_items(op: &OperatorId, user: &UserId, at: Timestamp) -> [Item; 2] {
    let (pk, sk) = (keys::due_hour(op, at, user), keys::due_entry(at, user));
    let expires = at + SignedDuration::from_hours(48);
    let mention = super::mention_item(op, user, &pk, &sk, Some(expires));
    let entry = Item::from([
        ("pk".to_owned(), s(pk)),
        ("sk".to_owned(), s(sk)),
        ("expires_at".to_owned(), epoch(expires)),
    ]);
    [entry, mention]
}

impl DynamoStore {
    /// The items of what goes alongside a check in its transaction: each list entry
    /// once (a transaction may name an item only once), and the check's fact.
    fn alongside(
        &self,
        op: &OperatorId,
        user: &UserId,
        alongside: &Alongside,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut times = alongside.expect.clone();
        times.sort();
        times.dedup();
        let mut items = Vec::new();
        for at in times {
            for item in due_items(op, user, at) {
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .build()
                    .map_err(build_error("TransactWriteItems"))?;
                items.push(TransactWriteItem::builder().put(put).build());
            }
        }
        if let Some(recorded) = &alongside.fact
            && let Some(update) = super::facts::check_fact_update(op, &recorded.month, &recorded.fact)
        {
            items.push(update.in_transaction(&self.table, "fact")?);
        }
        Ok(items)
    }
}
