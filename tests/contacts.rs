//! Contacts: the one-time invitation code, consent by befriending, limits, and brute force.

use mimamori::member::HistoryEvent;
use scenarios::*;

#[tokio::test]
async fn member_invites_a_contact_who_is_linked_and_not_checked_on() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let ask = s.sim.text(KIYOSHI, "連絡先登録");
    assert_eq!(s.webhook(&[ask]).await, 200);
    let invite = replies(&s, KIYOSHI).pop().unwrap();
    assert_eq!(invite.messages.len(), 2, "the code, and a message to forward");
    let code = last_code(&s, KIYOSHI);

    join(&mut s, YOKO, "鈴木洋子").await;
    let send = s.sim.text(YOKO, &format!("招待コード {code}"));
    assert_eq!(s.webhook(&[send]).await, 200);

    let told_contact = replies(&s, YOKO).pop().unwrap();
    assert!(
        text_of(&told_contact).contains("鈴木清さんの連絡先"),
        "{}",
        text_of(&told_contact)
    );
    let told_member = pushes(&s, KIYOSHI).pop().unwrap();
    assert!(text_of(&told_member).contains("鈴木洋子さんを連絡先に登録しました"));
    let contacts = s
        .functions
        .webhook
        .store
        .contacts(&operator(&s), &uid(KIYOSHI))
        .await
        .unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].display_name, "鈴木洋子");
    assert_eq!(member(&s, KIYOSHI).await.unwrap().contact_count, 1);

    // Yoko befriended the account only to be a contact: she is not watched over.
    assert!(member(&s, YOKO).await.is_none());
    assert_eq!(schedule_names(&s).await.len(), 1, "only Kiyoshi's schedule");
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty(), "no check for a contact");
    // And her messages are no sign of life for anyone.
    let chat = s.sim.text(YOKO, "こんにちは");
    assert_eq!(s.webhook(&[chat]).await, 200);
    assert!(member(&s, KIYOSHI).await.unwrap().open_check.is_some());
    let history: Vec<HistoryEvent> = s
        .functions
        .webhook
        .store
        .history(&operator(&s), &uid(YOKO))
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    assert!(history.contains(&HistoryEvent::BecameContactOnly));
}

#[tokio::test]
async fn a_member_who_answers_checks_stays_a_member_when_becoming_a_contact() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    join(&mut s, TARO, "佐藤太郎").await;
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap();
    tap_ok(&mut s, TARO).await;
    let ask = s.sim.text(HANAKO, "連絡先登録");
    s.webhook(&[ask]).await;
    let code = last_code(&s, HANAKO);
    let send = s.sim.text(TARO, &code);
    assert_eq!(s.webhook(&[send]).await, 200);
    assert!(member(&s, TARO).await.is_some(), "Taro is still watched over");
    assert_eq!(
        s.functions
            .webhook
            .store
            .contacts(&operator(&s), &uid(HANAKO))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_code_works_once_and_not_after_24_hours() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    let code = last_code(&s, KIYOSHI);
    join(&mut s, &person(1), "他人").await;
    let reuse = s.sim.text(&person(1), &code);
    assert_eq!(s.webhook(&[reuse]).await, 200);
    assert!(text_of(&replies(&s, &person(1)).pop().unwrap()).contains("正しくないか"));
    assert_eq!(
        s.functions
            .webhook
            .store
            .contacts(&operator(&s), &uid(KIYOSHI))
            .await
            .unwrap()
            .len(),
        1
    );

    let ask = s.sim.text(KIYOSHI, "contact");
    s.webhook(&[ask]).await;
    let fresh = last_code(&s, KIYOSHI);
    s.advance(hours(25)).await.unwrap();
    let late = s.sim.text(&person(1), &fresh);
    assert_eq!(s.webhook(&[late]).await, 200);
    assert!(text_of(&replies(&s, &person(1)).pop().unwrap()).contains("期限"));
    assert_eq!(
        s.functions
            .webhook
            .store
            .contacts(&operator(&s), &uid(KIYOSHI))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn at_most_five_contacts() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    for n in 1..=5 {
        link_contact(&mut s, KIYOSHI, &person(n), &format!("連絡先{n}")).await;
    }
    link_contact(&mut s, KIYOSHI, &person(6), "六人目").await;
    assert!(text_of(&replies(&s, &person(6)).pop().unwrap()).contains("5人まで"));
    assert_eq!(
        s.functions
            .webhook
            .store
            .contacts(&operator(&s), &uid(KIYOSHI))
            .await
            .unwrap()
            .len(),
        5
    );
    assert_eq!(member(&s, KIYOSHI).await.unwrap().contact_count, 5);
}

#[tokio::test]
async fn guessing_codes_is_throttled_after_five_wrong_tries_an_hour() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let ask = s.sim.text(KIYOSHI, "連絡先登録");
    s.webhook(&[ask]).await;
    let real = last_code(&s, KIYOSHI);
    let guesser = person(9);
    join(&mut s, &guesser, "Guesser").await;
    for guess in ["AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE"] {
        let e = s.sim.text(&guesser, guess);
        s.webhook(&[e]).await;
    }
    let right = s.sim.text(&guesser, &real);
    assert_eq!(s.webhook(&[right]).await, 200);
    assert!(
        text_of(&replies(&s, &guesser).pop().unwrap()).contains("1時間"),
        "throttled even with the right code"
    );
    assert!(
        s.functions
            .webhook
            .store
            .contacts(&operator(&s), &uid(KIYOSHI))
            .await
            .unwrap()
            .is_empty()
    );

    s.advance(hours(1)).await.unwrap();
    let retry = s.sim.text(&guesser, &real);
    s.webhook(&[retry]).await;
    assert_eq!(
        s.functions
            .webhook
            .store
            .contacts(&operator(&s), &uid(KIYOSHI))
            .await
            .unwrap()
            .len(),
        1,
        "after an hour the real code works"
    );
}

#[tokio::test]
async fn own_code_is_refused() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let ask = s.sim.text(KIYOSHI, "連絡先登録");
    s.webhook(&[ask]).await;
    let code = last_code(&s, KIYOSHI);
    let own = s.sim.text(KIYOSHI, &code);
    s.webhook(&[own]).await;
    assert!(text_of(&replies(&s, KIYOSHI).pop().unwrap()).contains("ご自身"));
    assert!(
        s.functions
            .webhook
            .store
            .contacts(&operator(&s), &uid(KIYOSHI))
            .await
            .unwrap()
            .is_empty()
    );
}
