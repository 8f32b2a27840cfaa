//! The table's keys: the only place a partition or sort key is spelled. Every key starts
//! with the operator id, so several operators can share a table without ever seeing each
//! other's records, and erasing a person is deleting their partition plus the few
//! records it points at.
//!
//! | pk                      | sk                         | what                          |
//! |-------------------------|----------------------------|-------------------------------|
//! | `{op}#USER#{user}`      | `MEMBER`                   | the member                    |
//! |                         | `CHECK#{epoch}`            | a check                       |
//! |                         | `OUTBOX#{check}#…`         | a push of that check          |
//! |                         | `OUTBOX#notice#…`          | a notice outside any check    |
//! |                         | `CONTACT#{user}`           | one of the member's contacts  |
//! |                         | `WATCHES#{user}`           | a member this user watches    |
//! |                         | `HISTORY#{nanos}#{seq}#{event}` | the member's history     |
//! |                         | `INVITE_REF#{code}`        | a code this member made (TTL) |
//! |                         | `MISSED#{epoch}`           | a missed check the watchdog reported (TTL) |
//! |                         | `MENTION#{pk}\|{sk}`       | a record elsewhere naming this person (empty `sk`: the whole partition) |
//! | `{op}#OPERATOR`         | `STAFF_ROOM`, `COUNTER#case` | operator-wide records       |
//! |                         | `STAFF#{user}`, `ON_DUTY`  | people in the staff room, who is on duty |
//! |                         | `STAFF_CODE#{digest}`      | a staff-room registration code issued (TTL) |
//! |                         | `STAFF_CODE_USED#{digest}` | the deployment's own code, used once |
//! |                         | `WRONG_STAFF_CODE#{chat}#{hour}` | wrong registration codes from a chat (TTL) |
//! | `{op}#MEMBERS`          | `{user}`                   | the roster of members         |
//! | `{op}#DUE#{hour}#{shard}` | `{epoch}#{user}`         | a member the watchdog looks at from then (TTL) |
//! | `{op}#CASE#{number}`    | `CASE`                     | a case (対応案件)              |
//! |                         | `EVENT#{nanos}#{seq}`      | the case's history (append-only) |
//! |                         | `KEY#{key}`                | a case event already recorded under its key |
//! | `{op}#REPORT#{shard}`   | `{yyyy-mm}#{fact key}`     | anonymous facts for the monthly report |
//! | `{op}#INVITE#{code}`    | `INVITE`                   | an invitation code (TTL)      |
//! | `{op}#TRIES#{pseudonym}` | `WRONG_CODE#{hour}`       | tries of invitation codes (TTL) |
//! | `{op}#EVENT#{id}`       | `EVENT`                    | a processed webhook event (TTL) |

use crate::ids::{ChatId, OperatorId, UserId};
use jiff::Timestamp;
use std::fmt::Display;

/// The partition of a person: the member record and everything that is theirs.
pub fn person(op: &OperatorId, user: impl Display) -> String {
    format!("{op}#USER#{user}")
}
/// The roster: one item per member, so the watchdog finds every member with one query.
pub fn roster(op: &OperatorId) -> String {
    format!("{op}#MEMBERS")
}
/// A member's entry in the roster.
pub fn roster_entry(user: &UserId) -> String {
    user.to_string()
}
/// What every member's check writes at 09:00 (the watchdog's list of the hour, the
/// report's facts) is spread over this many partition keys. DynamoDB takes 1,000 write
/// units a second on one key; Scheduler fires up to 1,000 checks a second, so one key
/// would take them all (two units each in a transaction), a sixteenth of them about 125.
pub const SHARDS: u32 = 16;

/// A member's shard: the last hex digit of their LINE id, which LINE draws at random.
fn user_shard(user: &UserId) -> u32 {
    u32::from_str_radix(&user.as_str()[32..], 16).unwrap_or(0)
}

/// A fact's shard, from its key (FNV-1a: stable across processes and versions).
fn fact_shard(fact_key: &str) -> u32 {
    let hash = fact_key
        .bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % SHARDS
}

fn due_hour_prefix(op: &OperatorId, at: Timestamp) -> String {
    format!("{op}#DUE#{}", at.as_second().div_euclid(3600))
}
/// The watchdog's list for one hour (hours since the epoch), in the member's shard: the
/// members it looks at then, because a check, a deadline or a follow-up of theirs fell
/// due shortly before.
pub fn due_hour(op: &OperatorId, at: Timestamp, user: &UserId) -> String {
    format!("{}#{:x}", due_hour_prefix(op, at), user_shard(user))
}
/// Every shard of one hour's list, and the unsharded list versions before 2026-12-03
/// wrote (its entries live 48 hours).
pub fn due_hour_all(op: &OperatorId, at: Timestamp) -> Vec<String> {
    let hour = due_hour_prefix(op, at);
    (0..SHARDS)
        .map(|shard| format!("{hour}#{shard:x}"))
        .chain([hour.clone()])
        .collect()
}
/// A member's entry in an hour's list: from when it is to be looked at.
pub fn due_entry(at: Timestamp, user: &UserId) -> String {
    format!("{:011}#{user}", at.as_second())
}
/// The time and member of an hour's list entry.
pub fn parse_due_entry(sk: &str) -> Option<(Timestamp, UserId)> {
    let (epoch, user) = sk.split_once('#')?;
    let at = Timestamp::from_second(epoch.parse().ok()?).ok()?;
    Some((at, UserId::new(user).ok()?))
}
pub fn operator(op: &OperatorId) -> String {
    format!("{op}#OPERATOR")
}
pub fn case(op: &OperatorId, number: u64) -> String {
    format!("{op}#CASE#{number}")
}
/// The report's partition for a fact, by the fact's key.
pub fn report(op: &OperatorId, fact_key: &str) -> String {
    format!("{op}#REPORT#{:x}", fact_shard(fact_key))
}
/// The report's roll-ups: one item per settled month.
pub fn roll_ups(op: &OperatorId) -> String {
    format!("{op}#ROLLUP")
}
/// A month's roll-up within them.
pub fn roll_up(month: &str) -> String {
    format!("month#{month}")
}
/// The month of a roll-up's sort key.
pub fn month_of_roll_up(sk: &str) -> Option<&str> {
    sk.strip_prefix("month#")
}
/// Every partition of the report's facts, and the unsharded one versions before
/// 2026-12-03 wrote.
pub fn report_all(op: &OperatorId) -> Vec<String> {
    (0..SHARDS)
        .map(|shard| format!("{op}#REPORT#{shard:x}"))
        .chain([format!("{op}#REPORT")])
        .collect()
}
/// Someone's tries of invitation codes, by their pseudonym (no LINE id before consent).
pub fn code_tries(op: &OperatorId, who: &str) -> String {
    format!("{op}#TRIES#{who}")
}
pub fn invitation(op: &OperatorId, code: &str) -> String {
    format!("{op}#INVITE#{code}")
}
pub fn webhook_event(op: &OperatorId, event_id: &str) -> String {
    format!("{op}#EVENT#{event_id}")
}

pub const MEMBER: &str = "MEMBER";
pub const CASE: &str = "CASE";
pub const INVITE: &str = "INVITE";
pub const EVENT: &str = "EVENT";
pub const STAFF_ROOM: &str = "STAFF_ROOM";
pub const ON_DUTY: &str = "ON_DUTY";
/// The prefix of every `staff` key (and of nothing else in the operator's partition:
/// the staff room's own records are `STAFF_ROOM`, `STAFF_CODE…`, `WRONG_STAFF_CODE…`).
pub const STAFF_PREFIX: &str = "STAFF#";
pub const CASE_COUNTER: &str = "COUNTER#case";
pub const CHECKS: &str = "CHECK#";
pub const HISTORY: &str = "HISTORY#";
pub const CONTACTS: &str = "CONTACT#";
pub const WATCHES: &str = "WATCHES#";
pub const CASE_EVENTS: &str = "EVENT#";
pub const INVITE_REFS: &str = "INVITE_REF#";
pub const MENTIONS: &str = "MENTION#";
pub const OUTBOXES: &str = "OUTBOX#";

pub fn check(at: Timestamp) -> String {
    format!("CHECK#{}", crate::ids::CheckId(at).key())
}
pub fn outbox(push_key: &str) -> String {
    format!("{OUTBOXES}{push_key}")
}
/// The prefix of every push of the check at `check`.
pub fn outbox_of(check: Timestamp) -> String {
    format!("{OUTBOXES}{}#", crate::ids::CheckId(check).key())
}
pub fn contact(user: &UserId) -> String {
    format!("CONTACT#{user}")
}
pub fn watches(member: &UserId) -> String {
    format!("WATCHES#{member}")
}
pub fn history(at: Timestamp, seq: u64, kind: impl Display) -> String {
    format!("HISTORY#{:020}#{:012}#{kind}", at.as_nanosecond(), seq)
}
pub fn wrong_code(at: Timestamp) -> String {
    format!("WRONG_CODE#{}", at.as_second() / 3600)
}
pub fn staff_code(digest: &str) -> String {
    format!("STAFF_CODE#{digest}")
}
pub fn staff_code_used(digest: &str) -> String {
    format!("STAFF_CODE_USED#{digest}")
}
pub fn wrong_staff_code(chat: &ChatId, at: Timestamp) -> String {
    format!("WRONG_STAFF_CODE#{chat}#{}", at.as_second() / 3600)
}
pub fn invite_ref(code: &str) -> String {
    format!("INVITE_REF#{code}")
}
/// In a person's partition: the record at `pk`/`sk` elsewhere names them (an empty
/// `sk`: the whole partition does, a case), so their erasure finds it.
pub fn mention(pk: &str, sk: &str) -> String {
    format!("{MENTIONS}{pk}|{sk}")
}
/// The record a mention points at (`sk` empty: the whole partition).
pub fn parse_mention(sk: &str) -> Option<(&str, &str)> {
    sk.strip_prefix(MENTIONS)?.split_once('|')
}
/// Whether `pk` is a person's partition.
pub fn is_person(op: &OperatorId, pk: &str) -> bool {
    pk.starts_with(&format!("{op}#USER#"))
}
pub fn missed(slot: Timestamp) -> String {
    format!("MISSED#{}", slot.as_second())
}
pub fn case_event(at: Timestamp, seq: u64) -> String {
    format!("EVENT#{:020}#{:012}", at.as_nanosecond(), seq)
}
pub fn case_event_key(key: &str) -> String {
    format!("KEY#{key}")
}
pub fn staff(user: &UserId) -> String {
    format!("STAFF#{user}")
}
pub fn fact(month: &str, fact_key: impl Display) -> String {
    format!("{month}#{fact_key}")
}
/// The month a fact's sort key files it under.
pub fn month_of_fact(sk: &str) -> &str {
    sk.split('#').next().unwrap_or_default()
}
/// The prefix of one month's facts.
pub fn month(month: &str) -> String {
    format!("{month}#")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_members_spreads_evenly_over_the_shards_and_the_watchdog_reads_them_all() {
        let op = OperatorId::new("op").unwrap();
        let at = Timestamp::from_second(1_764_464_400).unwrap();
        let mut per_key: std::collections::HashMap<String, u32> = Default::default();
        let mut facts: std::collections::HashMap<String, u32> = Default::default();
        for n in 0..1_600u32 {
            let user = UserId::new(format!("U{:032x}", u128::from(n) * 0x9e37_79b9)).unwrap();
            *per_key.entry(due_hour(&op, at, &user)).or_default() += 1;
            *facts
                .entry(report(&op, &format!("check#p{n}#{}", at.as_second())))
                .or_default() += 1;
        }
        let every = due_hour_all(&op, at);
        assert!(per_key.keys().all(|k| every.contains(k)));
        assert!(facts.keys().all(|k| report_all(&op).contains(k)));
        for counts in [&per_key, &facts] {
            assert_eq!(counts.len(), SHARDS as usize);
            // 100 each if perfectly even; no shard takes more than half again.
            assert!(counts.values().all(|c| *c <= 150), "{counts:?}");
        }
    }
}
