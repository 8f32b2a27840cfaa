//! Contacts: the one-time invitation code, consent by befriending, limits, and brute force.

use line_simulator::{Endpoint, Failure, Simulator};
use mimamori::adapters::dynamodb::keys;
use mimamori::line::postback::Postback;
use mimamori::member::HistoryEvent;
use mimamori::outbox::NOTICE_PREFIX;
use mimamori::outbox::{PushKind, Recipient};
use scenarios::*;

#[tokio::test]
async fn member_invites_a_contact_who_is_linked_and_not_checked_on() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let code = request_code(&mut s, KIYOSHI).await;
    let invite = replies(&s, KIYOSHI).pop().unwrap();
    assert_eq!(invite.messages.len(), 2, "the code, and a message to forward");

    join(&mut s, YOKO, "鈴木洋子").await;
    assert_eq!(say(&mut s, YOKO, &format!("招待コード {code}")).await, 200);

    // She had consented to be watched too, but never answered a check: she is asked,
    // not stopped silently; her checks go on until she answers.
    let asked = replies(&s, YOKO).pop().unwrap();
    assert!(text_of(&asked).contains("鈴木清さんの連絡先"), "{}", text_of(&asked));
    assert!(text_of(&asked).contains("このまま続けますか"), "{}", text_of(&asked));
    assert_eq!(
        asked.postback_data(),
        [
            Postback::OwnChecks { keep: true }.encode(),
            Postback::OwnChecks { keep: false }.encode()
        ]
    );
    assert!(member(&s, YOKO).await.is_some(), "still watched until she says");
    let only = tap(&mut s, YOKO, &Postback::OwnChecks { keep: false }.encode()).await;
    assert!(only.contains("もうお送りしません"), "{only}");
    let told_member = pushes(&s, KIYOSHI).pop().unwrap();
    assert!(text_of(&told_member).contains("鈴木洋子さんを連絡先に登録しました"));
    let linked = contacts(&s, KIYOSHI).await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].display_name, "鈴木洋子");
    assert_eq!(member(&s, KIYOSHI).await.unwrap().contact_count, 1);

    // Yoko chose to be a contact only: she is not watched over.
    assert!(member(&s, YOKO).await.is_none());
    assert_eq!(schedule_names(&s).await.len(), 1, "only Kiyoshi's schedule");
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty(), "no check for a contact");
    // And her messages are no sign of life for anyone.
    assert_eq!(say(&mut s, YOKO, "こんにちは").await, 200);
    assert!(member(&s, KIYOSHI).await.unwrap().open_check.is_some());
    assert!(history(&s, YOKO).await.contains(&HistoryEvent::BecameContactOnly));
}

#[tokio::test]
async fn a_member_who_answers_checks_stays_a_member_when_becoming_a_contact() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    join(&mut s, TARO, "佐藤太郎").await;
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap();
    tap_ok(&mut s, TARO).await;
    let code = request_code(&mut s, HANAKO).await;
    assert_eq!(say(&mut s, TARO, &code).await, 200);
    assert!(member(&s, TARO).await.is_some(), "Taro is still watched over");
    assert_eq!(contacts(&s, HANAKO).await.len(), 1);
}

#[tokio::test]
async fn a_code_works_once_and_not_after_24_hours() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    let used = last_code(&s, KIYOSHI);
    let stranger = person(1);
    join(&mut s, &stranger, "他人").await;
    say(&mut s, &stranger, &used).await;
    assert!(last_reply(&s, &stranger).contains("正しくないか"));
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1);

    let fresh = request_code(&mut s, KIYOSHI).await;
    s.advance(hours(25)).await.unwrap();
    say(&mut s, &stranger, &fresh).await;
    assert!(last_reply(&s, &stranger).contains("期限"));
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1);
}

#[tokio::test]
async fn at_most_five_contacts() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    for n in 1..=5 {
        link_contact(&mut s, KIYOSHI, &person(n), &format!("連絡先{n}")).await;
    }
    link_contact(&mut s, KIYOSHI, &person(6), "六人目").await;
    assert!(last_reply(&s, &person(6)).contains("5人まで"));
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 5);
    assert_eq!(member(&s, KIYOSHI).await.unwrap().contact_count, 5);
}

#[tokio::test]
async fn guessing_codes_is_throttled_after_five_wrong_tries_an_hour() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let real = request_code(&mut s, KIYOSHI).await;
    let guesser = person(9);
    join(&mut s, &guesser, "Guesser").await;
    for guess in ["AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE"] {
        say(&mut s, &guesser, guess).await;
    }
    assert_eq!(say(&mut s, &guesser, &real).await, 200);
    assert!(
        last_reply(&s, &guesser).contains("1時間"),
        "throttled even with the right code"
    );
    assert!(contacts(&s, KIYOSHI).await.is_empty());

    s.advance(hours(1)).await.unwrap();
    say(&mut s, &guesser, &real).await;
    assert_eq!(
        contacts(&s, KIYOSHI).await.len(),
        1,
        "after an hour the real code works"
    );
}

#[tokio::test]
async fn own_code_is_refused() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let code = request_code(&mut s, KIYOSHI).await;
    say(&mut s, KIYOSHI, &code).await;
    assert!(last_reply(&s, KIYOSHI).contains("ご自身"));
    assert!(contacts(&s, KIYOSHI).await.is_empty());
    // Trying it does not use the code up: the person it was meant for still can.
    befriend(&mut s, YOKO, "鈴木洋子").await;
    assert_eq!(say(&mut s, YOKO, &format!("招待コード {code}")).await, 200);
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1, "{}", last_reply(&s, YOKO));
}

#[tokio::test]
async fn a_contacts_phone_number_is_confirmed_then_shown_only_to_staff() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;

    // A number out of the blue is just a message.
    say(&mut s, KIYOSHI, "090-1111-2222").await;
    assert!(replies(&s, KIYOSHI).pop().unwrap().postback_data().is_empty());

    say(&mut s, KIYOSHI, "連絡先").await;
    let phone_button = Postback::AskPhone(uid(YOKO)).encode();
    assert!(
        replies(&s, KIYOSHI)
            .pop()
            .unwrap()
            .postback_data()
            .contains(&phone_button)
    );
    let ask = s.sim.postback(KIYOSHI, &phone_button);
    s.webhook(&[ask]).await;
    assert!(last_reply(&s, KIYOSHI).contains("鈴木洋子さんの電話番号を送ってください"));
    say(&mut s, KIYOSHI, "０９０ー１２３４ー５６７８").await;
    let confirm = replies(&s, KIYOSHI).pop().unwrap();
    assert!(text_of(&confirm).contains("090-1234-5678 でよろしいですか"));
    let save = Postback::SavePhone {
        contact: uid(YOKO),
        phone: "090-1234-5678".into(),
    }
    .encode();
    assert_eq!(confirm.postback_data(), [save.clone(), Postback::CancelPhone.encode()]);
    // Nothing is stored before the confirmation.
    assert_eq!(contacts(&s, KIYOSHI).await[0].phone, None);
    let yes = s.sim.postback(KIYOSHI, &save);
    s.webhook(&[yes]).await;
    assert!(last_reply(&s, KIYOSHI).contains("登録しました"));
    assert_eq!(contacts(&s, KIYOSHI).await[0].phone.as_deref(), Some("090-1234-5678"));
    // A forged save with a number that is not one changes nothing.
    let forged = s.sim.postback(KIYOSHI, &format!("contacts:phone:save:{YOKO}:call-me"));
    s.webhook(&[forged]).await;
    assert!(last_reply(&s, KIYOSHI).contains("使えなくなりました"));
    assert_eq!(contacts(&s, KIYOSHI).await[0].phone.as_deref(), Some("090-1234-5678"));

    // Escalated: the staff room sees the number, Yoko's alert does not carry it.
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    let staff = text_of(&pushes(&s, STAFF_ROOM).pop().unwrap());
    assert!(staff.contains("鈴木洋子 090-1234-5678"), "{staff}");
    assert!(!text_of(&pushes(&s, YOKO).pop().unwrap()).contains("090"));

    // The member can take the number back.
    let ask = s.sim.postback(KIYOSHI, &phone_button);
    s.webhook(&[ask]).await;
    let clear = Postback::ClearPhone(uid(YOKO)).encode();
    assert!(replies(&s, KIYOSHI).pop().unwrap().postback_data().contains(&clear));
    let tap = s.sim.postback(KIYOSHI, &clear);
    s.webhook(&[tap]).await;
    assert!(last_reply(&s, KIYOSHI).contains("消しました"));
    assert_eq!(contacts(&s, KIYOSHI).await[0].phone, None);
}

/// The notice items in a person's outbox: (push key, status).
async fn notices_in_outbox(s: &LocalStack, id: &str) -> Vec<(String, String)> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let out = aws_sdk_dynamodb::Client::new(&s.aws)
        .query()
        .table_name(&s.resources.table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :notices)")
        .expression_attribute_values(":pk", AttributeValue::S(keys::person(&operator(s), id)))
        .expression_attribute_values(":notices", AttributeValue::S(keys::outbox(NOTICE_PREFIX)))
        .send()
        .await
        .unwrap();
    let text = |i: &std::collections::HashMap<String, AttributeValue>, k: &str| {
        i.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
    };
    out.items
        .unwrap_or_default()
        .iter()
        .map(|i| (text(i, "key"), text(i, "status")))
        .collect()
}

#[tokio::test]
async fn a_notice_to_someone_outside_the_chat_goes_through_the_outbox_once() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let code = request_code(&mut s, KIYOSHI).await;
    befriend(&mut s, YOKO, "鈴木洋子").await;
    // LINE fails every attempt of the first invocation: the webhook answers 500 and the
    // notice waits in Kiyoshi's outbox.
    s.sim.fail_next(Endpoint::Push, Failure::Status(500), 3);
    let redeem = s.sim.text(YOKO, &format!("招待コード {code}"));
    assert_eq!(s.webhook(std::slice::from_ref(&redeem)).await, 500);
    let waiting = notices_in_outbox(&s, KIYOSHI).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert!(waiting[0].0.starts_with("notice#contact_linked#"), "{waiting:?}");
    assert_eq!(waiting[0].1, "pending");
    // LINE's redelivery sends it, once, and marks it sent.
    assert_eq!(s.webhook(&[Simulator::as_redelivery(&redeem)]).await, 200);
    let told: Vec<_> = pushes(&s, KIYOSHI)
        .into_iter()
        .filter(|p| text_of(p).contains("鈴木洋子さんを連絡先に登録しました"))
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(notices_in_outbox(&s, KIYOSHI).await[0].1, "sent");
}

#[tokio::test]
async fn a_member_who_checks_in_with_the_free_button_stays_a_member_when_becoming_a_contact() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    join(&mut s, TARO, "佐藤太郎").await;
    // Sunday 21:30: Taro taps 元気です in the menu, as he does every evening; he has never
    // answered a pushed check.
    s.advance_to(t("2026-11-29T12:30:00Z")).await.unwrap();
    tap(&mut s, TARO, &Postback::CheckIn.encode()).await;
    let code = request_code(&mut s, HANAKO).await;
    assert_eq!(say(&mut s, TARO, &code).await, 200);
    assert_eq!(contacts(&s, HANAKO).await.len(), 1);
    assert!(member(&s, TARO).await.is_some(), "Taro is still watched over");
    assert!(has_check_schedule(&s, TARO).await);
}

#[tokio::test]
async fn a_contact_who_blocks_the_account_is_not_alerted_and_staff_and_the_member_are_told() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    let before = pushes(&s, KIYOSHI).len();
    // Yoko blocks the account (LINE would accept pushes to her and deliver nothing).
    let unfollow = s.sim.unfollow(YOKO);
    assert_eq!(s.webhook(std::slice::from_ref(&unfollow)).await, 200);
    assert_eq!(
        s.webhook(&[line_simulator::Simulator::as_redelivery(&unfollow)]).await,
        200
    );
    let told: Vec<String> = pushes(&s, KIYOSHI)[before..].iter().map(text_of).collect();
    assert_eq!(told.len(), 1, "Kiyoshi is told once: {told:?}");
    assert!(told[0].contains("鈴木洋子さんにはお知らせが届きません"), "{}", told[0]);
    assert!(!contacts(&s, KIYOSHI).await[0].reachable());

    // Kiyoshi goes overdue: the staff alert says Yoko cannot be reached; no push to her.
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    let alert = text_of(&pushes(&s, STAFF_ROOM).pop().unwrap());
    assert!(alert.contains("鈴木洋子（LINEをブロック中"), "{alert}");
    let alerts = s
        .functions
        .webhook
        .checks
        .pushes(
            &operator(&s),
            &uid(KIYOSHI),
            t("2026-11-30T00:00:00Z"),
            Some(PushKind::Alert),
        )
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1, "the staff room's alone");
    assert!(
        alerts.iter().all(|o| o.push.to != Recipient::Person(uid(YOKO))),
        "nothing is pushed to someone LINE cannot reach"
    );

    // She unblocks: reachable again.
    let follow = s.sim.follow(YOKO);
    assert_eq!(s.webhook(&[follow]).await, 200);
    assert!(contacts(&s, KIYOSHI).await[0].reachable());
}

#[tokio::test]
async fn a_code_is_redeemed_when_the_member_cannot_be_told_just_now() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let code = request_code(&mut s, KIYOSHI).await;
    s.sim.set_monthly_limit(Some(s.sim.billed_messages()));
    befriend(&mut s, YOKO, "鈴木洋子").await;
    assert_eq!(say(&mut s, YOKO, &format!("招待コード {code}")).await, 200);
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1, "linked all the same");
    assert!(last_reply(&s, YOKO).contains("連絡先として登録しました"));
}

#[tokio::test]
async fn a_new_contact_who_keeps_their_own_checks_is_still_watched() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    join(&mut s, YOKO, "鈴木洋子").await;
    let code = request_code(&mut s, KIYOSHI).await;
    assert_eq!(say(&mut s, YOKO, &format!("招待コード {code}")).await, 200);
    let kept = tap(&mut s, YOKO, &Postback::OwnChecks { keep: true }.encode()).await;
    assert!(kept.contains("これまでどおり"), "{kept}");
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1);
    assert!(has_check_schedule(&s, YOKO).await);
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    assert_eq!(pushes(&s, YOKO).len(), 1, "her own check comes");
    // Ignoring the question is keeping them: watching never ends without her word.
    join(&mut s, HANAKO, "山田花子").await;
    let code = request_code(&mut s, KIYOSHI).await;
    say(&mut s, HANAKO, &format!("招待コード {code}")).await;
    s.advance_to(t("2026-12-01T00:10:00Z")).await.unwrap();
    assert!(member(&s, HANAKO).await.is_some());
    assert!(!pushes(&s, HANAKO).is_empty(), "Hanako's check comes too");
    // The buttons do nothing for someone who is no contact.
    befriend(&mut s, TARO, "佐藤太郎").await;
    let stray = tap(&mut s, TARO, &Postback::OwnChecks { keep: false }.encode()).await;
    assert!(stray.contains("使えなくなりました"), "{stray}");
}

/// Yoko was watched over, with Taro as her contact, and becomes Kiyoshi's contact only:
/// Taro is told her watching ended, and is no longer linked to her (reliability review
/// 5: her own contacts were not told, and their links were left behind).
#[tokio::test]
async fn a_member_who_becomes_a_contact_only_has_her_own_contacts_told_and_unlinked() {
    let mut s = stack().await;
    join(&mut s, YOKO, "鈴木洋子").await;
    link_contact(&mut s, YOKO, TARO, "山田太郎").await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let code = request_code(&mut s, KIYOSHI).await;
    assert_eq!(say(&mut s, YOKO, &format!("招待コード {code}")).await, 200);
    let before = pushes(&s, TARO).len();
    let only = tap(&mut s, YOKO, &Postback::OwnChecks { keep: false }.encode()).await;
    assert!(only.contains("もうお送りしません"), "{only}");
    let taro = pushes(&s, TARO);
    assert_eq!(taro.len(), before + 1);
    assert!(
        text_of(taro.last().unwrap()).contains("鈴木洋子さんの見守りは終了しました"),
        "{}",
        text_of(taro.last().unwrap())
    );
    assert!(contacts(&s, YOKO).await.is_empty(), "Taro no longer linked to her");
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1, "she is Kiyoshi's contact");
    assert!(member(&s, YOKO).await.is_none());
    // A redelivered choice changes nothing and tells Taro nothing more.
    tap(&mut s, YOKO, &Postback::OwnChecks { keep: false }.encode()).await;
    assert_eq!(pushes(&s, TARO).len(), before + 1);
}
