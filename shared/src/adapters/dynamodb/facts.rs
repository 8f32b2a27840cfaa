//! The monthly report's anonymous facts.

use super::*;
use crate::ports::Facts;

#[async_trait]
impl Facts for DynamoStore {
    async fn record_fact(&self, op: &OperatorId, month: &str, fact: &Fact) -> Result<(), StoreError> {
        if let Some(flags) = check_fact_update(op, month, fact) {
            self.update(flags).await?;
            return Ok(());
        }
        let key = fact.key();
        let mut record = item("fact", keys::report(op, &key), keys::fact(month, key), fact, None)?;
        record.insert("month".into(), s(month));
        self.put(record).await?;
        Ok(())
    }

    async fn facts(&self, op: &OperatorId, month: Option<&str>) -> Result<Vec<Recorded>, StoreError> {
        let mut items = Vec::new();
        for pk in keys::report_all(op) {
            items.extend(match month {
                Some(m) => self.query_prefix(pk, &keys::month(m)).await?,
                None => self.query_partition(pk).await?,
            });
        }
        items.into_iter().map(recorded).collect()
    }

    async fn tally_month(&self, op: &OperatorId, month: &str) -> Result<Tally, StoreError> {
        let mut tally = Tally::default();
        for pk in keys::report_all(op) {
            // Eventually consistent: a month's report need not see the last second's
            // writes, and costs half. A page at a time, folded before the next is read.
            let mut pages = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":prefix", s(keys::month(month)))
                .limit(FOLD_PAGE)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(dynamo_error("Query"))?;
                for item in page.items.unwrap_or_default() {
                    tally.add(&recorded(item)?.fact);
                }
            }
        }
        Ok(tally)
    }

    async fn first_month(&self, op: &OperatorId) -> Result<Option<String>, StoreError> {
        let mut first: Option<String> = None;
        for pk in keys::report_all(op) {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .projection_expression("sk")
                .limit(1)
                .send()
                .await
                .map_err(dynamo_error("Query"))?;
            let month = out
                .items()
                .first()
                .and_then(|i| i.get("sk"))
                .and_then(|v| v.as_s().ok())
                .map(|sk| keys::month_of_fact(sk).to_owned());
            if let Some(m) = month
                && first.as_ref().is_none_or(|f| m < *f)
            {
                first = Some(m);
            }
        }
        Ok(first)
    }

    async fn roll_ups(&self, op: &OperatorId) -> Result<Vec<(String, Tally)>, StoreError> {
        self.query_partition(keys::roll_ups(op))
            .await?
            .into_iter()
            .filter_map(|mut i| {
                let sk = i.remove("sk")?;
                let month = keys::month_of_roll_up(sk.as_s().ok()?)?.to_owned();
                i.remove("pk");
                Some(read::<Tally>("roll-up", i).map(|t| (month, t)))
            })
            .collect()
    }

    async fn replace_fact(&self, op: &OperatorId, month: &str, old: &Fact, new: &Fact) -> Result<(), StoreError> {
        // In one transaction: a run cut off never leaves both (its retry, with another
        // salt, would count the fact twice).
        let key = new.key();
        let mut record = item("fact", keys::report(op, &key), keys::fact(month, key), new, None)?;
        record.insert("month".into(), s(month));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(record))
            .build()
            .map_err(build_error("fact"))?;
        let old_key = old.key();
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .key("pk", s(keys::report(op, &old_key)))
            .key("sk", s(keys::fact(month, old_key)))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(build_error("fact"))?;
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().delete(delete).build(),
        ];
        // `Conflict`: the old one is gone already (another run replaced it).
        self.transact("TransactWriteItems(replace_fact)", items).await?;
        Ok(())
    }

    async fn keep_roll_up(&self, op: &OperatorId, month: &str, tally: &Tally) -> Result<(), StoreError> {
        self.put(item("roll-up", keys::roll_ups(op), keys::roll_up(month), tally, None)?)
            .await?;
        Ok(())
    }
}

/// Facts read per page when a month is folded: a page is dropped before the next.
const FOLD_PAGE: i32 = 1000;

/// A fact item as the fact and its month.
fn recorded(mut i: Item) -> Result<Recorded, StoreError> {
    let sk = i.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    let month = keys::month_of_fact(&sk).to_owned();
    i.remove("pk");
    i.remove("sk");
    i.remove("month");
    read::<Fact>("fact", i).map(|fact| Recorded { month, fact })
}

/// A check's fact as an update that only ever sets its flags, so facts recorded twice or
/// out of order add up; `None` for a fact of another kind. Also a transaction's item,
/// where a check's fact is written with the check.
pub(super) fn check_fact_update(op: &OperatorId, month: &str, fact: &Fact) -> Option<ItemUpdate> {
    let Fact::Check {
        who,
        check,
        sent,
        answered_ahead,
        reminded,
        escalated,
        answered,
    } = fact
    else {
        return None;
    };
    let key = fact.key();
    let mut sets = vec!["fact = :fact", "who = :who", "#check = :check"];
    for (set, name) in [
        (*sent, "sent = :t"),
        (*answered_ahead, "answered_ahead = :t"),
        (*reminded, "reminded = :t"),
        (*escalated, "escalated = :t"),
        (*answered, "answered = :t"),
    ] {
        if set {
            sets.push(name);
        }
    }
    Some(
        ItemUpdate::new(
            keys::report(op, &key),
            keys::fact(month, key),
            format!("SET {}", sets.join(", ")),
        )
        .name("#check", "check")
        .value(":fact", s("check"))
        .value(":who", s(who.as_str()))
        .value(":check", n(*check))
        .value(":t", AttributeValue::Bool(true)),
    )
}
