//! Contacts, invitations and wrong codes.

use super::*;
use crate::ports::Contacts;

#[async_trait]
impl Contacts for DynamoStore {
    async fn create_invitation(&self, op: &OperatorId, invitation: &Invitation) -> Result<Written, StoreError> {
        let expires = Some(invitation.valid_until + SignedDuration::from_hours(24));
        let to_err = build_error("invitation");
        let code = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "invitation",
                keys::invitation(op, invitation.code.as_str()),
                keys::INVITE.into(),
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
                keys::person(op, &invitation.member),
                keys::invite_ref(invitation.code.as_str()),
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
            .key("pk", s(keys::invitation(op, code.as_str())))
            .key("sk", s(keys::INVITE))
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
        let sk = keys::wrong_code(now);
        let item = self.get(keys::person(op, user), &sk).await?;
        Ok(item
            .and_then(|i| i.get("n").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()))
            .unwrap_or(0))
    }

    async fn record_wrong_code(&self, op: &OperatorId, user: &UserId, now: Timestamp) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::person(op, user)))
            .key("sk", s(keys::wrong_code(now)))
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
        let to_err = build_error("contact");
        let link = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "contact",
                keys::person(op, member),
                keys::contact(&contact.user_id),
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
                keys::person(op, &contact.user_id),
                keys::watches(member),
                &watch,
                None,
            )?))
            .build()
            .map_err(to_err)?;
        let count = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::person(op, member)))
            .key("sk", s(keys::MEMBER))
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
        self.query_prefix(keys::person(op, member), keys::CONTACTS)
            .await?
            .into_iter()
            .map(|i| read("contact", i))
            .collect()
    }

    async fn unlink_contact(&self, op: &OperatorId, member: &UserId, contact: &UserId) -> Result<Written, StoreError> {
        let to_err = build_error("contact");
        let link = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .key("pk", s(keys::person(op, member)))
            .key("sk", s(keys::contact(contact)))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(to_err)?;
        let back = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .key("pk", s(keys::person(op, contact)))
            .key("sk", s(keys::watches(member)))
            .build()
            .map_err(to_err)?;
        let count = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::person(op, member)))
            .key("sk", s(keys::MEMBER))
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
            .key("pk", s(keys::person(op, member)))
            .key("sk", s(keys::contact(contact)))
            .condition_expression("attribute_exists(pk)");
        let update = match phone {
            Some(phone) => update
                .update_expression("SET phone = :phone")
                .expression_attribute_values(":phone", s(phone)),
            None => update.update_expression("REMOVE phone"),
        };
        conditional("UpdateItem", update.send().await)
    }

    async fn is_contact(&self, op: &OperatorId, user: &UserId) -> Result<bool, StoreError> {
        Ok(!self
            .query_prefix(keys::person(op, user), keys::WATCHES)
            .await?
            .is_empty())
    }

    async fn watched_members(&self, op: &OperatorId, user: &UserId) -> Result<Vec<UserId>, StoreError> {
        self.query_prefix(keys::person(op, user), keys::WATCHES)
            .await?
            .into_iter()
            .map(|i| read::<WatchRecord>("contact", i).map(|w| w.member))
            .collect()
    }
}
