//! The watchdog: a member whose expected check left no trace (here: their schedule was
//! lost) is reported to the staff room once and their schedule is put back; members whose
//! checks run as they should are never reported.

use jiff::Timestamp;
use mimamori::ids::{OperatorId, UserId, Watched};
use mimamori::member::{HistoryEvent, Member, MemberChange};
use mimamori::ports::{Members, StoreError, Written};
use mimamori_local::faults::Fault;
use scenarios::*;

/// A stack with the hourly watchdog and a staff room.
async fn watched() -> LocalStack {
    let mut s = stack_with(Options {
        watchdog: true,
        ..Options::default()
    })
    .await;
    staff_room(&mut s).await;
    s
}

#[tokio::test]
async fn a_lost_schedule_is_reported_once_and_repaired() {
    let mut s = watched().await;
    join(&mut s, HANAKO, "山田花子").await;
    join(&mut s, TARO, "山田太郎").await;
    // Something deletes Hanako's schedule (an operator's slip, a bug).
    s.functions
        .check
        .scheduler
        .delete_check_schedule(&operator(&s), &Watched::from(&uid(HANAKO)))
        .await
        .unwrap();

    // Monday 09:00: Taro's check comes and he answers; Hanako's never comes.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    tap_ok(&mut s, TARO).await;
    assert!(pushes(&s, HANAKO).is_empty());
    // 10:05, the first watchdog round past the hour's grace: reported, and repaired.
    s.advance_to(t("2026-11-30T01:06:00Z")).await.unwrap();
    let reports: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].contains("【確認漏れ】山田花子さん") && reports[0].contains("11月30日 9:00"),
        "{}",
        reports[0]
    );
    assert!(has_check_schedule(&s, HANAKO).await);
    // Later rounds do not report it again.
    s.advance_to(t("2026-11-30T05:06:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
    // Tuesday her check comes again; Taro, answering every day, is never reported.
    s.advance_to(t("2026-12-01T00:10:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1);
    tap_ok(&mut s, TARO).await;
    tap_ok(&mut s, HANAKO).await;
    s.advance_to(t("2026-12-01T05:06:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
    let rounds: Vec<_> = s
        .invocations
        .iter()
        .filter(|i| i.payload.get("watchdog").is_some())
        .collect();
    assert!(rounds.len() >= 28, "hourly: {}", rounds.len());
    assert!(rounds.iter().all(|a| a.result.is_ok()));
}

#[tokio::test]
async fn a_check_answered_after_its_reminder_absorbed_the_next_due_time_is_not_reported_missing() {
    let mut s = watched().await;
    join(&mut s, HANAKO, "山田花子").await;
    // Monday 09:00 unanswered; Tuesday 09:00 is the reminder of Monday's check (one
    // push, no check of its own); she answers it at 10:30.
    s.advance_to(t("2026-12-01T01:30:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 2, "the check and its reminder");
    tap_ok(&mut s, HANAKO).await;
    // The watchdog rounds after it (11:05, 12:05, …) know Tuesday's time was accounted for.
    s.advance_to(t("2026-12-01T05:06:00Z")).await.unwrap();
    let reports: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert!(
        !reports.iter().any(|r| r.contains("確認漏れ")),
        "no false 「確認漏れ」: {reports:?}"
    );
}

/// The members port of a check function that cannot read one member's record.
struct Unreadable {
    inner: std::sync::Arc<dyn Members>,
    who: UserId,
}

#[async_trait::async_trait]
impl Members for Unreadable {
    async fn member(&self, op: &OperatorId, member: &UserId) -> Result<Option<Member>, StoreError> {
        if member == &self.who {
            return Err(StoreError::Corrupt {
                what: "member",
                message: "written by another version".into(),
            });
        }
        self.inner.member(op, member).await
    }
    async fn create_member(&self, member: &Member) -> Result<Written, StoreError> {
        self.inner.create_member(member).await
    }
    async fn change(
        &self,
        op: &OperatorId,
        member: &UserId,
        change: &MemberChange,
        history: Option<&HistoryEvent>,
        now: Timestamp,
    ) -> Result<Written, StoreError> {
        self.inner.change(op, member, change, history, now).await
    }
    async fn delete_member(&self, op: &OperatorId, member: &UserId) -> Result<(), StoreError> {
        self.inner.delete_member(op, member).await
    }
    async fn roster(&self, op: &OperatorId) -> Result<Vec<UserId>, StoreError> {
        self.inner.roster(op).await
    }
    async fn record(
        &self,
        op: &OperatorId,
        member: &UserId,
        at: Timestamp,
        event: &HistoryEvent,
    ) -> Result<(), StoreError> {
        self.inner.record(op, member, at, event).await
    }
    async fn history(&self, op: &OperatorId, member: &UserId) -> Result<Vec<(Timestamp, HistoryEvent)>, StoreError> {
        self.inner.history(op, member).await
    }
}

#[tokio::test]
async fn one_member_who_cannot_be_watched_does_not_stop_the_watchdog_for_the_others() {
    let mut s = watched().await;
    join(&mut s, HANAKO, "山田花子").await;
    join(&mut s, TARO, "山田太郎").await;
    // Hanako (first on the roster) has a record the watchdog cannot read; Taro's
    // schedule is lost.
    s.functions.check.members = std::sync::Arc::new(Unreadable {
        inner: s.functions.check.members.clone(),
        who: uid(HANAKO),
    });
    s.functions
        .check
        .scheduler
        .delete_check_schedule(&operator(&s), &Watched::from(&uid(TARO)))
        .await
        .unwrap();
    s.advance_to(t("2026-11-30T01:06:00Z")).await.unwrap();
    let reports: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert!(
        reports.iter().any(|r| r.contains("【確認漏れ】山田太郎さん")),
        "Taro is still watched: {reports:?}"
    );
    assert!(has_check_schedule(&s, TARO).await, "and repaired");
    // The round itself fails, so the errors alarm fires, and names how many it missed.
    let round = s
        .invocations
        .iter()
        .rev()
        .find(|i| i.payload.get("watchdog").is_some())
        .unwrap();
    assert!(
        round.result.as_ref().is_err_and(|e| e.contains("1 member")),
        "{:?}",
        round.result
    );
}

/// `n` members who join, and whose schedules are then all lost.
async fn lost_schedules(s: &mut LocalStack, n: u32) -> Vec<String> {
    let ids: Vec<String> = (1..=n).map(|i| person(100 + i)).collect();
    for (i, id) in ids.iter().enumerate() {
        join(s, id, &format!("会員{}", i + 1)).await;
        s.functions
            .check
            .scheduler
            .delete_check_schedule(&operator(s), &Watched::from(&uid(id)))
            .await
            .unwrap();
    }
    ids
}

#[tokio::test]
async fn the_missed_checks_of_one_round_reach_the_staff_room_in_one_message() {
    let mut s = watched().await;
    let ids = lost_schedules(&mut s, 3).await;
    s.advance_to(t("2026-11-30T01:06:00Z")).await.unwrap();
    let reports: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert_eq!(reports.len(), 1, "one message for the round: {reports:?}");
    assert!(reports[0].starts_with("【確認漏れ】次の3人"), "{}", reports[0]);
    for n in 1..=3 {
        assert!(reports[0].contains(&format!("会員{n}さん")), "{}", reports[0]);
    }
    for id in &ids {
        assert!(has_check_schedule(&s, id).await, "repaired");
    }
    s.advance_to(t("2026-11-30T03:06:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1, "reported once");
}

#[tokio::test]
async fn many_missed_checks_at_once_are_reported_as_a_system_incident() {
    let mut s = watched().await;
    lost_schedules(&mut s, 12).await;
    s.advance_to(t("2026-11-30T01:06:00Z")).await.unwrap();
    let reports: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].starts_with("【システム障害】この1時間に12人"),
        "{}",
        reports[0]
    );
    let round = s
        .invocations
        .iter()
        .rev()
        .find(|i| i.payload.get("watchdog").is_some())
        .unwrap();
    assert!(round.result.is_ok());
}

#[tokio::test]
async fn an_open_case_whose_follow_up_was_lost_is_announced_again() {
    let mut s = watched().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    // Overdue Tuesday 12:00; its first follow-up (13:00) is lost.
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    let check = check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z")).await.unwrap();
    let number = check.case_number.expect("a case");
    let case = s
        .functions
        .check
        .cases
        .case(&operator(&s), number)
        .await
        .unwrap()
        .unwrap();
    let next = case.next_follow_up.expect("a follow-up planned");
    let follow_up = mimamori::check::Deadline {
        check: check.scheduled_at,
        stage: mimamori::check::Stage::FollowUp,
        at: next,
    };
    s.functions
        .check
        .scheduler
        .delete_deadline(&operator(&s), &Watched::from(&uid(KIYOSHI)), &follow_up)
        .await
        .unwrap();
    let alerted = pushes(&s, STAFF_ROOM).len();
    // 14:05: the watchdog finds the case with nothing to come, and sets it again.
    s.advance_to(t("2026-12-01T05:07:00Z")).await.unwrap();
    let room = pushes(&s, STAFF_ROOM);
    assert!(room.len() > alerted, "announced again");
    assert!(room[alerted..].iter().any(|p| text_of(p).contains("【再通知】")));
}

#[tokio::test]
async fn the_watchdog_reads_only_the_members_whose_check_fell_due_not_every_member() {
    let mut s = watched().await;
    let people: Vec<String> = (1..=12).map(person).collect();
    for (i, p) in people.iter().enumerate() {
        join(&mut s, p, &format!("会員{i}")).await;
    }
    // Monday 09:00 every check comes and everyone answers; one schedule is lost after.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    for p in &people {
        tap_ok(&mut s, p).await;
    }
    s.functions
        .check
        .scheduler
        .delete_check_schedule(&operator(&s), &Watched::from(&uid(&people[0])))
        .await
        .unwrap();
    s.advance_to(t("2026-12-01T03:06:00Z")).await.unwrap();
    let rounds: Vec<(Timestamp, u64)> = s
        .invocations
        .iter()
        .filter(|i| i.payload.get("watchdog").is_some())
        .map(|i| (i.at, i.result.as_ref().expect("round ran")["members"].as_u64().unwrap()))
        .collect();
    let at = |when: &str| rounds.iter().find(|(a, _)| *a >= t(when)).map(|(_, m)| *m);
    // 10:05 and 11:05 look at the twelve whose 09:00 check fell due in the hour before.
    assert_eq!(at("2026-11-30T01:05:00Z"), Some(12), "{rounds:?}");
    assert_eq!(at("2026-11-30T02:05:00Z"), Some(12), "{rounds:?}");
    // Every other round of the day reads no member at all: no one was due.
    let idle: Vec<_> = rounds
        .iter()
        .filter(|(a, _)| *a >= t("2026-11-30T03:00:00Z") && *a < t("2026-12-01T00:00:00Z"))
        .collect();
    assert_eq!(idle.len(), 21, "{rounds:?}");
    assert!(idle.iter().all(|(_, m)| *m == 0), "{idle:?}");
    // Tuesday the lost schedule's member is on the list all the same: Monday's check put
    // Tuesday's on it, so the missing check is reported and the schedule put back.
    let reports: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].contains("【確認漏れ】会員0さん"), "{}", reports[0]);
    assert!(has_check_schedule(&s, &people[0]).await);
}

#[tokio::test]
async fn the_watchdog_reads_the_line_quota_and_warns_from_eighty_percent() {
    let mut s = watched().await;
    join(&mut s, HANAKO, "山田花子").await;
    let used = s.sim.billed_messages();
    // A plan whose limit leaves room for a few days of Hanako's checks, then not.
    s.sim.set_monthly_limit(Some(used + 5));
    s.advance_to(t("2026-11-30T01:06:00Z")).await.unwrap();
    tap_ok(&mut s, HANAKO).await;
    let quota_at = |s: &LocalStack, when: &str| {
        s.invocations
            .iter()
            .rev()
            .find(|i| i.payload.get("watchdog").is_some() && i.at <= t(when))
            .and_then(|i| i.result.as_ref().ok())
            .map(|r| r["line_quota_used_percent"].clone())
    };
    let monday = quota_at(&s, "2026-11-30T01:06:00Z").unwrap();
    let expected = (used + 1) * 100 / (used + 5);
    assert_eq!(monday, serde_json::json!(expected), "one check more than at joining");
    assert!(expected < mimamori::app::watchdog::QUOTA_WARNING_PERCENT);
    // Three more days of checks, answered: 80% and beyond, which the alarm on
    // line_quota_nearly_used e-mails to the operator.
    for morning in ["2026-12-01T00:10:00Z", "2026-12-02T00:10:00Z", "2026-12-03T00:10:00Z"] {
        s.advance_to(t(morning)).await.unwrap();
        tap_ok(&mut s, HANAKO).await;
    }
    s.advance_to(t("2026-12-03T01:06:00Z")).await.unwrap();
    let thursday = quota_at(&s, "2026-12-03T01:06:00Z").unwrap().as_u64().unwrap();
    assert!(thursday >= mimamori::app::watchdog::QUOTA_WARNING_PERCENT, "{thursday}");
    // Without a limit there is nothing to warn of.
    s.sim.set_monthly_limit(None);
    s.advance(hours(1)).await.unwrap();
    assert_eq!(quota_at(&s, "2026-12-03T02:06:00Z"), Some(serde_json::Value::Null));
}

#[tokio::test]
async fn a_weekly_check_whose_function_failed_for_good_after_opening_it_is_still_sent_and_reminded() {
    let mut s = watched().await;
    join(&mut s, HANAKO, "山田花子").await;
    // Weekly, on Mondays at 09:00: nothing else would remind her for a week.
    let weekly = mimamori::line::postback::Picker::Time(mimamori::schedule::Cadence::Week {
        weekday: mimamori::schedule::WeekdayName::Mon,
    });
    let pick = s
        .sim
        .postback_with_params(HANAKO, &weekly.encode(), &[("time", "09:00")]);
    assert_eq!(s.webhook(&[pick]).await, 200);
    // Monday 09:00: the check is opened, then Scheduler refuses its reminder deadline on
    // all of Lambda's three attempts; the push never went out.
    FlakyScheduler::install(&mut s.functions.check, SchedulerCall::SetDeadline, 3);
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    let monday = t("2026-11-30T00:00:00Z");
    assert_eq!(
        check_at(&s, HANAKO, monday).await.unwrap().state,
        mimamori::check::CheckState::Sent
    );
    assert!(pushes(&s, HANAKO).is_empty());
    assert_eq!(s.receive_all("InvokeFailureQueue").await.unwrap().len(), 1, "alarmed");
    // Tuesday 10:05, an hour past the reminder's time: the watchdog sets the reminder
    // again and delivers the check still pending; the reminder follows.
    s.advance_to(t("2026-12-01T01:10:00Z")).await.unwrap();
    let texts: Vec<String> = pushes(&s, HANAKO).iter().map(text_of).collect();
    assert_eq!(texts.len(), 2, "the check, then its reminder: {texts:?}");
    assert_eq!(
        check_at(&s, HANAKO, monday).await.unwrap().state,
        mimamori::check::CheckState::Reminded
    );
}

#[tokio::test]
async fn a_case_whose_escalation_was_never_queued_still_gets_its_first_alerts() {
    let mut s = watched().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // Overdue Tuesday 12:00: the deadline function opens the case, then fails to hand it
    // to the escalation queue on every one of Lambda's three attempts (failure
    // destination, alarmed). Nothing plans the case's first follow-up either.
    s.advance_to(t("2026-12-01T02:59:00Z")).await.unwrap();
    s.faults.fail_next("SendMessage", Fault::InternalServerError, 3 * 3);
    s.advance_to(t("2026-12-01T03:10:00Z")).await.unwrap();
    let check = check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z")).await.unwrap();
    let number = check.case_number.expect("a case");
    assert!(pushes(&s, YOKO).is_empty(), "not alerted yet");
    // The watchdog finds the case with nothing to come; what it sets must bring the first
    // alerts — the staff room's 【要対応】 with its take button, the contacts' alert — not
    // only a re-announcement.
    s.advance_to(t("2026-12-01T05:10:00Z")).await.unwrap();
    let room: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert_eq!(
        room.iter()
            .filter(|t| t.contains(&format!("【要対応 #{number}】")))
            .count(),
        1,
        "{room:#?}"
    );
    let yoko: Vec<String> = pushes(&s, YOKO).iter().map(text_of).collect();
    assert!(
        yoko.iter().any(|t| t.contains("安否確認にお返事がありません")),
        "{yoko:#?}"
    );
}

#[tokio::test]
async fn a_reminder_whose_invocation_failed_for_good_before_its_overdue_deadline_still_escalates() {
    let mut s = watched().await;
    join(&mut s, HANAKO, "山田花子").await;
    link_contact(&mut s, HANAKO, YOKO, "鈴木洋子").await;
    // Monday 09:00: the check goes out and is not answered.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    // Tuesday 09:00 her check and Monday's reminder deadline both fall due; whichever
    // runs first reminds her of Monday's check and dies right after recording the
    // reminder, and every later attempt of either (Lambda's two retries each) dies
    // putting the overdue time on the watchdog's list (each call with the SDK's three
    // tries). The failure destination raises the alarm.
    let overdue_hour = format!("#DUE#{}", t("2026-12-01T04:00:00Z").as_second() / 3600);
    s.faults
        .fail_next_matching("UpdateItem", "reminded = :t", Fault::InternalServerError, 3);
    s.faults
        .fail_next_matching("PutItem", &overdue_hour, Fault::InternalServerError, 5 * 3);
    s.advance_to(t("2026-12-01T00:10:00Z")).await.unwrap();
    let monday = t("2026-11-30T00:00:00Z");
    assert_eq!(
        check_at(&s, HANAKO, monday).await.unwrap().state,
        mimamori::check::CheckState::Reminded
    );
    assert!(
        !s.receive_all("InvokeFailureQueue").await.unwrap().is_empty(),
        "alarmed"
    );
    // 12:00 passes with no overdue deadline. The watchdog's round an hour after it must
    // still find the check and escalate it: her contact is alerted the same afternoon,
    // not at Wednesday's check.
    s.advance_to(t("2026-12-01T05:10:00Z")).await.unwrap();
    let check = check_at(&s, HANAKO, monday).await.unwrap();
    assert_eq!(check.state, mimamori::check::CheckState::Overdue, "{check:?}");
    let yoko: Vec<String> = pushes(&s, YOKO).iter().map(text_of).collect();
    assert!(
        yoko.iter().any(|t| t.contains("安否確認にお返事がありません")),
        "{yoko:#?}"
    );
}

#[tokio::test]
async fn the_watchdog_reads_its_hour_lists_and_the_latest_checks_eventually_consistent() {
    let mut s = watched().await;
    for (id, name) in [(HANAKO, "山田花子"), (TARO, "山田太郎"), (KIYOSHI, "鈴木清")] {
        join(&mut s, id, name).await;
    }
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    for id in [HANAKO, TARO, KIYOSHI] {
        tap_ok(&mut s, id).await;
    }
    // What the 10:05 round queries was written an hour or more before: a strongly
    // consistent query (twice the read units) would fail here.
    s.faults
        .fail_next_matching("Query", "\"ConsistentRead\":true", Fault::InternalServerError, 1_000);
    s.advance_to(t("2026-11-30T01:06:00Z")).await.unwrap();
    s.faults.clear();
    let round = s
        .invocations
        .iter()
        .rfind(|i| i.payload.get("watchdog").is_some())
        .expect("the 10:05 round");
    let outcome = round.result.as_ref().expect("the round ran");
    assert_eq!(outcome["members"], 3, "{outcome}");
    assert!(pushes(&s, STAFF_ROOM).is_empty());
}
