//! Staff take an overdue check's case from the staff room: the first 「対応します」 wins,
//! everyone else is told who has it, and only the registered staff room can act.

use jiff::Timestamp;
use mimamori::case::{CallKind, CaseEvent, Outcome};
use mimamori::check::{Check, CheckState};
use mimamori::ids::{OperatorId, UserId};
use mimamori::line::postback::{Picker, Postback};
use mimamori::member::Member;
use mimamori::member::{HistoryEvent, MemberStatus};
use mimamori::outbox::{Push, PushKind, Recipient};
use mimamori::ports::{Alongside, EventClaim, StoreError, WebhookEvents, Written};
use mimamori::schedule::Cadence;
use scenarios::*;

const OTHER_GROUP: &str = "C8b000000000000000000000000000008";

async fn escalated(s: &mut LocalStack) -> u64 {
    staff_room(s).await;
    join(s, KIYOSHI, "鈴木清").await;
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    check_at(s, KIYOSHI, t("2026-11-30T00:00:00Z"))
        .await
        .unwrap()
        .case_number
        .expect("a case")
}

#[tokio::test]
async fn the_staff_alert_carries_a_take_button_and_the_first_press_wins() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    let alert = pushes(&s, STAFF_ROOM).pop().unwrap();
    let take = Postback::TakeCase(case).encode();
    assert_eq!(
        alert.postback_data(),
        std::slice::from_ref(&take),
        "one button: 対応します"
    );
    assert_eq!(
        s.sim.billed_messages(),
        1 + 1 + 2,
        "check, reminder, and one alert push (two messages) per staff member"
    );

    // Two staff press at the same moment.
    let a = s.signed(&[s.sim.group_postback(STAFF_ROOM, STAFF_A, &take)]);
    let b = s.signed(&[s.sim.group_postback(STAFF_ROOM, STAFF_B, &take)]);
    let (ra, rb) = tokio::join!(
        s.webhook_raw(&a.body, Some(&a.signature)),
        s.webhook_raw(&b.body, Some(&b.signature))
    );
    assert_eq!((ra.0, rb.0), (200, 200));
    let answers: Vec<String> = replies(&s, STAFF_ROOM).iter().rev().take(2).map(text_of).collect();
    let won = answers.iter().filter(|t| t.contains("が対応します")).count();
    let told = answers.iter().filter(|t| t.contains("既に")).count();
    assert_eq!((won, told), (1, 1), "{answers:?}");
    let taken = member_events(&s, KIYOSHI, |e| matches!(e, HistoryEvent::CaseTaken { .. })).await;
    assert_eq!(taken, 1);
}

#[tokio::test]
async fn a_button_pressed_outside_the_staff_room_does_nothing() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    s.sim.add_group(OTHER_GROUP, "ご近所", &[TARO]);
    let forged = s
        .sim
        .group_postback(OTHER_GROUP, TARO, &Postback::TakeCase(case).encode());
    assert_eq!(s.webhook(&[forged]).await, 200);
    assert!(last_reply(&s, OTHER_GROUP).contains("スタッフルームでだけ"));
    assert!(
        !history(&s, KIYOSHI)
            .await
            .iter()
            .any(|e| matches!(e, HistoryEvent::CaseTaken { .. }))
    );
    // And a case that ended before anyone took it says so.
    say(&mut s, KIYOSHI, "元気です").await;
    let late = s
        .sim
        .group_postback(STAFF_ROOM, STAFF_A, &Postback::TakeCase(case).encode());
    s.webhook(&[late]).await;
    assert!(last_reply(&s, STAFF_ROOM).contains("終了しています"));
}

async fn case_record(s: &LocalStack, number: u64) -> mimamori::case::Case {
    s.functions
        .webhook
        .cases
        .case(&operator(s), number)
        .await
        .unwrap()
        .expect("the case is recorded")
}

/// How many entries of the case's history `which` picks.
async fn case_events(s: &LocalStack, case: u64, which: fn(&CaseEvent) -> bool) -> usize {
    case_history(s, case).await.iter().filter(|e| which(e)).count()
}

/// How many entries of the member's own history `which` picks.
async fn member_events(s: &LocalStack, who: &str, which: fn(&HistoryEvent) -> bool) -> usize {
    history(s, who).await.iter().filter(|e| which(e)).count()
}

async fn staff_says(s: &mut LocalStack, who: &str, text: &str) -> String {
    text_of(&staff_send(s, who, text).await)
}

#[tokio::test]
async fn staff_record_calls_close_with_an_outcome_and_read_the_whole_history() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;

    // Before anyone takes it, call records are refused.
    let early = staff_tap(
        &mut s,
        STAFF_B,
        &Postback::RecordCall(case, CallKind::NoAnswer).encode(),
    )
    .await;
    assert!(text_of(&early).contains("まだ対応する人が決まっていません"));

    let taken = staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    // Buttons that stay in the chat and show on LINE for PC: a Flex bubble, not quick
    // replies (which only the phone apps show, and only until the next message).
    assert!(
        taken.messages.iter().all(|m| m.get("quickReply").is_none()),
        "{taken:?}"
    );
    assert!(taken.messages.iter().any(|m| m["type"] == "flex"), "{taken:?}");
    let buttons = taken.postback_data();
    for kind in CallKind::ALL {
        assert!(
            buttons.contains(&Postback::RecordCall(case, kind).encode()),
            "{buttons:?}"
        );
    }
    assert!(buttons.contains(&Postback::AskOutcome(case).encode()));

    s.advance(minutes(5)).await.unwrap();
    let recorded = staff_tap(
        &mut s,
        STAFF_A,
        &Postback::RecordCall(case, CallKind::NoAnswer).encode(),
    )
    .await;
    assert!(text_of(&recorded).contains("不在・留守電（田中さん）"));
    s.advance(minutes(10)).await.unwrap();
    // A colleague may call too, once the case is taken.
    staff_tap(
        &mut s,
        STAFF_B,
        &Postback::RecordCall(case, CallKind::ReachedContact).encode(),
    )
    .await;

    let ask = staff_tap(&mut s, STAFF_A, &Postback::AskOutcome(case).encode()).await;
    assert!(ask.messages.iter().all(|m| m.get("quickReply").is_none()), "{ask:?}");
    let outcomes = ask.postback_data();
    assert_eq!(
        outcomes,
        [Outcome::Safe, Outcome::Hospitalised, Outcome::Deceased, Outcome::Other]
            .map(|o| Postback::CloseCase(case, o).encode())
    );
    let closed = staff_tap(
        &mut s,
        STAFF_A,
        &Postback::CloseCase(case, Outcome::Hospitalised).encode(),
    )
    .await;
    assert!(text_of(&closed).contains("結果：入院"), "{}", text_of(&closed));
    assert!(
        staff_says(&mut s, STAFF_A, &format!("メモ #{case} 市民病院に入院。長女が付き添い"))
            .await
            .contains("メモを残しました")
    );

    // The case ended: the check is closed (so the next one is watched afresh), nobody
    // is told "safe", and the member's checks pause while in hospital.
    assert_eq!(case_record(&s, case).await.outcome, Some(Outcome::Hospitalised));
    let check = check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z")).await.unwrap();
    assert_eq!(check.state, CheckState::Acknowledged);
    assert_eq!(member(&s, KIYOSHI).await.unwrap().status, MemberStatus::Paused);
    assert!(
        !pushes(&s, STAFF_ROOM).iter().any(|d| text_of(d).contains("解決")),
        "no all-clear after a hospital outcome"
    );
    let again = staff_tap(
        &mut s,
        STAFF_B,
        &Postback::RecordCall(case, CallKind::NoAnswer).encode(),
    )
    .await;
    assert!(text_of(&again).contains("終了しています"));

    // 「案件 #n」 shows everything, in order.
    let shown = staff_says(&mut s, STAFF_B, &format!("案件 #{case}")).await;
    let expected = [
        "鈴木清さん",
        "発生",
        "通知：連絡先なし、スタッフルーム",
        "対応者：田中さん",
        "不在・留守電（田中さん）",
        "連絡先と話せた（伊藤さん）",
        "終了：入院（田中さん）",
        "メモ（田中さん）：市民病院に入院",
    ];
    let mut at = 0;
    for part in expected {
        let found = shown[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} after {at} in {shown}"));
        at += found;
    }
    assert!(
        staff_says(&mut s, STAFF_B, "案件 #9999")
            .await
            .contains("見つかりません")
    );
    let history = history(&s, KIYOSHI).await;
    assert!(history.iter().any(|e| matches!(
        e,
        HistoryEvent::CaseClosed {
            outcome: Outcome::Hospitalised,
            ..
        }
    )));
}

#[tokio::test]
async fn a_forged_postback_from_someone_not_in_the_staff_room_changes_nothing() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    befriend(&mut s, TARO, "山田太郎").await;
    for data in [
        Postback::TakeCase(case).encode(),
        Postback::CloseCase(case, Outcome::Safe).encode(),
        Postback::RecordCall(case, CallKind::ReachedMember).encode(),
    ] {
        // Copied into a one-to-one chat with the account.
        let forged = s.sim.postback(TARO, &data);
        assert_eq!(s.webhook(&[forged]).await, 200);
        assert!(last_reply(&s, TARO).contains("スタッフルームでだけ"), "{data}");
    }
    let c = case_record(&s, case).await;
    assert_eq!((c.taken_by, c.outcome), (None, None));
    assert_eq!(
        check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z")).await.unwrap().state,
        CheckState::Overdue
    );
    assert!(case_history(&s, case).await.iter().all(|e| !matches!(
        e,
        CaseEvent::Taken { .. } | CaseEvent::Call { .. } | CaseEvent::Closed { .. }
    )));
}

#[tokio::test]
async fn staff_are_the_people_who_join_the_staff_room_once_approved() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    let staff_c = "U9c000000000000000000000000000009";
    s.sim.add_user(staff_c, "佐々木");
    let joined = s.sim.member_joined(STAFF_ROOM, &[staff_c]);
    assert_eq!(s.webhook(&[joined]).await, 200);
    assert!(last_reply(&s, STAFF_ROOM).contains("佐々木さんがスタッフルームに入りました"));
    // Pending: she can act on nothing until an approved one approves her, by name.
    assert!(
        staff_says(&mut s, staff_c, "当番")
            .await
            .contains("まだスタッフとして承認されていません")
    );
    assert!(
        s.functions
            .webhook
            .staff
            .on_duty(&operator(&s))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        staff_says(&mut s, STAFF_B, "スタッフ承認 佐々木さん")
            .await
            .contains("佐々木さんをスタッフとして承認しました（伊藤さん）")
    );
    let store = &s.functions.webhook;
    assert_eq!(
        store
            .staff
            .staff(&operator(&s), &uid(staff_c))
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "佐々木"
    );
    // 「当番」 names who is mentioned about untaken cases; leaving the room ends both.
    assert!(
        staff_says(&mut s, staff_c, "当番")
            .await
            .contains("佐々木さんを当番にしました")
    );
    let left = s.sim.member_left(STAFF_ROOM, &[staff_c]);
    assert_eq!(s.webhook(&[left]).await, 200);
    let store = &s.functions.webhook;
    assert!(store.staff.staff(&operator(&s), &uid(staff_c)).await.unwrap().is_none());
    assert!(store.staff.on_duty(&operator(&s)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_contacts_safe_button_ends_the_case_and_everyone_hears() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    let case = check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z"))
        .await
        .unwrap()
        .case_number
        .unwrap();
    let alert = pushes(&s, YOKO).pop().unwrap();
    let safe = Postback::ContactSafe(case).encode();
    assert!(alert.postback_data().contains(&safe), "{:?}", alert.postback_data());

    // Someone who is not Kiyoshi's contact cannot end his case.
    befriend(&mut s, TARO, "山田太郎").await;
    let foreign = s.sim.postback(TARO, &safe);
    s.webhook(&[foreign]).await;
    assert!(last_reply(&s, TARO).contains("使えなくなりました"));
    assert_eq!(case_record(&s, case).await.outcome, None);

    let pressed = s.sim.postback(YOKO, &safe);
    assert_eq!(s.webhook(&[pressed]).await, 200);
    assert!(last_reply(&s, YOKO).contains("お知らせしました"));
    s.drain_queue().await.unwrap();
    assert_eq!(case_record(&s, case).await.outcome, Some(Outcome::ConfirmedByContact));
    assert_eq!(
        check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z")).await.unwrap().state,
        CheckState::Acknowledged
    );
    let staff = text_of(&pushes(&s, STAFF_ROOM).pop().unwrap());
    assert!(
        staff.contains(&format!("#{case}")) && staff.contains("鈴木洋子さんが無事を確認しました"),
        "{staff}"
    );
    assert!(text_of(&pushes(&s, YOKO).pop().unwrap()).contains("ご無事を確認しました"));
    // Pressing again does no harm.
    let again = s.sim.postback(YOKO, &safe);
    s.webhook(&[again]).await;
    assert_eq!(pushes(&s, YOKO).len(), 2, "the alert and one all-clear");
}

#[tokio::test]
async fn a_late_answer_ends_the_case_by_itself() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    say(&mut s, KIYOSHI, "元気です").await;
    s.drain_queue().await.unwrap();
    assert_eq!(case_record(&s, case).await.outcome, Some(Outcome::Answered));
    assert!(text_of(&pushes(&s, STAFF_ROOM).pop().unwrap()).contains("本人のお返事"));
}

#[tokio::test]
async fn an_untaken_case_is_announced_again_through_the_night_after_the_quiet_hours() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    assert!(
        staff_says(&mut s, STAFF_B, "当番")
            .await
            .contains("伊藤さんを当番にしました")
    );
    // Kiyoshi's checks come at 17:00, from today; he does not answer.
    let evening = s
        .sim
        .postback_with_params(KIYOSHI, &Picker::Time(Cadence::Day).encode(), &[("time", "17:00")]);
    assert_eq!(s.webhook(&[evening]).await, 200);
    // Sunday 17:00 check, Monday 17:00 reminder, overdue Monday 20:00 (11:00 UTC).
    s.advance_to(t("2026-11-30T11:01:00Z")).await.unwrap();
    let case = check_at(&s, KIYOSHI, t("2026-11-29T08:00:00Z"))
        .await
        .unwrap()
        .case_number
        .expect("a case at 20:00");
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1, "the alert");

    // Quiet from 21:00: nothing more until 08:00 (23:00 UTC), not to staff, not to Yoko.
    s.advance_to(t("2026-11-30T22:59:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1, "quiet through the night");
    assert_eq!(pushes(&s, YOKO).len(), 1);

    // 08:00: announced again; the two levels that fell due in the night come with it:
    // Yoko is alerted again and the person on duty (伊藤) is mentioned, in a push of its
    // own (LINE refuses a mention of someone who left, and that must not take the
    // announcement with it).
    s.advance_to(t("2026-11-30T23:00:30Z")).await.unwrap();
    let morning = pushes(&s, STAFF_ROOM);
    assert_eq!(morning.len(), 3);
    let again = &morning[1];
    assert!(text_of(again).contains("【再通知】"), "{}", text_of(again));
    assert!(again.postback_data().contains(&Postback::TakeCase(case).encode()));
    assert!(!again.messages.iter().any(|m| m["type"] == "textV2"));
    let mention = morning[2]
        .messages
        .iter()
        .find(|m| m["type"] == "textV2")
        .expect("a mention");
    assert_eq!(mention["substitution"]["duty"]["mentionee"]["userId"], STAFF_B);
    let yoko = pushes(&s, YOKO);
    assert_eq!(yoko.len(), 2);
    assert!(text_of(yoko.last().unwrap()).contains("まだ連絡がとれていません"));
    assert!(
        yoko.last()
            .unwrap()
            .postback_data()
            .contains(&Postback::ContactSafe(case).encode())
    );

    // Then every hour of the day, without the levels (each is done once).
    s.advance_to(t("2026-12-01T00:00:30Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 4);
    assert!(
        !pushes(&s, STAFF_ROOM)
            .last()
            .unwrap()
            .messages
            .iter()
            .any(|m| m["type"] == "textV2")
    );
    assert_eq!(pushes(&s, YOKO).len(), 2);

    // Taken at 09:30: no more announcements.
    s.advance(minutes(30)).await.unwrap();
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    s.advance_to(t("2026-12-01T03:29:00Z")).await.unwrap();
    assert_eq!(
        pushes(&s, STAFF_ROOM).len(),
        4,
        "nothing after it was taken (until 12:30)"
    );
    let reannounced = case_events(&s, case, |e| matches!(e, CaseEvent::Reannounced { .. })).await;
    let escalated = case_events(&s, case, |e| matches!(e, CaseEvent::Escalated { .. })).await;
    assert_eq!((reannounced, escalated), (2, 2));
}

#[tokio::test]
async fn a_member_who_leaves_takes_their_cases_with_them() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    staff_says(&mut s, STAFF_A, &format!("メモ #{case} 長女の話では入院中")).await;
    say(&mut s, KIYOSHI, "退会").await;
    let confirm = s.sim.postback(
        KIYOSHI,
        &Postback::Leave {
            confirmed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook(&[confirm]).await, 200);
    let told = text_of(&pushes(&s, STAFF_ROOM).pop().unwrap());
    assert!(
        told.contains(&format!("【退会】#{case} 鈴木清さん")),
        "the staff working it are told: {told}"
    );
    let store = &s.functions.webhook;
    assert!(store.cases.case(&operator(&s), case).await.unwrap().is_none());
    assert!(store.cases.case_history(&operator(&s), case).await.unwrap().is_empty());
    // The anonymous facts stay for the monthly report.
    let facts = store.facts.facts(&operator(&s), None).await.unwrap();
    assert!(
        facts
            .iter()
            .any(|f| matches!(f.fact, mimamori::report::Fact::CaseOpened { case: n } if n == case))
    );
    assert!(
        staff_says(&mut s, STAFF_B, &format!("案件 #{case}"))
            .await
            .contains("見つかりません")
    );
}

/// The webhook events port of an invocation that dies after acting on an event and
/// before marking it done: its claim stays "processing".
struct DiesBeforeDone(std::sync::Arc<dyn WebhookEvents>);

#[async_trait::async_trait]
impl WebhookEvents for DiesBeforeDone {
    async fn claim_event(
        &self,
        op: &OperatorId,
        id: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<EventClaim, StoreError> {
        self.0.claim_event(op, id, token, now).await
    }
    async fn complete_event(&self, _: &OperatorId, _: &str, _: &str, _: Timestamp) -> Result<Written, StoreError> {
        Err(StoreError::Unavailable {
            op: "UpdateItem",
            message: "the invocation died".into(),
        })
    }
    async fn release_event(&self, _: &OperatorId, _: &str, _: &str) -> Result<Written, StoreError> {
        Err(StoreError::Unavailable {
            op: "DeleteItem",
            message: "the invocation died".into(),
        })
    }
}

/// Sends `event` to an invocation that acts on it and dies before marking it done, then
/// lets the claim's lease run out, so LINE's redelivery is processed again.
async fn handled_then_crashed(s: &mut LocalStack, event: &serde_json::Value) {
    let events = s.functions.webhook.events.clone();
    s.functions.webhook.events = std::sync::Arc::new(DiesBeforeDone(events.clone()));
    assert_eq!(s.webhook(std::slice::from_ref(event)).await, 500, "the invocation died");
    s.functions.webhook.events = events;
    s.advance(minutes(3)).await.unwrap();
}

#[tokio::test]
async fn a_redelivered_call_record_or_take_is_recorded_once() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    let take = s
        .sim
        .group_postback(STAFF_ROOM, STAFF_A, &Postback::TakeCase(case).encode());
    handled_then_crashed(&mut s, &take).await;
    assert_eq!(s.webhook(&[line_simulator::Simulator::as_redelivery(&take)]).await, 200);
    assert!(
        last_reply(&s, STAFF_ROOM).contains("田中さんが対応します"),
        "the same answer, not 「既に田中さんが」"
    );

    let call = s.sim.group_postback(
        STAFF_ROOM,
        STAFF_A,
        &Postback::RecordCall(case, CallKind::NoAnswer).encode(),
    );
    handled_then_crashed(&mut s, &call).await;
    assert_eq!(s.webhook(&[line_simulator::Simulator::as_redelivery(&call)]).await, 200);

    assert_eq!(case_events(&s, case, |e| matches!(e, CaseEvent::Taken { .. })).await, 1);
    assert_eq!(case_events(&s, case, |e| matches!(e, CaseEvent::Call { .. })).await, 1);
    let facts = s.functions.webhook.facts.facts(&operator(&s), None).await.unwrap();
    let calls = facts
        .iter()
        .filter(|f| matches!(f.fact, mimamori::report::Fact::Call { .. }))
        .count();
    assert_eq!(calls, 1, "counted once in the report");
}

#[tokio::test]
async fn a_case_left_open_by_a_crash_after_the_members_answer_is_closed_when_staff_next_act() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    // The member's answer closed the check, and the invocation died before the case.
    let store = s.functions.webhook.clone();
    let op = operator(&s);
    let open = check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z")).await.unwrap();
    let mut answered = open.clone();
    answered.state = CheckState::Acknowledged;
    answered.acknowledged_at = Some(s.now());
    store
        .checks
        .acknowledge(
            &op,
            &uid(KIYOSHI),
            &open,
            &answered,
            &[],
            s.now(),
            &Alongside::default(),
        )
        .await
        .unwrap();
    assert_eq!(case_record(&s, case).await.outcome, None);

    let reply = staff_tap(
        &mut s,
        STAFF_A,
        &Postback::RecordCall(case, CallKind::NoAnswer).encode(),
    )
    .await;
    assert!(
        text_of(&reply).contains("終了しています（結果：本人が応答）"),
        "{}",
        text_of(&reply)
    );
    assert_eq!(case_record(&s, case).await.outcome, Some(Outcome::Answered));
}

#[tokio::test]
async fn the_case_view_brings_the_buttons_back() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    let shown = staff_send(&mut s, STAFF_B, &format!("案件 #{case}")).await;
    assert_eq!(shown.postback_data(), [Postback::TakeCase(case).encode()]);
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    let shown = staff_send(&mut s, STAFF_B, &format!("案件 #{case}")).await;
    assert!(shown.postback_data().contains(&Postback::AskOutcome(case).encode()));
}

#[tokio::test]
async fn a_case_that_ends_in_death_stops_the_checks_and_counts_the_member_as_left_once() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    // One tap on 死亡 only asks: it stops everything, and could be a slip of the finger.
    staff_tap(&mut s, STAFF_A, &Postback::CloseCase(case, Outcome::Deceased).encode()).await;
    let asked = replies(&s, STAFF_ROOM).pop().unwrap();
    assert!(text_of(&asked).contains("よろしいですか"), "{}", text_of(&asked));
    assert_eq!(
        asked.postback_data(),
        vec![
            Postback::ConfirmClose(case, Outcome::Deceased, s.now()).encode(),
            Postback::AskOutcome(case).encode()
        ]
    );
    assert!(has_check_schedule(&s, KIYOSHI).await, "nothing stopped yet");
    assert!(case_record(&s, case).await.outcome.is_none());
    let now = s.now();
    staff_tap(
        &mut s,
        STAFF_A,
        &Postback::ConfirmClose(case, Outcome::Deceased, now).encode(),
    )
    .await;
    assert!(!has_check_schedule(&s, KIYOSHI).await, "no more checks");
    let lefts = |facts: &[mimamori::report::Recorded]| {
        facts
            .iter()
            .filter(|f| matches!(f.fact, mimamori::report::Fact::Left { .. }))
            .count()
    };
    let store = s.functions.webhook.clone();
    assert_eq!(lefts(&store.facts.facts(&operator(&s), None).await.unwrap()), 1);
    // The family later asks for everything to be erased: still counted once.
    say(&mut s, KIYOSHI, "退会").await;
    let confirm = s.sim.postback(
        KIYOSHI,
        &Postback::Leave {
            confirmed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook(&[confirm]).await, 200);
    assert!(member(&s, KIYOSHI).await.is_none());
    assert_eq!(lefts(&store.facts.facts(&operator(&s), None).await.unwrap()), 1);
}

/// 死亡 recorded by mistake (the wrong case, the wrong button): staff type 「再開 #n」 and
/// the member is watched again — counted as a member, their schedule back, their next
/// check sent — and a second 「再開」 changes nothing more.
#[tokio::test]
async fn a_death_recorded_by_mistake_is_undone_by_staff_and_the_checks_come_again() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    let refused = staff_send(&mut s, STAFF_A, &format!("再開 #{case}")).await;
    assert!(
        text_of(&refused).contains("「死亡」で終了した案件ではない"),
        "{}",
        text_of(&refused)
    );
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    staff_send(&mut s, STAFF_A, &format!("終了 #{case} 死亡 はい")).await;
    let closed = replies(&s, STAFF_ROOM).pop().unwrap();
    assert!(
        text_of(&closed).contains(&format!("「再開 #{case}」")),
        "{}",
        text_of(&closed)
    );
    assert!(!has_check_schedule(&s, KIYOSHI).await);
    assert!(member(&s, KIYOSHI).await.unwrap().left_counted);

    let resumed = staff_send(&mut s, STAFF_B, &format!("再開 #{case}")).await;
    assert!(
        text_of(&resumed).contains("見守りを再開しました"),
        "{}",
        text_of(&resumed)
    );
    assert!(
        text_of(&resumed).contains("12月2日"),
        "the next check: {}",
        text_of(&resumed)
    );
    assert!(has_check_schedule(&s, KIYOSHI).await);
    assert!(!member(&s, KIYOSHI).await.unwrap().left_counted);
    // Said twice (or redelivered): nothing more happens.
    staff_send(&mut s, STAFF_B, &format!("再開 #{case}")).await;
    let resumed_in_history = history(&s, KIYOSHI)
        .await
        .iter()
        .filter(|e| **e == mimamori::member::HistoryEvent::ChecksResumed)
        .count();
    assert_eq!(resumed_in_history, 1);
    let store = s.functions.webhook.clone();
    let facts = store.facts.facts(&operator(&s), None).await.unwrap();
    let count = |left: bool| {
        facts
            .iter()
            .filter(|f| match f.fact {
                mimamori::report::Fact::Left { .. } => left,
                mimamori::report::Fact::Joined { .. } => !left,
                _ => false,
            })
            .count()
    };
    assert_eq!((count(false), count(true)), (2, 1), "joined, left, joined again");
    let shown = staff_send(&mut s, STAFF_A, &format!("案件 #{case}")).await;
    assert!(
        text_of(&shown).contains("見守りを再開（伊藤さん"),
        "{}",
        text_of(&shown)
    );

    // Wednesday 09:00 (Tokyo): his check comes as before.
    let before = pushes(&s, KIYOSHI).len();
    s.advance_to(t("2026-12-02T00:01:00Z")).await.unwrap();
    let kiyoshi = pushes(&s, KIYOSHI);
    assert_eq!(kiyoshi.len(), before + 1);
    assert!(
        !kiyoshi.last().unwrap().postback_data().is_empty(),
        "with its OK button"
    );
}

#[tokio::test]
async fn moving_the_staff_room_ends_the_old_rooms_duty() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    staff_send(&mut s, STAFF_B, "当番").await;
    let op = operator(&s);
    assert!(s.functions.webhook.staff.on_duty(&op).await.unwrap().is_some());
    const NEW_ROOM: &str = "C8b000000000000000000000000000008";
    s.sim.add_group(NEW_ROOM, "新スタッフルーム", &[STAFF_A]);
    let join = s.sim.join(NEW_ROOM);
    assert_eq!(s.webhook(&[join]).await, 200);
    let answer = text_of(&staff_send(&mut s, STAFF_A, "スタッフルーム移動").await);
    let code = mimamori::contact::InviteCode::find_in(&answer).expect("a code that moves the room");
    let register = s
        .sim
        .group_text(NEW_ROOM, STAFF_A, &format!("スタッフ登録 {}", code.as_str()));
    assert_eq!(s.webhook(&[register]).await, 200);
    assert_eq!(
        staff_room_of(&s).await.map(|r| r.chat_id.to_string()),
        Some(NEW_ROOM.to_owned())
    );
    assert!(
        s.functions.webhook.staff.on_duty(&op).await.unwrap().is_none(),
        "伊藤 is not in the new room: nobody is mentioned who cannot be"
    );
}

/// The overdue deadline fires 315 ms late (Scheduler fires within a minute); everything
/// else on the second.
fn overdue_fires_late(name: &str) -> jiff::SignedDuration {
    if name.ends_with("-o") {
        jiff::SignedDuration::from_millis(315)
    } else {
        jiff::SignedDuration::ZERO
    }
}

#[tokio::test]
async fn a_case_opened_a_fraction_past_the_hour_is_followed_up_through_every_level_and_the_night() {
    let mut s = stack_with(Options {
        firing_delay: Some(overdue_fires_late),
        ..Options::default()
    })
    .await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    staff_says(&mut s, STAFF_B, "当番").await;
    let afternoon = s
        .sim
        .postback_with_params(KIYOSHI, &Picker::Time(Cadence::Day).encode(), &[("time", "15:00")]);
    assert_eq!(s.webhook(&[afternoon]).await, 200);
    // Sunday 15:00 check, Monday 15:00 reminder, overdue Monday 18:00:00.315.
    s.advance_to(t("2026-11-30T09:01:00Z")).await.unwrap();
    let check = check_at(&s, KIYOSHI, t("2026-11-29T06:00:00Z")).await.unwrap();
    let case = case_record(&s, check.case_number.expect("a case at 18:00")).await;
    assert_eq!(case.opened(), t("2026-11-30T09:00:00.315Z"));

    // 19:00 announced again; 20:00 announced again and Yoko alerted again (2 hours).
    s.advance_to(t("2026-11-30T11:00:30Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 3, "the alert, 19:00 and 20:00");
    let yoko = pushes(&s, YOKO);
    assert_eq!(yoko.len(), 2, "the 2-hour level was carried out at 20:00");
    assert!(text_of(&yoko[1]).contains("まだ連絡がとれていません"));

    // Quiet from 21:00; at 08:00 announced again with the person on duty mentioned.
    s.advance_to(t("2026-11-30T22:59:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 3);
    s.advance_to(t("2026-11-30T23:00:30Z")).await.unwrap();
    let morning = pushes(&s, STAFF_ROOM);
    assert_eq!(morning.len(), 5, "08:00: announced again, and 伊藤 mentioned");
    assert!(morning[4].messages.iter().any(|m| m["type"] == "textV2"));
    // And on through the day.
    s.advance_to(t("2026-12-01T00:00:30Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 6, "09:00");
    let case = case_record(&s, case.number).await;
    assert_eq!((case.follow_ups, case.levels_done), (4, 2));
    assert!(case.next_follow_up.is_some_and(|next| next > s.now()));

    // He leaves: no schedule of his outlives the erasure.
    say(&mut s, KIYOSHI, "退会").await;
    let now = s.now();
    tap(
        &mut s,
        KIYOSHI,
        &Postback::Leave {
            confirmed: true,
            asked: now,
        }
        .encode(),
    )
    .await;
    assert!(member(&s, KIYOSHI).await.is_none());
    let left: Vec<String> = schedule_names(&s)
        .await
        .into_iter()
        .filter(|n| n.starts_with("dl-") || n.contains(KIYOSHI))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_taken_case_is_followed_up_until_closed_and_handed_back_when_its_taker_goes() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    let take = Postback::TakeCase(case).encode();
    // 田中 takes it at 12:05, then leaves the staff room at 13:00.
    s.advance_to(t("2026-12-01T03:05:00Z")).await.unwrap();
    staff_tap(&mut s, STAFF_A, &take).await;
    assert!(case_record(&s, case).await.taken_by.is_some());
    s.advance_to(t("2026-12-01T04:00:00Z")).await.unwrap();
    let left = s.sim.member_left(STAFF_ROOM, &[STAFF_A]);
    assert_eq!(s.webhook(&[left]).await, 200);
    let before = pushes(&s, STAFF_ROOM).len();

    // 15:05, when he would have been reminded: handed back to everyone instead.
    s.advance_to(t("2026-12-01T06:05:30Z")).await.unwrap();
    let room = pushes(&s, STAFF_ROOM);
    assert_eq!(room.len(), before + 1);
    let released = room.last().unwrap();
    assert!(
        text_of(released).contains("スタッフルームを出ました"),
        "{}",
        text_of(released)
    );
    assert!(released.postback_data().contains(&take));
    let record = case_record(&s, case).await;
    assert_eq!((record.taken_by, record.taken_at), (None, None));

    // 伊藤 takes it at 15:30: she is mentioned at 18:30 and, with nothing recorded,
    // everyone hears at 21:30, which is quiet: 08:00.
    s.advance_to(t("2026-12-01T06:30:00Z")).await.unwrap();
    staff_tap(&mut s, STAFF_B, &take).await;
    s.advance_to(t("2026-12-01T09:29:00Z")).await.unwrap();
    let before = pushes(&s, STAFF_ROOM).len();
    assert_eq!(before, room.len(), "no re-announcement while she has it");
    s.advance_to(t("2026-12-01T09:30:30Z")).await.unwrap();
    let room = pushes(&s, STAFF_ROOM);
    assert_eq!(room.len(), before + 1);
    let reminder = room.last().unwrap();
    let mention = reminder
        .messages
        .iter()
        .find(|m| m["type"] == "textV2")
        .expect("she is mentioned");
    assert_eq!(mention["substitution"]["taker"]["mentionee"]["userId"], STAFF_B);
    assert!(reminder.postback_data().contains(&Postback::AskOutcome(case).encode()));
    s.advance_to(t("2026-12-01T22:59:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), before + 1, "quiet through the night");
    s.advance_to(t("2026-12-01T23:00:30Z")).await.unwrap();
    let released = pushes(&s, STAFF_ROOM).pop().unwrap();
    assert!(
        text_of(&released).contains("終了の記録がありません"),
        "{}",
        text_of(&released)
    );
    assert!(released.postback_data().contains(&take));

    // And the untaken case is announced again every hour until someone takes it.
    let before = pushes(&s, STAFF_ROOM).len();
    s.advance_to(t("2026-12-02T00:00:30Z")).await.unwrap();
    let room = pushes(&s, STAFF_ROOM);
    assert!(
        text_of(&room[before]).contains("【再通知】"),
        "{}",
        text_of(&room[before])
    );
    assert!(
        room[before..]
            .iter()
            .any(|p| p.messages.iter().any(|m| m["type"] == "textV2")),
        "the levels it skipped while taken (the person on duty, or everyone) come now"
    );
    let released = case_events(&s, case, |e| matches!(e, CaseEvent::Released { .. })).await;
    let reminded = case_events(&s, case, |e| matches!(e, CaseEvent::TakerReminded { .. })).await;
    assert_eq!((released, reminded), (2, 1));
}

#[tokio::test]
async fn a_redelivery_while_the_first_attempt_still_runs_is_not_answered_as_done() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    let take = s
        .sim
        .group_postback(STAFF_ROOM, STAFF_A, &Postback::TakeCase(case).encode());
    let id = take["webhookEventId"].as_str().unwrap().to_owned();
    let op = operator(&s);
    let events = s.functions.webhook.events.clone();
    // Attempt 1 claimed the event and is still running (LINE gave up on it after 2 s).
    assert_eq!(
        events.claim_event(&op, &id, "attempt-1", s.now()).await.unwrap(),
        EventClaim::Claimed
    );
    let redelivery = line_simulator::Simulator::as_redelivery(&take);
    assert_eq!(
        s.webhook(std::slice::from_ref(&redelivery)).await,
        503,
        "not done yet: LINE must try again"
    );
    assert!(
        case_record(&s, case).await.taken_by.is_none(),
        "and nothing was done twice"
    );

    // Attempt 1 then fails and gives its claim up (only the holder can); LINE's next
    // redelivery processes the event.
    assert_eq!(
        events.release_event(&op, &id, "attempt-2").await.unwrap(),
        Written::Conflict
    );
    assert_eq!(
        events.release_event(&op, &id, "attempt-1").await.unwrap(),
        Written::Done
    );
    assert_eq!(s.webhook(std::slice::from_ref(&redelivery)).await, 200);
    assert!(case_record(&s, case).await.taken_by.is_some());
    assert_eq!(s.webhook(&[redelivery]).await, 200, "done: a duplicate");

    // An attempt whose lease ran out cannot mark the claim that took over done.
    let start = s.now();
    assert_eq!(
        events.claim_event(&op, "stale", "old", start).await.unwrap(),
        EventClaim::Claimed
    );
    assert_eq!(
        events
            .claim_event(&op, "stale", "new", start + minutes(3))
            .await
            .unwrap(),
        EventClaim::Claimed,
        "the lease (120 s) ran out"
    );
    assert_eq!(
        events
            .complete_event(&op, "stale", "old", start + minutes(3))
            .await
            .unwrap(),
        Written::Conflict
    );
    assert_eq!(
        events
            .claim_event(&op, "stale", "third", start + minutes(3))
            .await
            .unwrap(),
        EventClaim::InFlight,
        "still the new attempt's"
    );
}

/// The webhook's checks port, through which the escalation function commits a
/// follow-up push to the member's open check just after the answer read who was alerted
/// and just before the answer's own transaction: the race of the review's finding 16.
struct FollowUpDuringTheAnswer {
    inner: std::sync::Arc<dyn mimamori::ports::Checks>,
    push: std::sync::Mutex<Option<mimamori::outbox::Push>>,
}

#[async_trait::async_trait]
impl mimamori::ports::Checks for FollowUpDuringTheAnswer {
    async fn record_answered_check(
        &self,
        op: &OperatorId,
        member: &UserId,
        check: &Check,
    ) -> Result<Written, StoreError> {
        self.inner.record_answered_check(op, member, check).await
    }
    async fn check(&self, op: &OperatorId, member: &UserId, at: Timestamp) -> Result<Option<Check>, StoreError> {
        self.inner.check(op, member, at).await
    }
    async fn open_check(
        &self,
        member: &Member,
        check: &Check,
        push: &Push,
        alongside: &Alongside,
    ) -> Result<Written, StoreError> {
        self.inner.open_check(member, check, push, alongside).await
    }
    async fn advance_check(
        &self,
        op: &OperatorId,
        member: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError> {
        self.inner.advance_check(op, member, from, to, pushes, now).await
    }
    async fn acknowledge(
        &self,
        op: &OperatorId,
        member: &UserId,
        from: &Check,
        to: &Check,
        pushes: &[Push],
        now: Timestamp,
        alongside: &Alongside,
    ) -> Result<Written, StoreError> {
        let follow_up = self.push.lock().unwrap().take();
        if let Some(push) = follow_up {
            let added = self
                .inner
                .add_pushes(op, member, from.scheduled_at, CheckState::Overdue, &[push], now)
                .await?;
            assert_eq!(added, Written::Done, "the follow-up is committed first");
        }
        self.inner
            .acknowledge(op, member, from, to, pushes, now, alongside)
            .await
    }
    async fn note_sign_of_life(&self, op: &OperatorId, member: &UserId, now: Timestamp) -> Result<(), StoreError> {
        self.inner.note_sign_of_life(op, member, now).await
    }
    async fn add_pushes(
        &self,
        op: &OperatorId,
        member: &UserId,
        check: Timestamp,
        state: CheckState,
        pushes: &[Push],
        now: Timestamp,
    ) -> Result<Written, StoreError> {
        self.inner.add_pushes(op, member, check, state, pushes, now).await
    }
    async fn pushes(
        &self,
        op: &OperatorId,
        member: &UserId,
        check: Timestamp,
        kind: Option<PushKind>,
    ) -> Result<Vec<mimamori::outbox::Outboxed>, StoreError> {
        self.inner.pushes(op, member, check, kind).await
    }
    async fn record_notices(
        &self,
        op: &OperatorId,
        member: &UserId,
        notices: &[Push],
        now: Timestamp,
    ) -> Result<Vec<Push>, StoreError> {
        self.inner.record_notices(op, member, notices, now).await
    }
    async fn mark_sent(&self, op: &OperatorId, member: &UserId, push: &Push, now: Timestamp) -> Result<(), StoreError> {
        self.inner.mark_sent(op, member, push, now).await
    }
    async fn mark_failed(
        &self,
        op: &OperatorId,
        member: &UserId,
        push: &Push,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.mark_failed(op, member, push, now).await
    }
    async fn latest_check(&self, op: &OperatorId, member: &UserId) -> Result<Option<Timestamp>, StoreError> {
        self.inner.latest_check(op, member).await
    }
    async fn expect(&self, op: &OperatorId, member: &UserId, at: Timestamp) -> Result<(), StoreError> {
        self.inner.expect(op, member, at).await
    }
    async fn expected(&self, op: &OperatorId, hour: Timestamp, until: Timestamp) -> Result<Vec<UserId>, StoreError> {
        self.inner.expected(op, hour, until).await
    }
    async fn missed_check_reported(
        &self,
        op: &OperatorId,
        member: &UserId,
        slot: Timestamp,
    ) -> Result<bool, StoreError> {
        self.inner.missed_check_reported(op, member, slot).await
    }
    async fn mark_missed_check_reported(
        &self,
        op: &OperatorId,
        member: &UserId,
        slot: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.mark_missed_check_reported(op, member, slot).await
    }
}

#[tokio::test]
async fn someone_alerted_while_the_member_answers_still_hears_the_all_clear() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    befriend(&mut s, TARO, "山田太郎").await;
    let check = t("2026-11-30T00:00:00Z");
    // The escalation function tells Taro of the case (a follow-up) in the moment between
    // the answer reading who was alerted and the answer's own write.
    let follow_up = Push {
        key: format!("{}#follow_up1#{TARO}", check.as_second()),
        kind: PushKind::FollowUp,
        to: Recipient::Person(uid(TARO)),
        messages: vec![serde_json::json!({ "type": "text", "text": format!("【要対応 #{case}】") })],
    };
    s.functions.webhook.checks = std::sync::Arc::new(FollowUpDuringTheAnswer {
        inner: s.functions.webhook.checks.clone(),
        push: std::sync::Mutex::new(Some(follow_up)),
    });
    tap_ok(&mut s, KIYOSHI).await;
    s.drain_queue().await.unwrap();
    assert_eq!(
        check_at(&s, KIYOSHI, check).await.unwrap().state,
        CheckState::Acknowledged
    );
    // The answer was planned again with Taro among the alerted: he hears the all-clear.
    let cleared: Vec<Recipient> = s
        .functions
        .webhook
        .checks
        .pushes(&operator(&s), &uid(KIYOSHI), check, Some(PushKind::AllClear))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.push.to)
        .collect();
    assert!(cleared.contains(&Recipient::Person(uid(TARO))), "{cleared:?}");
    assert!(
        pushes(&s, TARO)
            .iter()
            .any(|d| text_of(d).contains("鈴木清さんの無事が確認できました")),
        "{:?}",
        pushes(&s, TARO)
    );
}

#[tokio::test]
async fn a_staff_button_line_sends_without_its_presser_asks_for_the_typed_form_which_works() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    // 田中 presses 対応します on LINE for PC: the postback comes without a userId.
    let event = s
        .sim
        .group_postback_without_user(STAFF_ROOM, &Postback::TakeCase(case).encode());
    let answer = text_of(&in_room(&mut s, event).await);
    assert!(
        answer.contains(&format!("「対応 #{case}」と送ってください")),
        "{answer}"
    );
    assert_eq!(case_record(&s, case).await.taken_by, None, "nobody took it");
    // She types it, and the rest of the case, as the answers say.
    let taken = text_of(&staff_send(&mut s, STAFF_A, &format!("対応 #{case}")).await);
    assert!(taken.contains("が対応します"), "{taken}");
    assert_eq!(case_record(&s, case).await.taken_by, Some(uid(STAFF_A)));
    let recorded = text_of(&staff_send(&mut s, STAFF_A, &format!("記録 #{case} 不在")).await);
    assert!(recorded.contains("不在"), "{recorded}");
    // An outcome button without its presser names its typed form too (死亡 typed
    // alone still asks for the confirmation).
    let event = s
        .sim
        .group_postback_without_user(STAFF_ROOM, &Postback::CloseCase(case, Outcome::Deceased).encode());
    let answer = text_of(&in_room(&mut s, event).await);
    assert!(answer.contains(&format!("「終了 #{case} 死亡」")), "{answer}");
    assert_eq!(case_record(&s, case).await.outcome, None);
    staff_send(&mut s, STAFF_A, &format!("終了 #{case} 無事")).await;
    assert_eq!(case_record(&s, case).await.outcome, Some(Outcome::Safe));
}

/// Sends `event` to the webhook; returns the reply in the staff room.
async fn in_room(s: &mut LocalStack, event: serde_json::Value) -> line_simulator::Delivery {
    assert_eq!(s.webhook(&[event]).await, 200);
    replies(s, STAFF_ROOM).pop().expect("a reply in the staff room")
}

#[tokio::test]
async fn a_close_that_failed_after_the_case_closed_is_finished_by_the_redelivery() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    // 入院: the case closes, then the member's history entry cannot be written (the
    // table fails it through the SDK's three attempts) and the webhook answers 500.
    s.faults.fail_next_matching(
        "PutItem",
        "case_closed",
        mimamori_local::faults::Fault::InternalServerError,
        3,
    );
    let close = s.sim.group_postback(
        STAFF_ROOM,
        STAFF_A,
        &Postback::CloseCase(case, Outcome::Hospitalised).encode(),
    );
    assert_eq!(s.webhook(std::slice::from_ref(&close)).await, 500);
    let closed = case_record(&s, case).await;
    assert_eq!(closed.outcome, Some(Outcome::Hospitalised), "the case itself closed");
    assert_ne!(member(&s, KIYOSHI).await.unwrap().status, MemberStatus::Paused);
    // LINE delivers the press again: the close is finished, once.
    let again = s.sim.redeliver(&close);
    assert_eq!(s.webhook(&[again]).await, 200);
    let kiyoshi = member(&s, KIYOSHI).await.unwrap();
    assert_eq!(
        kiyoshi.status,
        MemberStatus::Paused,
        "hospitalised: no checks for 14 days"
    );
    assert!(kiyoshi.resume_on.is_some());
    let closings = member_events(&s, KIYOSHI, |e| matches!(e, HistoryEvent::CaseClosed { .. })).await;
    assert_eq!(closings, 1);
    // And once more changes nothing.
    let third = s.sim.redeliver(&close);
    assert_eq!(s.webhook(&[third]).await, 200);
    let paused = member_events(&s, KIYOSHI, |e| matches!(e, HistoryEvent::Paused { .. })).await;
    assert_eq!(paused, 1);
    // He is told why his checks rest, until when, and how to change it: once.
    let told: Vec<String> = pushes(&s, KIYOSHI)
        .iter()
        .map(text_of)
        .filter(|t| t.contains("ご入院と伺いました"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("から自動で再開します") && told[0].contains("「設定」"),
        "{}",
        told[0]
    );
}

#[tokio::test]
async fn when_the_account_leaves_the_staff_room_its_staff_records_go_with_it() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    let staff = s.functions.webhook.staff.clone();
    assert_eq!(staff.staff_list(&operator(&s)).await.unwrap().len(), 2);
    let leave = s.sim.leave(STAFF_ROOM);
    assert_eq!(s.webhook(&[leave]).await, 200);
    assert!(staff_room_of(&s).await.is_none());
    assert!(
        staff.staff_list(&operator(&s)).await.unwrap().is_empty(),
        "nobody is staff of no room"
    );
    assert!(staff.on_duty(&operator(&s)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_case_that_ends_otherwise_than_safe_tells_the_alerted_contacts_it_ended_but_not_how() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    let case = check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z"))
        .await
        .unwrap()
        .case_number
        .expect("a case");
    assert!(
        pushes(&s, YOKO)
            .iter()
            .any(|d| text_of(d).contains("お返事がありません"))
    );
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    let staff_pushes = pushes(&s, STAFF_ROOM).len();
    staff_tap(
        &mut s,
        STAFF_A,
        &Postback::CloseCase(case, Outcome::Hospitalised).encode(),
    )
    .await;
    s.drain_queue().await.unwrap();
    let last = text_of(&pushes(&s, YOKO).pop().unwrap());
    assert!(last.contains("鈴木清さんの件は、スタッフが対応を終えました"), "{last}");
    assert!(!last.contains("入院"), "how it ended is for staff to tell: {last}");
    assert_eq!(pushes(&s, STAFF_ROOM).len(), staff_pushes, "the staff room closed it");
}
