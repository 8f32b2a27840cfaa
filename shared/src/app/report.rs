//! The monthly report's figures for 「月次レポート」 and the operator's report tool: each
//! settled month from its roll-up, the months not settled yet (this one, and the last
//! for a week after it ends) from their facts, folded page by page. However long the
//! history, a report reads the roll-ups (one query) and at most two months of facts;
//! a month that has just settled is folded once more and kept as its roll-up.

use crate::ids::OperatorId;
use crate::ports::{Facts, StoreError};
use crate::report::{self, Months};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Every month's tally from the first fact to `now`'s month (operator time `tz`).
pub async fn months(facts: &dyn Facts, op: &OperatorId, now: Timestamp, tz: &TimeZone) -> Result<Months, StoreError> {
    let mut months: Months = facts.roll_ups(op).await?.into_iter().collect();
    // Roll-ups are kept oldest first from the first month with facts, so the first one
    // is that month; without any, the facts say (one short read per partition).
    let first = match months.keys().next() {
        Some(first) => Some(first.clone()),
        None => facts.first_month(op).await?,
    };
    let Some(first) = first else {
        return Ok(months);
    };
    for month in report::months_from(&first, &report::month_of(now, tz)) {
        if months.contains_key(&month) {
            continue;
        }
        let tally = facts.tally_month(op, &month).await?;
        if report::settled(&month, now, tz) {
            facts.keep_roll_up(op, &month, &tally).await?;
            tracing::info!(operator = %op, month = %month, facts = tally.facts, "report_month_rolled_up");
        }
        months.insert(month, tally);
    }
    Ok(months)
}
