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

/// What `rekey` changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rekeyed {
    pub members: usize,
    pub facts: usize,
    pub roll_ups: usize,
}

/// Blinds, once, what versions before blinding (`report::blind`) wrote: a random report
/// token (from `token`) for each member who has none, because they joined before tokens
/// existed and the report named them by a hash of their LINE id; and every fact and
/// roll-up that still names a member by a token or that hash, or keeps a second-exact
/// time, blinded with `salt` (random, drawn for the run and then forgotten) and cut to
/// the day. Reads every member and every month's facts, one month at a time: the
/// operator's one-off upgrade command (`report --rekey`), never run hourly or on
/// request. Running it again changes nothing.
pub async fn rekey(
    members: &dyn crate::ports::Members,
    facts: &dyn Facts,
    op: &OperatorId,
    salt: &str,
    mut token: impl FnMut() -> String,
    now: Timestamp,
    tz: &TimeZone,
) -> Result<Rekeyed, StoreError> {
    let mut done = Rekeyed::default();
    for user in members.roster(op).await? {
        let Some(member) = members.member(op, &user).await? else {
            continue;
        };
        if member.report_token.is_some() {
            continue;
        }
        let change = crate::member::MemberChange::ReportToken(token());
        if members.change(op, &user, &change, None, now).await? == crate::ports::Written::Done {
            done.members += 1;
        }
    }
    if let Some(first) = facts.first_month(op).await? {
        for month in report::months_from(&first, &report::month_of(now, tz)) {
            for recorded in facts.facts(op, Some(&month)).await? {
                if let Some(fresh) = recorded.fact.rekeyed(salt) {
                    facts.replace_fact(op, &month, &recorded.fact, &fresh).await?;
                    done.facts += 1;
                }
            }
        }
    }
    for (month, tally) in facts.roll_ups(op).await? {
        if let Some(fresh) = tally.rekeyed(salt) {
            facts.keep_roll_up(op, &month, &fresh).await?;
            done.roll_ups += 1;
        }
    }
    tracing::info!(
        operator = %op,
        members = done.members,
        facts = done.facts,
        roll_ups = done.roll_ups,
        "report_rekeyed"
    );
    Ok(done)
}
