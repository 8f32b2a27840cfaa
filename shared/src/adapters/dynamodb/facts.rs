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
        items
            .into_iter()
            .map(|mut i| {
                let sk = i.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let month = keys::month_of_fact(&sk).to_owned();
                i.remove("pk");
                i.remove("sk");
                i.remove("month");
                read::<Fact>("fact", i).map(|fact| Recorded { month, fact })
            })
            .collect()
    }
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
