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
        let redeem = ItemUpdate::new(
            keys::invitation(op, code.as_str()),
            keys::INVITE,
            "SET redeemed_by = :by",
        )
        .when("attribute_exists(pk) AND (attribute_not_exists(redeemed_by) OR redeemed_by = :by)")
        .value(":by", s(by.as_str()));
        // `None`: no such code, or redeemed by someone else.
        self.update_returning(redeem)
            .await?
            .map(|i| read("invitation", i))
            .transpose()
    }

    async fn release_invitation(&self, op: &OperatorId, code: &InviteCode, by: &UserId) -> Result<(), StoreError> {
        let release = ItemUpdate::new(keys::invitation(op, code.as_str()), keys::INVITE, "REMOVE redeemed_by")
            .when("redeemed_by = :by")
            .value(":by", s(by.as_str()));
        // `Conflict`: gone, or someone else's now; nothing to give back.
        self.update(release).await.map(|_| ())
    }

    async fn take_code_try(&self, op: &OperatorId, who: &str, now: Timestamp, max: u32) -> Result<bool, StoreError> {
        let taken = ItemUpdate::new(
            keys::code_tries(op, who),
            keys::wrong_code(now),
            "ADD n :one SET expires_at = :expires",
        )
        .when("attribute_not_exists(n) OR n < :max")
        .value(":one", n(1))
        .value(":max", n(max))
        .value(":expires", epoch(now + SignedDuration::from_hours(2)));
        Ok(self.update(taken).await? == Written::Done)
    }

    async fn give_back_code_try(&self, op: &OperatorId, who: &str, now: Timestamp) -> Result<(), StoreError> {
        let given = ItemUpdate::new(keys::code_tries(op, who), keys::wrong_code(now), "ADD n :minus")
            .when("n > :zero")
            .value(":minus", n(-1))
            .value(":zero", n(0));
        self.update(given).await.map(|_| ())
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
        let count = ItemUpdate::new(keys::person(op, member), keys::MEMBER, "ADD contact_count :one")
            .when("#status = :active AND contact_count < :max")
            .name("#status", "status")
            .value(":active", attr("member", &MemberStatus::Active)?)
            .value(":one", n(1))
            .value(":max", n(max));
        let items = vec![
            TransactWriteItem::builder().put(link).build(),
            TransactWriteItem::builder().put(back).build(),
            count.in_transaction(&self.table, "contact")?,
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
        let count =
            ItemUpdate::new(keys::person(op, member), keys::MEMBER, "ADD contact_count :minus").value(":minus", n(-1));
        let items = vec![
            TransactWriteItem::builder().delete(link).build(),
            TransactWriteItem::builder().delete(back).build(),
            count.in_transaction(&self.table, "contact")?,
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
        let (pk, sk) = (keys::person(op, member), keys::contact(contact));
        let update = match phone {
            Some(phone) => ItemUpdate::new(pk, sk, "SET phone = :phone").value(":phone", s(phone)),
            None => ItemUpdate::new(pk, sk, "REMOVE phone"),
        };
        self.update(update.when("attribute_exists(pk)")).await
    }

    async fn set_contact_blocked(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &UserId,
        since: Option<Timestamp>,
    ) -> Result<Written, StoreError> {
        let (pk, sk) = (keys::person(op, member), keys::contact(contact));
        let update = match since {
            Some(at) => ItemUpdate::new(pk, sk, "SET blocked_since = :at").value(":at", attr("contact", &at)?),
            None => ItemUpdate::new(pk, sk, "REMOVE blocked_since"),
        };
        self.update(update.when("attribute_exists(pk)")).await
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
