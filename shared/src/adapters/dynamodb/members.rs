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
            .key("pk", s(keys::person(op, user)))
            .key("sk", s(keys::MEMBER))
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
            .key("pk", s(keys::person(op, user)))
            .key("sk", s(keys::MEMBER));
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
            .key("pk", s(keys::person(op, user)))
            .key("sk", s(keys::MEMBER))
            .update_expression("SET schedule = :schedule, schedule_since = :since")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":schedule", attr("member", schedule)?)
            .expression_attribute_values(":since", attr("member", &since)?)
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
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
            .key("pk", s(keys::person(op, user)))
            .key("sk", s(keys::MEMBER));
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
        let sk = keys::history(at, sequence(), kind);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item("history", keys::person(op, user), sk, &record, None)?))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn history(&self, op: &OperatorId, user: &UserId) -> Result<Vec<(Timestamp, HistoryEvent)>, StoreError> {
        self.query_prefix(keys::person(op, user), keys::HISTORY)
            .await?
            .into_iter()
            .map(|i| read::<HistoryRecord>("history", i).map(|r| (r.at, r.event)))
            .collect()
    }

    async fn set_phone_for(&self, op: &OperatorId, user: &UserId, contact: Option<&UserId>) -> Result<(), StoreError> {
        let value = contact.map_or(AttributeValue::Null(true), |c| s(c.as_str()));
        self.set_member_field(op, user, "phone_for", value).await
    }

    async fn mark_left_counted(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError> {
        self.set_member_field(op, user, "left_counted", AttributeValue::Bool(true))
            .await
    }

    async fn set_demographics(
        &self,
        op: &OperatorId,
        user: &UserId,
        age_band: Option<crate::report::AgeBand>,
        gender: Option<crate::report::Gender>,
    ) -> Result<(), StoreError> {
        let none = || AttributeValue::Null(true);
        let age = age_band.map_or_else(|| Ok(none()), |a| attr("member", &a))?;
        let gender = gender.map_or_else(|| Ok(none()), |g| attr("member", &g))?;
        self.set_member_field(op, user, "age_band", age).await?;
        self.set_member_field(op, user, "gender", gender).await
    }

    async fn set_lang(&self, op: &OperatorId, user: &UserId, lang: crate::messages::Lang) -> Result<(), StoreError> {
        self.set_member_field(op, user, "lang", attr("member", &lang)?).await
    }
}
