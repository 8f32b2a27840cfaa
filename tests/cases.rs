//! Staff take an overdue check's case from the staff room: the first 「対応します」 wins,
//! everyone else is told who has it, and only the registered staff room can act.

use mimamori::member::HistoryEvent;
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
    let take = format!("case:take:{case}");
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
    let taken = history(&s, KIYOSHI)
        .await
        .into_iter()
        .filter(|e| matches!(e, HistoryEvent::CaseTaken { .. }))
        .count();
    assert_eq!(taken, 1);
}

#[tokio::test]
async fn a_button_pressed_outside_the_staff_room_does_nothing() {
    let mut s = stack().await;
    let case = escalated(&mut s).await;
    s.sim.add_group(OTHER_GROUP, "ご近所", &[TARO]);
    let forged = s.sim.group_postback(OTHER_GROUP, TARO, &format!("case:take:{case}"));
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
    let late = s.sim.group_postback(STAFF_ROOM, STAFF_A, &format!("case:take:{case}"));
    s.webhook(&[late]).await;
    assert!(last_reply(&s, STAFF_ROOM).contains("解決済み"));
}
