//! The check cycle as PRODUCT.md tells it: joining, the daily check, the reminder,
//! escalation to contacts and the staff room, and the all-clear after a late answer.

use mimamori::check::CheckState;
use mimamori::ids::Watched;
use mimamori::line::postback::Postback;
use mimamori::member::{HistoryEvent, MemberStatus};
use scenarios::*;

const MONDAY_9: &str = "2026-11-30T00:00:00Z";
const TUESDAY_9: &str = "2026-12-01T00:00:00Z";

#[tokio::test]
async fn joining_creates_one_member_with_a_daily_schedule_and_a_free_welcome() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;

    let m = member(&s, HANAKO).await.expect("member stored");
    assert_eq!(m.status, MemberStatus::Active);
    assert_eq!(m.display_name, "山田花子");
    let schedules = s.schedules().await.unwrap();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].expression.to_string(), "cron(0 9 * * ? *)");
    assert_eq!(schedules[0].zone.iana_name(), Some("Asia/Tokyo"));
    assert_eq!(schedules[0].target_arn, s.resources.check_function_arn);
    assert_eq!(
        replies(&s, HANAKO).len(),
        3,
        "introduction, the first question, and done"
    );
    assert_eq!(s.sim.billed_messages(), 0, "joining is all replies, which are free");
}

#[tokio::test]
async fn member_who_taps_ok_gets_one_push_a_day_and_no_reminder() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.advance_to(t(MONDAY_9)).await.unwrap();

    let checks = pushes(&s, HANAKO);
    assert_eq!(checks.len(), 1, "one push at 09:00");
    assert_eq!(checks[0].at, t(MONDAY_9));
    assert!(
        checks[0]
            .postback_data()
            .iter()
            .any(|p| matches!(Postback::read(p), Some(Postback::Ok { .. }))),
        "with an OK button"
    );
    assert_eq!(checks[0].messages[0].get("notificationDisabled"), None);

    s.advance(minutes(5)).await.unwrap();
    tap_ok(&mut s, HANAKO).await;
    let thanks = replies(&s, HANAKO).pop().unwrap();
    assert!(text_of(&thanks).contains("ありがとう"));
    let check = check_at(&s, HANAKO, t(MONDAY_9)).await.unwrap();
    assert_eq!(check.state, CheckState::Acknowledged);
    assert_eq!(member(&s, HANAKO).await.unwrap().open_check, None);

    s.advance_to(t(TUESDAY_9) + minutes(1)).await.unwrap();
    let pushed = pushes(&s, HANAKO);
    assert_eq!(pushed.len(), 2, "Tuesday's check and nothing else");
    assert!(
        !text_of(&pushed[1]).contains("前回"),
        "Tuesday's push is a fresh check, not a reminder"
    );
    assert_eq!(s.sim.billed_messages(), 2);
}

#[tokio::test]
async fn unanswered_check_is_reminded_once_at_24_hours_and_not_stacked_with_the_next_check() {
    let mut s = stack().await;
    join(&mut s, TARO, "佐藤太郎").await;
    s.advance_to(t(TUESDAY_9) + minutes(30)).await.unwrap();

    let pushed = pushes(&s, TARO);
    assert_eq!(pushed.len(), 2, "Monday's check, then one push on Tuesday: {pushed:#?}");
    assert_eq!(pushed[1].at, t(TUESDAY_9));
    assert!(text_of(&pushed[1]).contains("前回"), "Tuesday's push is the reminder");
    let m = member(&s, TARO).await.unwrap();
    assert_eq!(m.open_check, Some(t(MONDAY_9)), "still one open check: Monday's");
    assert_eq!(check_at(&s, TARO, t(TUESDAY_9)).await, None, "no second open check");

    tap_ok(&mut s, TARO).await;
    assert_eq!(
        check_at(&s, TARO, t(MONDAY_9)).await.unwrap().state,
        CheckState::Acknowledged
    );
    s.advance(hours(5)).await.unwrap();
    assert_eq!(s.queue_depth("EscalationQueue").await.unwrap(), 0);
    assert!(
        s.invocations.iter().all(|i| i.function != "escalation"),
        "answered after the reminder: nobody is alerted"
    );
}

#[tokio::test]
async fn silent_member_is_escalated_to_contacts_and_staff_room_then_late_ok_sends_all_clear() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;

    // Monday's check, Tuesday's reminder, then three hours of silence.
    s.advance_to(t(TUESDAY_9) + hours(3) - minutes(1)).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty(), "not before the overdue time");
    s.advance(minutes(2)).await.unwrap();

    let alert = pushes(&s, YOKO).pop().expect("the contact is alerted");
    assert_eq!(alert.at, t(TUESDAY_9) + hours(3));
    assert!(
        text_of(&alert).contains("鈴木清") && text_of(&alert).contains("11月30日 9:00"),
        "{}",
        text_of(&alert)
    );
    let staff = pushes(&s, STAFF_ROOM).pop().expect("the staff room is alerted");
    let staff_text = text_of(&staff);
    assert!(staff_text.contains("鈴木清"), "who: {staff_text}");
    assert!(staff_text.contains("11月30日 9:00"), "since when: {staff_text}");
    assert!(
        staff_text.contains("最後のお返事"),
        "last acknowledgement: {staff_text}"
    );
    assert!(staff_text.contains("鈴木洋子"), "the contacts to phone: {staff_text}");
    let check = check_at(&s, KIYOSHI, t(MONDAY_9)).await.unwrap();
    assert_eq!(check.state, CheckState::Overdue);
    let case = check.case_number.expect("a case number");
    assert!(staff_text.contains(&format!("#{case}")));
    let billed_before = s.sim.billed_messages();

    // Half an hour later (before the case is announced again) Kiyoshi finds his phone.
    s.advance(minutes(30)).await.unwrap();
    let hello = s.sim.text(KIYOSHI, "元気です");
    assert_eq!(s.webhook(&[hello]).await, 200);
    s.drain_queue().await.unwrap();

    let clear = pushes(&s, YOKO).pop().unwrap();
    assert!(text_of(&clear).contains("無事が確認できました"));
    assert!(
        text_of(&clear).contains("2回"),
        "Monday's check and Tuesday's: {}",
        text_of(&clear)
    );
    let staff_clear = pushes(&s, STAFF_ROOM).pop().unwrap();
    assert!(text_of(&staff_clear).contains(&format!("#{case}")) && text_of(&staff_clear).contains("無事"));
    assert_eq!(
        s.sim.billed_messages() - billed_before,
        1 + 2,
        "one push to Yoko, one to the 2-person staff room"
    );
    assert_eq!(
        check_at(&s, KIYOSHI, t(MONDAY_9)).await.unwrap().state,
        CheckState::Acknowledged
    );
    let history = history(&s, KIYOSHI).await;
    assert!(history.contains(&HistoryEvent::CheckOverdue {
        check: t(MONDAY_9),
        case_number: case
    }));
    assert!(history.contains(&HistoryEvent::AcknowledgedAfterEscalation {
        check: t(MONDAY_9),
        case_number: case
    }));

    // Wednesday the cycle starts afresh.
    s.advance_to(t("2026-12-02T00:00:00Z")).await.unwrap();
    assert!(!text_of(&pushes(&s, KIYOSHI).pop().unwrap()).contains("前回"));
}

#[tokio::test]
async fn operator_changes_the_delays_without_code() {
    let mut s = stack_with(Options {
        env: vec![
            ("REMINDER_AFTER_MINUTES".into(), "60".into()),
            ("OVERDUE_AFTER_MINUTES".into(), "30".into()),
            ("LINE_TIMEOUT_MS".into(), "400".into()),
            ("LINE_RETRY_BACKOFF_MS".into(), "10,20".into()),
        ],
        ..Options::default()
    })
    .await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    s.advance_to(t(MONDAY_9) + minutes(91)).await.unwrap();

    let to_member = pushes(&s, KIYOSHI);
    assert_eq!(to_member.len(), 2);
    assert_eq!(to_member[1].at, t(MONDAY_9) + hours(1), "reminder after 60 minutes");
    let staff = pushes(&s, STAFF_ROOM);
    assert_eq!(staff.len(), 1);
    assert_eq!(
        staff[0].at,
        t(MONDAY_9) + minutes(90),
        "overdue 30 minutes after the reminder"
    );
    assert!(
        text_of(&staff[0]).contains("登録なし"),
        "no contacts registered: {}",
        text_of(&staff[0])
    );
}

#[tokio::test]
async fn blocking_the_account_stops_checks_and_unblocking_resumes_the_same_member() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    let unfollow = s.sim.unfollow(HANAKO);
    assert_eq!(s.webhook(&[unfollow]).await, 200);

    let m = member(&s, HANAKO).await.unwrap();
    assert_eq!(m.status, MemberStatus::Blocked);
    let names = schedule_names(&s).await;
    assert!(
        !names.contains(&check_schedule(&s, HANAKO)),
        "her check schedule is deleted: {names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with("-e")),
        "her erasure after the grace period is scheduled"
    );
    let history = history(&s, HANAKO).await;
    assert_eq!(history, vec![HistoryEvent::Joined, HistoryEvent::Blocked]);
    s.advance_to(t(TUESDAY_9) + hours(4)).await.unwrap();
    assert!(
        pushes(&s, HANAKO).is_empty(),
        "no push to someone who cannot receive it"
    );

    let follow = s.sim.follow(HANAKO);
    assert_eq!(follow["follow"]["isUnblocked"], true);
    assert_eq!(s.webhook(&[follow]).await, 200);
    let again = member(&s, HANAKO).await.unwrap();
    assert_eq!(again.status, MemberStatus::Active);
    assert_eq!(again.joined_at, m.joined_at, "the same member, not a second one");
    assert_eq!(
        schedule_names(&s).await,
        vec![check_schedule(&s, HANAKO)],
        "checks back, erasure called off"
    );
    s.advance_to(t("2026-12-02T00:00:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1, "checks resume");
}

#[tokio::test]
async fn an_answered_daily_check_leaves_no_deadline_so_its_next_09_00_invokes_the_member_once() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.advance_to(t(MONDAY_9) + minutes(5)).await.unwrap();
    assert_eq!(
        schedule_names(&s).await.len(),
        2,
        "the check schedule and Monday's reminder, due Tuesday 09:00"
    );
    tap_ok(&mut s, HANAKO).await;
    assert_eq!(
        schedule_names(&s).await.len(),
        1,
        "the reminder has nothing left to do and is deleted"
    );
    let mark = s.invocations.len();
    s.advance_to(t(TUESDAY_9) + minutes(2)).await.unwrap();
    let at_nine: Vec<&str> = s.invocations[mark..].iter().map(|i| i.function).collect();
    assert_eq!(at_nine, ["check"], "once at 09:00, not twice");
    assert_eq!(pushes(&s, HANAKO).len(), 2, "Monday's check and Tuesday's, no reminder");
}

#[tokio::test]
async fn with_a_flexible_window_checks_come_spread_within_it_and_members_are_told_so() {
    let mut s = stack_with(Options {
        env: vec![
            ("CHECK_WINDOW_MINUTES".into(), "5".into()),
            ("LINE_TIMEOUT_MS".into(), "400".into()),
            ("LINE_RETRY_BACKOFF_MS".into(), "10,20".into()),
        ],
        watchdog: true,
        ..Options::default()
    })
    .await;
    staff_room(&mut s).await;
    let members: Vec<String> = (0..12).map(|n| format!("U{:032x}", 0x5100 + n)).collect();
    for (n, id) in members.iter().enumerate() {
        join(&mut s, id, &format!("会員{n}")).await;
    }
    // Told when the check comes: within the window, not on the minute.
    let told: String = replies(&s, &members[0]).iter().map(text_of).collect();
    assert!(told.contains("毎日9時〜9時5分"), "{told}");
    // Scheduler is asked for the window on the recurring check only (as the schedule
    // reads back from it).
    let name = mimamori::adapters::scheduler::check_schedule_name(&operator(&s), &Watched::from(&uid(&members[0])));
    let schedules = s.schedules().await.unwrap();
    let check = schedules.iter().find(|k| k.name == name).expect("the check schedule");
    assert_eq!(check.window, minutes(5));
    assert!(
        schedules
            .iter()
            .filter(|k| k.name != name && k.name.starts_with("dl-"))
            .all(|k| k.window.is_zero()),
        "deadlines on their minute"
    );

    // Monday: every check comes between 09:00 and 09:05, spread over the window; each is
    // the 09:00 check all the same.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    let mut moments = std::collections::BTreeSet::new();
    for id in &members {
        let got = pushes(&s, id);
        assert_eq!(got.len(), 1, "{id}");
        assert!(
            got[0].at >= t(MONDAY_9) && got[0].at < t(MONDAY_9) + minutes(5),
            "{}",
            got[0].at
        );
        moments.insert(got[0].at);
        let check = check_at(&s, id, t(MONDAY_9)).await.expect("the 09:00 check");
        assert_eq!(check.scheduled_at, t(MONDAY_9));
        tap_ok(&mut s, id).await;
    }
    assert!(moments.len() >= 6, "spread: {moments:?}");
    // Nobody is reported missing for coming a few minutes late.
    s.advance_to(t("2026-11-30T03:10:00Z")).await.unwrap();
    assert!(
        pushes(&s, STAFF_ROOM).is_empty(),
        "{:?}",
        pushes(&s, STAFF_ROOM).iter().map(text_of).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn an_open_check_that_points_at_no_check_is_dropped_and_the_next_check_goes_out() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    // A record left pointing at a check that is not there (a partial erasure, a restore).
    aws_sdk_dynamodb::Client::new(&s.aws)
        .update_item()
        .table_name(&s.resources.table)
        .key(
            "pk",
            AttributeValue::S(mimamori::adapters::dynamodb::keys::person(&operator(&s), HANAKO)),
        )
        .key("sk", AttributeValue::S("MEMBER".into()))
        .update_expression("SET open_check = :at")
        .expression_attribute_values(":at", AttributeValue::S("2026-11-20T00:00:00Z".into()))
        .send()
        .await
        .unwrap();
    s.advance_to(t("2026-11-30T00:05:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1, "Monday's check went out");
    let m = member(&s, HANAKO).await.unwrap();
    assert_eq!(m.open_check, Some(t("2026-11-30T00:00:00Z")));
    tap_ok(&mut s, HANAKO).await;
    assert_eq!(
        check_at(&s, HANAKO, t("2026-11-30T00:00:00Z")).await.unwrap().state,
        CheckState::Acknowledged
    );
}
