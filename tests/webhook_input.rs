//! What the webhook does with input from outside: signature first, clear answers for
//! bad input, no second effect from duplicates, nothing sent in standby mode.

use line_simulator::Simulator;
use mimamori::app::Handled;
use mimamori::line::postback::Postback;
use scenarios::*;
use serde_json::json;

#[tokio::test]
async fn missing_or_wrong_signature_is_401_and_changes_nothing() {
    let s = stack().await;
    s.sim.add_user(HANAKO, "山田花子");
    let signed = s.signed(&[s.sim.follow(HANAKO)]);
    assert_eq!(s.webhook_raw(&signed.body, None).await.0, 401);
    assert_eq!(
        s.webhook_raw(&signed.body, Some("bm90IHRoZSBzaWduYXR1cmU=")).await.0,
        401
    );
    assert_eq!(s.webhook_raw(&signed.body, Some("%%% not base64")).await.0, 401);
    let tampered = signed.body.replace("follow", "unfollow");
    assert_eq!(s.webhook_raw(&tampered, Some(&signed.signature)).await.0, 401);
    assert!(member(&s, HANAKO).await.is_none());
    assert!(s.sim.deliveries().is_empty());
}

#[tokio::test]
async fn body_that_is_not_a_webhook_is_400() {
    let s = stack().await;
    for body in ["not json", "{}", "{\"events\": 3}", ""] {
        let sig = line_simulator::signature(&s.sim.config().channel_secret, body.as_bytes());
        assert_eq!(s.webhook_raw(body, Some(&sig)).await.0, 400, "{body:?}");
    }
}

#[tokio::test]
async fn connectivity_check_and_unknown_events_are_answered_200() {
    let mut s = stack().await;
    assert_eq!(s.webhook(&[]).await, 200, "LINE's connectivity check sends no events");
    let mut unknown = s.sim.text(HANAKO, "x");
    unknown["type"] = json!("videoPlayComplete");
    let mut malformed = s.sim.text(HANAKO, "x");
    malformed.as_object_mut().unwrap().remove("source");
    malformed["type"] = json!("follow");
    assert_eq!(s.webhook(&[unknown, malformed]).await, 200);
    assert!(s.sim.deliveries().is_empty());
}

#[tokio::test]
async fn redelivered_events_have_no_second_effect() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let before = replies(&s, KIYOSHI).len();
    let ask = s.sim.text(KIYOSHI, "連絡先登録");
    assert_eq!(s.webhook(std::slice::from_ref(&ask)).await, 200);
    assert_eq!(s.webhook(&[Simulator::as_redelivery(&ask)]).await, 200);
    assert_eq!(s.webhook(&[ask]).await, 200);
    assert_eq!(replies(&s, KIYOSHI).len(), before + 1, "one invitation");

    befriend(&mut s, TARO, "佐藤太郎").await;
    let consent = s.sim.postback(
        TARO,
        &Postback::Consent {
            agreed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook(&[consent.clone(), consent]).await, 200);
    assert_eq!(
        replies(&s, TARO).len(),
        2,
        "the introduction, then registered and answered once"
    );
    assert_eq!(schedule_names(&s).await.len(), 2);
}

#[tokio::test]
async fn standby_events_send_nothing_and_change_nothing_but_an_answer_still_counts() {
    let mut s = stack().await;
    s.sim.add_user(HANAKO, "山田花子");
    let follow = Simulator::as_standby(&s.sim.follow(HANAKO));
    assert_eq!(s.webhook(&[follow]).await, 200);
    assert!(s.sim.deliveries().is_empty());
    assert!(member(&s, HANAKO).await.is_none());
    // A member who answers while another bot has the chat (standby) answered all the
    // same: nothing is sent to her, and no one is alerted for a check she answered.
    join(&mut s, TARO, "佐藤太郎").await;
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    let seen = s.sim.deliveries().len();
    let ok = Simulator::as_standby(&s.sim.postback(TARO, &last_ok_button(&s, TARO)));
    assert_eq!(s.webhook(&[ok]).await, 200);
    assert_eq!(s.sim.deliveries().len(), seen, "silent in standby");
    assert_eq!(member(&s, TARO).await.unwrap().open_check, None, "answered");
}

#[tokio::test]
async fn malformed_foreign_or_stale_buttons_do_nothing_but_say_so() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    join(&mut s, TARO, "佐藤太郎").await;
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap();
    let open = Some(t("2026-11-30T00:00:00Z"));
    // Malformed, another member's check, a check that never was: each only says so. But
    // whoever pressed it is alive: Hanako's own open check is answered by her press;
    // Taro's, whose button she pressed, stays open.
    let taros = last_ok_button(&s, TARO);
    for data in ["ok:not-a-time", "ok:", taros.as_str(), "ok:1700000000"] {
        let event = s.sim.postback(HANAKO, data);
        assert_eq!(s.webhook(&[event]).await, 200);
        assert!(last_reply(&s, HANAKO).contains("使えなくなりました"), "{data}");
        assert_eq!(member(&s, HANAKO).await.unwrap().open_check, None, "{data}");
    }
    assert_eq!(
        member(&s, TARO).await.unwrap().open_check,
        open,
        "Taro's check is his to answer"
    );

    // Her own button answers; pressed again once nothing is open, it is stale.
    tap_ok(&mut s, HANAKO).await;
    assert_eq!(member(&s, HANAKO).await.unwrap().open_check, None);
    tap_ok(&mut s, HANAKO).await;
    assert!(last_reply(&s, HANAKO).contains("使えなくなりました"));

    // An old button of hers while a newer check is open still counts: she is alive.
    let monday = last_ok_button(&s, HANAKO);
    s.advance_to(t("2026-12-01T00:00:00Z")).await.unwrap();
    let event = s.sim.postback(HANAKO, &monday);
    s.webhook(&[event]).await;
    assert_eq!(member(&s, HANAKO).await.unwrap().open_check, None);
}

#[tokio::test]
async fn staff_room_needs_the_operator_code() {
    let mut s = stack().await;
    s.sim.add_group(STAFF_ROOM, "どこかのグループ", &[STAFF_A]);
    let wrong = s.sim.group_text(STAFF_ROOM, STAFF_A, "スタッフ登録 guess");
    assert_eq!(s.webhook(&[wrong]).await, 200);
    assert!(staff_room_of(&s).await.is_none());
    assert!(text_of(&replies(&s, STAFF_ROOM).pop().unwrap()).contains("違います"));
    let right = s.sim.group_text(STAFF_ROOM, STAFF_A, "スタッフ登録 local-staff-code");
    assert_eq!(s.webhook(&[right]).await, 200);
    assert!(staff_room_of(&s).await.is_some());
    let leave = s.sim.leave(STAFF_ROOM);
    assert_eq!(s.webhook(&[leave]).await, 200);
    assert!(
        staff_room_of(&s).await.is_none(),
        "a group the bot left is no staff room"
    );
}

#[tokio::test]
async fn the_account_removed_from_the_staff_room_is_a_loss_the_operator_hears_of() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    s.sim
        .add_group("C9c000000000000000000000000000009", "ほかのグループ", &[STAFF_A]);
    let handled = |s: &LocalStack, event: serde_json::Value| {
        let signed = s.signed(&[event]);
        let app = s.functions.webhook.clone();
        async move {
            match mimamori::app::webhook::handle(&app, signed.body.as_bytes(), Some(&signed.signature)).await {
                Ok(mimamori::app::webhook::WebhookResponse::Ok { handled, .. }) => handled,
                other => panic!("{other:?}"),
            }
        }
    };
    // Leaving some other group is nothing to report.
    let other = s.sim.leave("C9c000000000000000000000000000009");
    assert_eq!(handled(&s, other).await, [Handled::LeftChat]);
    assert!(staff_room_of(&s).await.is_some());
    // Removed from the staff room: registration undone, logged as staff_room_lost (which
    // the <stack>-staff-room-lost alarm e-mails to the operator), and the staff paged.
    let removed = s.sim.leave(STAFF_ROOM);
    assert_eq!(handled(&s, removed).await, [Handled::StaffRoomLost]);
    assert!(staff_room_of(&s).await.is_none());
    // And the staff are paged outside LINE.
    let pages = staff_pages(&s).await;
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert!(pages[0].1.contains("スタッフルームから退出"), "{}", pages[0].1);
}
