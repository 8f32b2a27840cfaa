//! The staff room, its staff and who is on duty.

use super::*;
use crate::ports::StaffRooms;

#[async_trait]
impl StaffRooms for DynamoStore {
    async fn staff_room(&self, op: &OperatorId) -> Result<Option<StaffRoom>, StoreError> {
        self.get(keys::operator(op), keys::STAFF_ROOM)
            .await?
            .map(|i| read("staff room", i))
            .transpose()
    }

    async fn set_staff_room(&self, op: &OperatorId, room: &StaffRoom) -> Result<(), StoreError> {
        let moved = self.staff_room(op).await?.is_some_and(|r| r.chat_id != room.chat_id);
        self.put(item(
            "staff room",
            keys::operator(op),
            keys::STAFF_ROOM.into(),
            room,
            None,
        )?)
        .await?;
        // Whoever was on duty in the old room is not in the new one: mentioning them
        // there would be refused.
        if moved {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(keys::operator(op)))
                .key("sk", s(keys::ON_DUTY))
                .send()
                .await
                .map_err(dynamo_error("DeleteItem"))?;
        }
        Ok(())
    }

    async fn clear_staff_room(&self, op: &OperatorId, group: &ChatId) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::operator(op)))
            .key("sk", s(keys::STAFF_ROOM))
            .condition_expression("chat_id = :g")
            .expression_attribute_values(":g", s(group.as_str()))
            .send()
            .await;
        // A missing record, or another room's, is fine here: there is nothing to change.
        if conditional("DeleteItem", result)? == Written::Conflict {
            return Ok(());
        }
        // Nobody is staff of a room that is gone: whoever is in the next one is approved
        // there again, and the old records (names) do not linger.
        let operator = keys::operator(op);
        let mut records: Vec<(String, String)> = self
            .query_prefix(operator.clone(), keys::STAFF_PREFIX)
            .await?
            .into_iter()
            .filter_map(|i| i.get("sk").and_then(|v| v.as_s().ok()).cloned())
            .map(|sk| (operator.clone(), sk))
            .collect();
        records.push((operator, keys::ON_DUTY.to_owned()));
        self.delete_all(&records).await
    }

    async fn enrol_staff(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError> {
        let sk = keys::staff(&staff.user_id);
        self.put(item("staff", keys::operator(op), sk, staff, None)?).await?;
        Ok(())
    }

    async fn remove_staff(&self, op: &OperatorId, user: &UserId) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::operator(op)))
            .key("sk", s(keys::staff(user)))
            .send()
            .await
            .map_err(dynamo_error("DeleteItem"))?;
        // No longer on duty either.
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::operator(op)))
            .key("sk", s(keys::ON_DUTY))
            .condition_expression("user_id = :u")
            .expression_attribute_values(":u", s(user.as_str()))
            .send()
            .await;
        conditional("DeleteItem", result).map(|_| ())
    }

    async fn staff(&self, op: &OperatorId, user: &UserId) -> Result<Option<Staff>, StoreError> {
        self.get(keys::operator(op), &keys::staff(user))
            .await?
            .map(|i| read("staff", i))
            .transpose()
    }

    async fn set_on_duty(&self, op: &OperatorId, staff: &Staff) -> Result<(), StoreError> {
        self.put(item("staff", keys::operator(op), keys::ON_DUTY.into(), staff, None)?)
            .await?;
        Ok(())
    }

    async fn on_duty(&self, op: &OperatorId) -> Result<Option<Staff>, StoreError> {
        self.get(keys::operator(op), keys::ON_DUTY)
            .await?
            .map(|i| read("staff", i))
            .transpose()
    }

    async fn staff_list(&self, op: &OperatorId) -> Result<Vec<Staff>, StoreError> {
        self.query_prefix(keys::operator(op), keys::STAFF_PREFIX)
            .await?
            .into_iter()
            .map(|i| read("staff", i))
            .collect()
    }

    async fn issue_staff_code(&self, op: &OperatorId, digest: &str, until: Timestamp) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::operator(op)))
            .item("sk", s(keys::staff_code(digest)))
            .item("valid_until", n(until.as_second()))
            .item("expires_at", epoch(until))
            .send()
            .await
            .map_err(dynamo_error("PutItem"))?;
        Ok(())
    }

    async fn redeem_staff_code(&self, op: &OperatorId, digest: &str, now: Timestamp) -> Result<bool, StoreError> {
        // TTL deletes late: the time is checked, not the record's presence.
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::operator(op)))
            .key("sk", s(keys::staff_code(digest)))
            .condition_expression("valid_until > :now")
            .expression_attribute_values(":now", n(now.as_second()))
            .send()
            .await;
        Ok(conditional("DeleteItem", result)? == Written::Done)
    }

    async fn use_initial_staff_code(&self, op: &OperatorId, digest: &str, now: Timestamp) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::operator(op)))
            .item("sk", s(keys::staff_code_used(digest)))
            .item("used_at", n(now.as_second()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        Ok(conditional("PutItem", result)? == Written::Done)
    }

    async fn wrong_staff_codes_this_hour(
        &self,
        op: &OperatorId,
        chat: &ChatId,
        now: Timestamp,
    ) -> Result<u32, StoreError> {
        self.tries(keys::operator(op), &keys::wrong_staff_code(chat, now)).await
    }

    async fn record_wrong_staff_code(&self, op: &OperatorId, chat: &ChatId, now: Timestamp) -> Result<(), StoreError> {
        self.count_try(keys::operator(op), keys::wrong_staff_code(chat, now), now)
            .await
    }
}
