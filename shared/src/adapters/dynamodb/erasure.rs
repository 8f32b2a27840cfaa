//! Erasing every record of a member.

use super::*;
use crate::ports::Erasure;

#[async_trait]
impl Erasure for DynamoStore {
    async fn erase_member(&self, op: &OperatorId, user: &UserId) -> Result<usize, StoreError> {
        let pk = keys::person(op, user);
        let mut keys: Vec<(String, String)> = Vec::new();
        for i in self.query_partition(pk.clone()).await? {
            let sk = i.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            // The other side of each contact link, and the invitation codes.
            if let Some(contact) = sk.strip_prefix(keys::CONTACTS) {
                keys.push((keys::person(op, contact), keys::watches(user)));
            } else if let Some(member) = sk.strip_prefix(keys::WATCHES) {
                keys.push((keys::person(op, member), keys::contact(user)));
                // A limit, not a record: a member gone or at zero is left as it is.
                let count = ItemUpdate::new(keys::person(op, member), keys::MEMBER, "ADD contact_count :minus")
                    .when("attribute_exists(pk) AND contact_count > :zero")
                    .value(":minus", n(-1))
                    .value(":zero", n(0));
                self.update(count).await?;
            } else if let Some(code) = sk.strip_prefix(keys::INVITE_REFS) {
                keys.push((keys::invitation(op, code), keys::INVITE.into()));
            } else if sk.starts_with(keys::CHECKS) {
                // The member's cases: the record and its history (names, notes) go too;
                // only the anonymous report facts outlive them.
                let case = i
                    .get("case_number")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<u64>().ok());
                if let Some(number) = case {
                    for item in self.query_partition(keys::case(op, number)).await? {
                        let case_sk = item.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                        keys.push((keys::case(op, number), case_sk));
                    }
                }
            }
            keys.push((pk.clone(), sk));
        }
        keys.push((keys::roster(op), keys::roster_entry(user)));
        let erased = keys.len();
        for chunk in keys.chunks(25) {
            let mut requests: Vec<aws_sdk_dynamodb::types::WriteRequest> = Vec::new();
            for (pk, sk) in chunk {
                let delete = aws_sdk_dynamodb::types::DeleteRequest::builder()
                    .key("pk", s(pk.clone()))
                    .key("sk", s(sk.clone()))
                    .build()
                    .map_err(build_error("key"))?;
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
                return Err(StoreError::Unavailable {
                    op: "BatchWriteItem",
                    message: "items left unprocessed".into(),
                });
            }
        }
        Ok(erased)
    }
}
