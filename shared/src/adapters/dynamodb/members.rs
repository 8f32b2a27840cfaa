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
            .item("sk", s(member.user_id.as_str()))
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
            (keys::roster(op), user.to_string()),
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
        let update = member_update(change, now)?;
        let Some(event) = history else {
            let result = update
                .apply_to_item(self.client.update_item().table_name(&self.table))
                .key("pk", s(keys::person(op, member)))
                .key("sk", s(keys::MEMBER))
                .send()
                .await;
            return conditional("UpdateItem", result);
        };
        let update = update
            .apply_to_transact(Update::builder().table_name(&self.table))
            .key("pk", s(keys::person(op, member)))
            .key("sk", s(keys::MEMBER))
            .build()
            .map_err(build_error("member"))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(history_item(op, member, now, event)?))
            .build()
            .map_err(build_error("history"))?;
        self.transact(
            "TransactWriteItems",
            vec![
                TransactWriteItem::builder().update(update).build(),
                TransactWriteItem::builder().put(put).build(),
            ],
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
        self.put(history_item(op, user, at, event)?).await?;
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

/// The update expression, condition and values of a member change.
fn member_update(change: &MemberChange, now: Timestamp) -> Result<MemberUpdate, StoreError> {
    let exists = "attribute_exists(pk)";
    let status = || Some(("#status", "status"));
    let none = || AttributeValue::Null(true);
    Ok(match change {
        MemberChange::Status { from, to } => {
            MemberUpdate::new("SET #status = :to, status_since = :at", "#status = :from", status())
                .value(":at", attr("member", &now)?)
                .value(":to", attr("member", to)?)
                .value(":from", attr("member", from)?)
        }
        MemberChange::Onboarding(Some(step)) => {
            MemberUpdate::new("SET onboarding = :step", exists, None).value(":step", attr("member", step)?)
        }
        MemberChange::Onboarding(None) => MemberUpdate::new("REMOVE onboarding", exists, None),
        MemberChange::CheckedInFor(check) => {
            MemberUpdate::new("SET checked_in_for = :value", exists, None).value(":value", attr("member", check)?)
        }
        MemberChange::Schedule(schedule) => {
            MemberUpdate::new("SET schedule = :schedule, schedule_since = :since", exists, None)
                .value(":schedule", attr("member", schedule)?)
                .value(":since", attr("member", &now)?)
        }
        MemberChange::PauseUntil(day) => MemberUpdate::new(
            "SET #status = :paused, resume_on = :day",
            "#status IN (:active, :paused)",
            status(),
        )
        .value(":day", attr("member", day)?)
        .value(":active", attr("member", &MemberStatus::Active)?)
        .value(":paused", attr("member", &MemberStatus::Paused)?),
        MemberChange::Resume => {
            MemberUpdate::new("SET #status = :active REMOVE resume_on", "#status = :paused", status())
                .value(":active", attr("member", &MemberStatus::Active)?)
                .value(":paused", attr("member", &MemberStatus::Paused)?)
        }
        MemberChange::PhoneFor(contact) => MemberUpdate::new("SET phone_for = :value", exists, None)
            .value(":value", contact.as_ref().map_or_else(none, |c| s(c.as_str()))),
        MemberChange::LeftCounted => {
            MemberUpdate::new("SET left_counted = :value", exists, None).value(":value", AttributeValue::Bool(true))
        }
        MemberChange::Demographics { age_band, gender } => {
            MemberUpdate::new("SET age_band = :age, gender = :gender", exists, None)
                .value(":age", age_band.map_or_else(|| Ok(none()), |v| attr("member", &v))?)
                .value(":gender", gender.map_or_else(|| Ok(none()), |v| attr("member", &v))?)
        }
        MemberChange::Lang(lang) => {
            MemberUpdate::new("SET lang = :value", exists, None).value(":value", attr("member", lang)?)
        }
    })
}

/// An update of the member record, applied to a single write or to a transaction item.
struct MemberUpdate {
    update: &'static str,
    condition: &'static str,
    name: Option<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

impl MemberUpdate {
    fn new(update: &'static str, condition: &'static str, name: Option<(&'static str, &'static str)>) -> Self {
        Self {
            update,
            condition,
            name,
            values: Vec::new(),
        }
    }

    fn value(mut self, name: &'static str, value: AttributeValue) -> Self {
        self.values.push((name, value));
        self
    }

    fn apply_to_item(
        self,
        mut b: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        b = b.update_expression(self.update).condition_expression(self.condition);
        if let Some((k, v)) = self.name {
            b = b.expression_attribute_names(k, v);
        }
        for (k, v) in self.values {
            b = b.expression_attribute_values(k, v);
        }
        b
    }

    fn apply_to_transact(
        self,
        mut b: aws_sdk_dynamodb::types::builders::UpdateBuilder,
    ) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        b = b.update_expression(self.update).condition_expression(self.condition);
        if let Some((k, v)) = self.name {
            b = b.expression_attribute_names(k, v);
        }
        for (k, v) in self.values {
            b = b.expression_attribute_values(k, v);
        }
        b
    }
}
