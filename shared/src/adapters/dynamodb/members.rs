//! Members, the roster and the members' history.

use super::*;
use crate::ports::Members;

#[async_trait]
impl Members for DynamoStore {
    async fn member(&self, op: &OperatorId, user: &UserId) -> Result<Option<Member>, StoreError> {
        self.get(keys::person(op, user), keys::MEMBER)
            .await?
            .map(|i| read("member", i))
            .transpose()
    }

    async fn create_member(&self, member: &Member) -> Result<Written, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "member",
                keys::person(&member.operator, &member.user_id),
                keys::MEMBER.into(),
                member,
                None,
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error("member"))?;
        // The roster entry, with the member in one transaction.
        let roster = Put::builder()
            .table_name(&self.table)
            .item("pk", s(keys::roster(&member.operator)))
            .item("sk", s(keys::roster_entry(&member.user_id)))
            .build()
            .map_err(build_error("member"))?;
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().put(roster).build(),
        ];
        self.transact("TransactWriteItems(create_member)", items).await
    }

    async fn delete_member(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError> {
        for (pk, sk) in [
            (keys::person(op, user), keys::MEMBER.to_owned()),
            (keys::roster(op), keys::roster_entry(user)),
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

    async fn roster(&self, op: &OperatorId) -> Result<Vec<UserId>, StoreError> {
        self.query_partition(keys::roster(op))
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

    async fn change(
        &self,
        op: &OperatorId,
        member: &UserId,
        change: &MemberChange,
        history: Option<&HistoryEvent>,
        now: Timestamp,
    ) -> Result<Written, StoreError> {
        let update = member_update(op, member, change, now)?;
        let Some(event) = history else {
            return self.update(update).await;
        };
        let update = update.in_transaction(&self.table, "member")?;
        let history = self.mentioned_history(op, member, now, event).await?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(history))
            .build()
            .map_err(build_error("history"))?;
        self.transact(
            "TransactWriteItems",
            vec![update, TransactWriteItem::builder().put(put).build()],
        )
        .await
    }

    async fn record(
        &self,
        op: &OperatorId,
        user: &UserId,
        at: Timestamp,
        event: &HistoryEvent,
    ) -> Result<(), StoreError> {
        let history = self.mentioned_history(op, user, at, event).await?;
        self.put(history).await?;
        Ok(())
    }

    async fn history(&self, op: &OperatorId, user: &UserId) -> Result<Vec<(Timestamp, HistoryEvent)>, StoreError> {
        self.query_prefix(keys::person(op, user), keys::HISTORY)
            .await?
            .into_iter()
            .map(|i| read::<HistoryRecord>("history", i).map(|r| (r.at, r.event)))
            .collect()
    }
}

impl DynamoStore {
    /// A history record, after the mention of it in the partition of the person it
    /// names, if any.
    async fn mentioned_history(
        &self,
        op: &OperatorId,
        member: &UserId,
        at: Timestamp,
        event: &HistoryEvent,
    ) -> Result<Item, StoreError> {
        let item = history_item(op, member, at, event)?;
        if let Some(person) = event.person() {
            let key = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            self.mention(op, std::slice::from_ref(person), Some(member), &key("pk"), &key("sk"))
                .await?;
        }
        Ok(item)
    }
}

/// A history record, ordered by time (and by this process's order within one instant).
fn history_item(op: &OperatorId, member: &UserId, at: Timestamp, event: &HistoryEvent) -> Result<Item, StoreError> {
    let record = HistoryRecord {
        at,
        event: event.clone(),
    };
    let kind = serde_json::to_value(event)
        .ok()
        .and_then(|v| v["event"].as_str().map(str::to_owned))
        .unwrap_or_default();
    item(
        "history",
        keys::person(op, member),
        keys::history(at, sequence(), kind),
        &record,
        None,
    )
}

/// The update of the member record that a change is.
fn member_update(
    op: &OperatorId,
    member: &UserId,
    change: &MemberChange,
    now: Timestamp,
) -> Result<ItemUpdate, StoreError> {
    let exists = "attribute_exists(pk)";
    let pk = keys::person(op, member);
    let new = |update: &str, condition: &str| ItemUpdate::new(pk.clone(), keys::MEMBER, update).when(condition);
    let with_status = |update: &str, condition: &str| new(update, condition).name("#status", "status");
    let none = || AttributeValue::Null(true);
    Ok(match change {
        MemberChange::Status { from, to } => with_status("SET #status = :to, status_since = :at", "#status = :from")
            .value(":at", attr("member", &now)?)
            .value(":to", attr("member", to)?)
            .value(":from", attr("member", from)?),
        MemberChange::Onboarding(Some(step)) => {
            new("SET onboarding = :step", exists).value(":step", attr("member", step)?)
        }
        MemberChange::Onboarding(None) => new("REMOVE onboarding", exists),
        MemberChange::CheckedInFor(check) => {
            new("SET checked_in_for = :value", exists).value(":value", attr("member", check)?)
        }
        MemberChange::Schedule(schedule) => new("SET schedule = :schedule, schedule_since = :since", exists)
            .value(":schedule", attr("member", schedule)?)
            .value(":since", attr("member", &now)?),
        MemberChange::PauseUntil(day) => with_status(
            "SET #status = :paused, resume_on = :day",
            "#status IN (:active, :paused)",
        )
        .value(":day", attr("member", day)?)
        .value(":active", attr("member", &MemberStatus::Active)?)
        .value(":paused", attr("member", &MemberStatus::Paused)?),
        MemberChange::Resume => with_status("SET #status = :active REMOVE resume_on", "#status = :paused")
            .value(":active", attr("member", &MemberStatus::Active)?)
            .value(":paused", attr("member", &MemberStatus::Paused)?),
        MemberChange::PhoneFor(contact) => {
            new("SET phone_for = :value", exists).value(":value", contact.as_ref().map_or_else(none, |c| s(c.as_str())))
        }
        MemberChange::LeftCounted => {
            new("SET left_counted = :value", exists).value(":value", AttributeValue::Bool(true))
        }
        MemberChange::LeftCountUndone => {
            new("SET left_counted = :value", exists).value(":value", AttributeValue::Bool(false))
        }
        MemberChange::Demographics { age_band, gender } => new("SET age_band = :age, gender = :gender", exists)
            .value(":age", age_band.map_or_else(|| Ok(none()), |v| attr("member", &v))?)
            .value(":gender", gender.map_or_else(|| Ok(none()), |v| attr("member", &v))?),
        MemberChange::Lang(lang) => new("SET lang = :value", exists).value(":value", attr("member", lang)?),
        MemberChange::DropOpenCheck(at) => {
            new("REMOVE open_check", "open_check = :at").value(":at", attr("member", at)?)
        }
        MemberChange::ReportToken(token) => new(
            "SET report_token = :value",
            "attribute_exists(pk) AND attribute_not_exists(report_token)",
        )
        .value(":value", s(token.as_str())),
    })
}
