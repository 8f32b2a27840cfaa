//! Erasing a person: their partition, and every record elsewhere that names them.
//!
//! What names someone outside their partition is found through it, never by a scan:
//! the other side of each contact link; the mentions written before each record that
//! names them (another member's history, a case's events, the watchdog's lists); the
//! pushes and invitations of each member those lead to; their staff record. The work is
//! bounded by what the person did, not by the number of members.
//!
//! A record that is theirs elsewhere (keyed by them, a push to them) is deleted; one
//! that keeps its place in someone else's account (a history entry, a case event, a
//! staff alert that listed them) keeps it with their id, names and phone numbers
//! replaced.

use super::*;
use crate::ids::ERASED_USER;
use crate::ports::Erasure;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a name and a phone number are replaced by in records that keep their place.
const ERASED_NAME: &str = "（退会者）";
const ERASED_PHONE: &str = "（削除）";
/// The attributes that hold a name on its own.
const NAME_FIELDS: [&str; 4] = ["display_name", "name", "taken_by_name", "displayName"];

type Key = (String, String);

#[async_trait]
impl Erasure for DynamoStore {
    async fn erase_member(&self, op: &OperatorId, user: &UserId) -> Result<usize, StoreError> {
        let pk = keys::person(op, user);
        let mut traces = Traces::of(user);
        // Theirs elsewhere, deleted; their own partition, deleted last.
        let mut elsewhere: BTreeSet<Key> = BTreeSet::new();
        let mut own: Vec<Key> = Vec::new();
        // Records that may name them, and the members whose pushes and invitations may.
        let mut mentions: BTreeSet<Key> = BTreeSet::new();
        let mut members: BTreeSet<String> = BTreeSet::new();
        for i in self.query_partition(pk.clone()).await? {
            let sk = text(&i, "sk");
            if sk == keys::MEMBER {
                traces.name(&text(&i, "display_name"));
            }
            if let Some(contact) = sk.strip_prefix(keys::CONTACTS) {
                elsewhere.insert((keys::person(op, contact), keys::watches(user)));
            } else if let Some(member) = sk.strip_prefix(keys::WATCHES) {
                let link = (keys::person(op, member), keys::contact(user));
                // The name the member's records call them by, and the phone number given.
                if let Some(record) = self.get(link.0.clone(), &link.1).await? {
                    traces.name(&text(&record, "display_name"));
                    traces.phone(&text(&record, "phone"));
                }
                members.insert(link.0.clone());
                elsewhere.insert(link);
                // A limit, not a record: a member gone or at zero is left as it is.
                let count = ItemUpdate::new(keys::person(op, member), keys::MEMBER, "ADD contact_count :minus")
                    .when("attribute_exists(pk) AND contact_count > :zero")
                    .value(":minus", n(-1))
                    .value(":zero", n(0));
                self.update(count).await?;
            } else if let Some(code) = sk.strip_prefix(keys::INVITE_REFS) {
                elsewhere.insert((keys::invitation(op, code), keys::INVITE.into()));
            } else if sk.starts_with(keys::CHECKS) {
                // The member's cases: the record and its history (names, notes) go too;
                // only the anonymous report facts outlive them.
                let case = i
                    .get("case_number")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse::<u64>().ok());
                if let Some(number) = case {
                    let case = keys::case(op, number);
                    for item in self.query_partition(case.clone()).await? {
                        // The staff and contacts it names lose their mention of it.
                        let named = read::<CaseEventRecord>("case event", item.clone()).map(|r| r.event.people());
                        for person in named.unwrap_or_default() {
                            elsewhere.insert((keys::person(op, &person), keys::mention(&case, "")));
                        }
                        elsewhere.insert((case.clone(), text(&item, "sk")));
                    }
                }
            } else if sk.starts_with(keys::HISTORY) {
                // The person an entry names loses their mention of it.
                if let Ok(record) = read::<HistoryRecord>("history", i.clone())
                    && let Some(person) = record.event.person()
                {
                    elsewhere.insert((keys::person(op, person), keys::mention(&pk, &sk)));
                }
            } else if let Some((at, at_sk)) = keys::parse_mention(&sk) {
                if keys::is_person(op, at) && at != pk {
                    members.insert(at.to_owned());
                }
                mentions.insert((at.to_owned(), at_sk.to_owned()));
            }
            own.push((pk.clone(), sk));
        }
        // Staff: the record, whose name is how case histories call them.
        let operator = keys::operator(op);
        if let Some(staff) = self.get(operator.clone(), &keys::staff(user)).await? {
            traces.name(&text(&staff, "display_name"));
            elsewhere.insert((operator.clone(), keys::staff(user)));
        }

        let mut found: Vec<Item> = Vec::new();
        for (at, at_sk) in &mentions {
            if at_sk.is_empty() {
                found.extend(self.query_partition(at.clone()).await?);
            } else {
                found.extend(self.get(at.clone(), at_sk).await?);
            }
        }
        for member in &members {
            found.extend(self.query_prefix(member.clone(), keys::OUTBOXES).await?);
            for made in self.query_prefix(member.clone(), keys::INVITE_REFS).await? {
                if let Some(code) = text(&made, "sk").strip_prefix(keys::INVITE_REFS) {
                    found.extend(self.get(keys::invitation(op, code), keys::INVITE).await?);
                }
            }
        }
        let on_duty = (operator.clone(), keys::ON_DUTY.to_owned());
        found.extend(self.get(on_duty.0.clone(), &on_duty.1).await?);

        let mut rewritten: BTreeMap<Key, Item> = BTreeMap::new();
        for item in found {
            let key = (text(&item, "pk"), text(&item, "sk"));
            if key.0 == pk {
                continue;
            }
            match traces.scrub(item) {
                Scrubbed::Unchanged => {}
                // Nobody is on duty rather than someone erased.
                Scrubbed::Delete | Scrubbed::Rewritten(_) if key == on_duty => {
                    elsewhere.insert(key);
                }
                Scrubbed::Delete => {
                    elsewhere.insert(key);
                }
                Scrubbed::Rewritten(item) => {
                    rewritten.insert(key, item);
                }
            }
        }
        let mut changed = 0;
        for (key, item) in rewritten {
            if elsewhere.contains(&key) {
                continue;
            }
            // Unless it went meanwhile (it expired, or its member left too).
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_exists(pk)")
                .send()
                .await;
            if conditional("PutItem", result)? == Written::Done {
                changed += 1;
            }
        }
        own.push((keys::roster(op), keys::roster_entry(user)));
        // The mentions last: an erasure cut off is finished by its retry, which finds
        // them again.
        own.sort_by_key(|(_, sk)| sk.starts_with(keys::MENTIONS));
        let mut keys: Vec<Key> = elsewhere.into_iter().filter(|k| !own.contains(k)).collect();
        keys.extend(own);
        self.delete_all(&keys).await?;
        Ok(keys.len() + changed)
    }
}

impl DynamoStore {
    /// Deletes every item of `keys`, 25 at a time, retrying what DynamoDB left
    /// unprocessed: erasure must be complete.
    pub(super) async fn delete_all(&self, keys: &[Key]) -> Result<(), StoreError> {
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
        Ok(())
    }
}

/// A string attribute, or empty.
fn text(item: &Item, name: &str) -> String {
    item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
}

/// What records elsewhere may hold of a person: their LINE id, the names they went by,
/// the phone numbers given for them.
struct Traces {
    id: String,
    names: BTreeSet<String>,
    phones: BTreeSet<String>,
}

#[derive(Debug, PartialEq)]
enum Scrubbed {
    Unchanged,
    /// Keyed by them or addressed to them: it goes.
    Delete,
    Rewritten(Item),
}

impl Traces {
    fn of(user: &UserId) -> Self {
        Self {
            id: user.as_str().to_owned(),
            names: BTreeSet::new(),
            phones: BTreeSet::new(),
        }
    }

    fn name(&mut self, name: &str) {
        if !name.trim().is_empty() {
            self.names.insert(name.to_owned());
        }
    }

    fn phone(&mut self, phone: &str) {
        if !phone.trim().is_empty() {
            self.phones.insert(phone.to_owned());
        }
    }

    fn scrub(&self, item: Item) -> Scrubbed {
        let keyed = ["pk", "sk"].iter().any(|k| text(&item, k).contains(&self.id));
        if keyed || item.get("to").is_some_and(|to| self.named_in(to)) {
            return Scrubbed::Delete;
        }
        let mut changed = false;
        let item: Item = item
            .into_iter()
            .map(|(k, v)| {
                let v = self.scrub_value(&k, v, &mut changed);
                (k, v)
            })
            .collect();
        if changed {
            Scrubbed::Rewritten(item)
        } else {
            Scrubbed::Unchanged
        }
    }

    fn named_in(&self, value: &AttributeValue) -> bool {
        let mut changed = false;
        self.scrub_value("", value.clone(), &mut changed);
        changed
    }

    fn scrub_value(&self, key: &str, value: AttributeValue, changed: &mut bool) -> AttributeValue {
        match value {
            AttributeValue::S(t) => AttributeValue::S(self.scrub_text(key, t, changed)),
            AttributeValue::Ss(set) => {
                AttributeValue::Ss(set.into_iter().map(|t| self.scrub_text(key, t, changed)).collect())
            }
            AttributeValue::L(list) => {
                AttributeValue::L(list.into_iter().map(|v| self.scrub_value(key, v, changed)).collect())
            }
            AttributeValue::M(map) => AttributeValue::M(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = self.scrub_value(&k, v, changed);
                        (k, v)
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// A string attribute; JSON in one (the LINE messages of a push) is scrubbed in its
    /// strings, never in its structure.
    fn scrub_text(&self, key: &str, t: String, changed: &mut bool) -> String {
        if t.starts_with(['{', '['])
            && let Ok(mut json) = serde_json::from_str::<Value>(&t)
        {
            let mut json_changed = false;
            self.scrub_json(key, &mut json, &mut json_changed);
            if !json_changed {
                return t;
            }
            *changed = true;
            return json.to_string();
        }
        let scrubbed = self.scrub_str(key, &t);
        if scrubbed != t {
            *changed = true;
        }
        scrubbed
    }

    fn scrub_json(&self, key: &str, value: &mut Value, changed: &mut bool) {
        match value {
            Value::String(t) => {
                let scrubbed = self.scrub_str(key, t);
                if scrubbed != *t {
                    *t = scrubbed;
                    *changed = true;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(key, v, changed)),
            Value::Object(map) => map.iter_mut().for_each(|(k, v)| self.scrub_json(k, v, changed)),
            _ => {}
        }
    }

    fn scrub_str(&self, key: &str, t: &str) -> String {
        let mut out = t.replace(&self.id, ERASED_USER);
        for phone in &self.phones {
            out = out.replace(phone.as_str(), ERASED_PHONE);
        }
        for name in &self.names {
            if out == *name && NAME_FIELDS.contains(&key) {
                out = ERASED_NAME.to_owned();
            } else if is_free_text(&out) {
                out = out.replace(name.as_str(), ERASED_NAME);
            }
        }
        out
    }
}

/// Text people read, as opposed to a token (a tag, a time, an id, a key, a URL) in which
/// a short name could match by chance and break the record.
fn is_free_text(t: &str) -> bool {
    !t.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-:.+#|/@=?&%".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TANAKA: &str = "U5e000000000000000000000000000005";

    fn traces() -> Traces {
        let mut t = Traces::of(&UserId::new(TANAKA).unwrap());
        t.name("田中");
        t.name("al");
        t.phone("090-1234-5678");
        t
    }

    fn item(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }

    #[test]
    fn a_record_keyed_by_them_or_addressed_to_them_goes() {
        let due = item(&[("pk", s("op#DUE#1#5")), ("sk", s(format!("00001#{TANAKA}")))]);
        assert_eq!(traces().scrub(due), Scrubbed::Delete);
        let push = item(&[
            ("pk", s("op#USER#U1")),
            ("sk", s("OUTBOX#x")),
            ("to", AttributeValue::M([("person".to_owned(), s(TANAKA))].into())),
        ]);
        assert_eq!(traces().scrub(push), Scrubbed::Delete);
    }

    #[test]
    fn a_record_that_keeps_its_place_loses_their_id_names_and_phone_but_not_its_structure() {
        let messages = serde_json::json!([{
            "type": "text",
            "text": format!("連絡先：田中さん 090-1234-5678"),
            "quickReply": {"items": [{"action": {"type": "postback", "data": format!("contacts:phone:clear:{TANAKA}"), "label": "alert"}}]}
        }]);
        let push = item(&[
            ("pk", s("op#USER#U1")),
            ("sk", s("OUTBOX#y")),
            ("to", AttributeValue::M([("chat".to_owned(), s("C1"))].into())),
            ("kind", s("alert")),
            ("messages", s(messages.to_string())),
        ]);
        let Scrubbed::Rewritten(push) = traces().scrub(push) else {
            panic!("rewritten")
        };
        assert_eq!(text(&push, "kind"), "alert", "a tag is not a name");
        let messages: Value = serde_json::from_str(&text(&push, "messages")).unwrap();
        assert_eq!(messages[0]["type"], "text");
        assert_eq!(messages[0]["text"], "連絡先：（退会者）さん （削除）");
        let action = &messages[0]["quickReply"]["items"][0]["action"];
        assert_eq!(action["data"], format!("contacts:phone:clear:{ERASED_USER}"));
        assert_eq!(action["label"], "alert");

        let event = item(&[
            ("pk", s("op#CASE#1000")),
            ("sk", s("EVENT#1")),
            (
                "event",
                AttributeValue::M(
                    [
                        ("event".to_owned(), s("taken")),
                        (
                            "by".to_owned(),
                            AttributeValue::M([("id".to_owned(), s(TANAKA)), ("name".to_owned(), s("田中"))].into()),
                        ),
                    ]
                    .into(),
                ),
            ),
        ]);
        let Scrubbed::Rewritten(event) = traces().scrub(event) else {
            panic!("rewritten")
        };
        let dump = format!("{event:?}");
        assert!(!dump.contains(TANAKA) && !dump.contains("田中"), "{dump}");
        assert!(dump.contains(ERASED_USER) && dump.contains(ERASED_NAME), "{dump}");
    }

    #[test]
    fn a_record_that_does_not_name_them_is_left_alone() {
        let other = item(&[
            ("pk", s("op#USER#U1")),
            ("sk", s("HISTORY#1")),
            ("event", s("joined")),
            ("text", s("鈴木さん")),
        ]);
        assert_eq!(traces().scrub(other), Scrubbed::Unchanged);
    }
}
