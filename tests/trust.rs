//! Trust: nothing personal in the logs, and nobody but the staff in the staff room.
//!
//! The functions name people by keyed pseudonyms, and every scenario's stack scans the
//! lines it wrote when it is dropped (`logscan`); the first test shows the scan sees
//! what the functions log and would catch a leak. The staff room cannot be taken over:
//! only a code issued to move it moves it, each code works once, wrong codes are
//! throttled per chat, and the room hears of every attempt from elsewhere.

use line_simulator::{Endpoint, Failure};
use mimamori::contact::InviteCode;
use scenarios::*;

const OTHER_GROUP: &str = "C8b000000000000000000000000000008";
const THIRD_GROUP: &str = "C9c000000000000000000000000000009";
const STRANGER: &str = "U7a000000000000000000000000000007";

/// A group with a stranger in it that has the account in it too.
async fn other_group(s: &mut LocalStack, id: &str) {
    s.sim.add_user(STRANGER, "佐藤");
    s.sim.add_group(id, "よそのグループ", &[STRANGER, STAFF_A]);
    let join = s.sim.join(id);
    assert_eq!(s.webhook(&[join]).await, 200);
}

/// `text` in group `id` by the stranger; returns the reply there.
async fn in_group(s: &mut LocalStack, id: &str, text: &str) -> String {
    let event = s.sim.group_text(id, STRANGER, text);
    assert_eq!(s.webhook(&[event]).await, 200);
    text_of(&replies(s, id).pop().expect("a reply in the group"))
}

async fn room_id(s: &LocalStack) -> Option<String> {
    staff_room_of(s).await.map(|r| r.chat_id.to_string())
}

/// What the staff room was told by push (not in reply to something said there).
fn told_staff_room(s: &LocalStack) -> Vec<String> {
    pushes(s, STAFF_ROOM).iter().map(text_of).collect()
}

#[tokio::test]
async fn another_group_cannot_take_the_staff_room_and_the_staff_room_hears_of_every_try() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    other_group(&mut s, OTHER_GROUP).await;

    // The deployment's own code, right, from another group: refused.
    let answer = in_group(&mut s, OTHER_GROUP, "スタッフ登録 local-staff-code").await;
    assert!(answer.contains("すでに別のグループに登録されています"), "{answer}");
    assert_eq!(room_id(&s).await.as_deref(), Some(STAFF_ROOM));
    let told = told_staff_room(&s);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("別のグループで「スタッフ登録」が試されました"),
        "{told:?}"
    );

    // A wrong one: the same.
    let answer = in_group(&mut s, OTHER_GROUP, "スタッフ登録 guess").await;
    assert!(answer.contains("違います"), "{answer}");
    assert_eq!(told_staff_room(&s).len(), 2);
    assert_eq!(room_id(&s).await.as_deref(), Some(STAFF_ROOM));

    // The account is removed from the staff room: the deployment's code registered it
    // and does not register another.
    let leave = s.sim.leave(STAFF_ROOM);
    assert_eq!(s.webhook(&[leave]).await, 200);
    assert_eq!(room_id(&s).await, None);
    let answer = in_group(&mut s, OTHER_GROUP, "スタッフ登録 local-staff-code").await;
    assert!(answer.contains("違います"), "the code works once: {answer}");
    assert_eq!(room_id(&s).await, None);

    // The operator's tool issues a new one, which does.
    let (code, _) = mimamori::app::staff_room::issue_operator_code(&*s.functions.webhook.staff, &operator(&s), s.now())
        .await
        .unwrap();
    let answer = in_group(&mut s, OTHER_GROUP, &format!("スタッフ登録 {}", code.as_str())).await;
    assert!(answer.contains("スタッフルームとして登録しました"), "{answer}");
    assert_eq!(room_id(&s).await.as_deref(), Some(OTHER_GROUP));
}

#[tokio::test]
async fn the_staff_room_moves_with_the_code_it_asks_for_once_and_the_old_room_is_told() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    other_group(&mut s, OTHER_GROUP).await;
    other_group(&mut s, THIRD_GROUP).await;

    let answer = text_of(&staff_send(&mut s, STAFF_A, "スタッフルーム移動").await);
    let code = InviteCode::find_in(&answer).expect("a code in the answer");
    assert!(answer.contains("1回だけ"), "{answer}");

    // Typed however a phone types it: full-width, lower case.
    let typed: String = code
        .as_str()
        .to_lowercase()
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
        .collect();
    let answer = in_group(&mut s, OTHER_GROUP, &format!("スタッフ登録 {typed}")).await;
    assert!(answer.contains("スタッフルームとして登録しました"), "{answer}");
    assert_eq!(room_id(&s).await.as_deref(), Some(OTHER_GROUP));
    assert!(
        told_staff_room(&s)
            .iter()
            .any(|t| t.contains("別のグループに移りました")),
        "the old room is told"
    );

    // The code is used up: a third group cannot take the room with it, and the room
    // (now the other group) hears of the try.
    let answer = in_group(&mut s, THIRD_GROUP, &format!("スタッフ登録 {}", code.as_str())).await;
    assert!(answer.contains("違います"), "{answer}");
    assert_eq!(room_id(&s).await.as_deref(), Some(OTHER_GROUP));
    assert!(
        pushes(&s, OTHER_GROUP)
            .iter()
            .any(|p| text_of(p).contains("別のグループで「スタッフ登録」が試されました"))
    );
    let answer = in_group(&mut s, OTHER_GROUP, &format!("スタッフ登録 {}", code.as_str())).await;
    assert!(answer.contains("すでにスタッフルームです"), "{answer}");

    // A code asked for is valid an hour.
    let late = InviteCode::find_in(&text_of(&staff_in(&mut s, OTHER_GROUP, "スタッフルーム移動").await)).unwrap();
    s.advance_to(s.now() + hours(1) + minutes(1)).await.unwrap();
    let answer = in_group(&mut s, THIRD_GROUP, &format!("スタッフ登録 {}", late.as_str())).await;
    assert!(answer.contains("違います"), "{answer}");
    assert_eq!(room_id(&s).await.as_deref(), Some(OTHER_GROUP));
}

/// `text` in group `id` by 田中 (staff); returns the reply there.
async fn staff_in(s: &mut LocalStack, id: &str, text: &str) -> line_simulator::Delivery {
    let event = s.sim.group_text(id, STAFF_A, text);
    assert_eq!(s.webhook(&[event]).await, 200);
    replies(s, id).pop().expect("a reply in the group")
}

#[tokio::test]
async fn wrong_registration_codes_are_throttled_per_group() {
    let mut s = stack().await;
    other_group(&mut s, OTHER_GROUP).await;
    for n in 0..5 {
        let answer = in_group(&mut s, OTHER_GROUP, &format!("スタッフ登録 guess-{n}")).await;
        assert!(answer.contains("違います"), "{answer}");
    }
    let (code, _) = mimamori::app::staff_room::issue_operator_code(&*s.functions.webhook.staff, &operator(&s), s.now())
        .await
        .unwrap();
    let register = format!("スタッフ登録 {}", code.as_str());
    let answer = in_group(&mut s, OTHER_GROUP, &register).await;
    assert!(answer.contains("1時間ほどしてから"), "{answer}");
    assert_eq!(room_id(&s).await, None);
    // Another group is not held back, and the code was not used up by the refusal.
    s.advance_to(s.now() + hours(1)).await.unwrap();
    let answer = in_group(&mut s, OTHER_GROUP, &register).await;
    assert!(answer.contains("スタッフルームとして登録しました"), "{answer}");
    assert_eq!(room_id(&s).await.as_deref(), Some(OTHER_GROUP));
}

#[tokio::test]
async fn the_logs_follow_a_member_by_pseudonym_and_the_scan_catches_a_raw_line_id() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, HANAKO, "山田花子").await;
    link_contact(&mut s, HANAKO, TARO, "山田太郎").await;
    // Her 09:00 check fails its first push, and nobody answers it: she is reminded,
    // then her contact and the staff are alerted.
    s.sim.fail_next(Endpoint::Push, Failure::Status(500), 1);
    s.advance_to(t("2026-12-01T03:30:00Z")).await.unwrap();
    assert!(
        pushes(&s, TARO).iter().any(|p| text_of(p).contains("山田花子")),
        "the contact was alerted"
    );

    let pseudonym = s.functions.check.pseudonym(&uid(HANAKO)).to_string();
    let (lines, _) = mimamori_local::logscan::since(0);
    let hers: Vec<&String> = lines.iter().filter(|l| l.contains(&pseudonym)).collect();
    for what in ["\"check\"", "\"pushed\"", "\"escalation\"", "\"deadline\""] {
        assert!(
            hers.iter().any(|l| l.contains(&format!("\"message\":{what}"))),
            "no {what} line names her by pseudonym {pseudonym}: {hers:#?}"
        );
    }
    assert_eq!(s.personal_data_in_logs(), Vec::new());

    // A line with a raw id, as the functions wrote them before, written the way they
    // write (into a buffer of its own, so no other test's scan sees it), is found.
    let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let sink = Sink(buffer.clone());
    let filter = mimamori::logging::filter(Some("info"));
    let subscriber = mimamori::logging::subscriber(filter, move || sink.clone());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "mimamori::app::deliver", member = HANAKO, "pushed");
    });
    let written = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let lines: Vec<String> = written.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "{written}");
    let found = s.personal_data_in(&lines);
    assert!(found.iter().any(|f| f.found == HANAKO), "{found:#?}");
}

#[derive(Clone)]
struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_multi_person_chat_can_be_the_staff_room_and_its_people_are_named_through_the_room_endpoints() {
    const ROOM: &str = "R1d000000000000000000000000000001";
    let mut s = stack().await;
    s.sim.add_user(STAFF_A, "田中");
    s.sim.add_user(STAFF_B, "伊藤");
    s.sim.add_room(ROOM, &[STAFF_A]);
    let join = s.sim.join(ROOM);
    assert_eq!(s.webhook(&[join]).await, 200);
    let register = s.sim.room_text(ROOM, STAFF_A, "スタッフ登録 local-staff-code");
    assert_eq!(s.webhook(&[register]).await, 200);
    assert_eq!(room_id(&s).await.as_deref(), Some(ROOM));

    let joined = s.sim.member_joined(ROOM, &[STAFF_B]);
    assert_eq!(s.webhook(&[joined]).await, 200);
    let op = operator(&s);
    let ito = s.functions.webhook.staff.staff(&op, &uid(STAFF_B)).await.unwrap();
    assert_eq!(ito.map(|st| st.display_name).as_deref(), Some("伊藤"));
    assert!(
        s.sim
            .requests()
            .iter()
            .any(|r| r.path == format!("/v2/bot/room/{ROOM}/member/{STAFF_B}") && r.status == 200),
        "the profile came from the room endpoint"
    );
}

#[tokio::test]
async fn a_signed_event_older_than_a_day_is_answered_200_but_not_acted_on() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap();
    let ok = last_ok_button(&s, HANAKO);
    // Two taps of Monday's button, captured at 09:05 and not delivered until later.
    s.advance_to(t("2026-11-30T00:05:00Z")).await.unwrap();
    let late = s.sim.postback(HANAKO, &ok);
    let later = s.sim.postback(HANAKO, &ok);

    // 23 hours on (LINE still redelivers then): it counts.
    s.advance_to(t("2026-11-30T23:05:00Z")).await.unwrap();
    assert_eq!(s.webhook(&[late]).await, 200);
    assert_eq!(member(&s, HANAKO).await.unwrap().open_check, None);

    // Tuesday's check is open; Monday's tap replayed 25 hours on answers nothing.
    s.advance_to(t("2026-12-01T01:05:00Z")).await.unwrap();
    let open = member(&s, HANAKO).await.unwrap().open_check;
    assert!(open.is_some());
    assert_eq!(s.webhook(&[later]).await, 200);
    assert_eq!(
        member(&s, HANAKO).await.unwrap().open_check,
        open,
        "the stale tap is ignored"
    );
}

#[tokio::test]
async fn a_leave_button_pressed_a_day_later_asks_again_and_erases_nothing() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    say(&mut s, HANAKO, "退会").await;
    let old_yes = replies(&s, HANAKO).pop().unwrap().postback_data()[0].clone();

    s.advance_to(s.now() + hours(25)).await.unwrap();
    let again = tap(&mut s, HANAKO, &old_yes).await;
    assert!(member(&s, HANAKO).await.is_some(), "nobody is erased by an old button");
    let question = replies(&s, HANAKO).pop().unwrap();
    assert_eq!(question.postback_data().len(), 2, "asked again: {again}");
    assert_ne!(question.postback_data()[0], old_yes, "with fresh buttons");

    let yes = question.postback_data()[0].clone();
    assert!(tap(&mut s, HANAKO, &yes).await.contains("退会"));
    assert!(member(&s, HANAKO).await.is_none(), "the fresh one erases");
}

#[tokio::test]
async fn a_consent_button_pressed_a_day_later_asks_again_and_registers_nobody() {
    let mut s = stack().await;
    befriend(&mut s, TARO, "山田太郎").await;
    let old_yes = replies(&s, TARO).pop().unwrap().postback_data()[0].clone();

    s.advance_to(s.now() + hours(25)).await.unwrap();
    tap(&mut s, TARO, &old_yes).await;
    assert!(member(&s, TARO).await.is_none(), "nothing stored on an old button");
    let question = replies(&s, TARO).pop().unwrap();
    let fresh_yes = question.postback_data()[0].clone();
    assert_ne!(fresh_yes, old_yes, "the question again, with fresh buttons");

    tap(&mut s, TARO, &fresh_yes).await;
    assert!(member(&s, TARO).await.is_some());
}

#[tokio::test]
async fn a_contact_without_buttons_types_the_safe_twin_and_the_alert_keeps_its_button() {
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
    // One push: the alert, then a buttons message (kept in the chat, unlike a quick
    // reply) that says what to type where no button shows.
    let alert = pushes(&s, YOKO).pop().unwrap();
    assert_eq!(alert.messages.len(), 2, "{:?}", alert.messages);
    assert_eq!(alert.messages[1]["template"]["type"], "buttons");
    assert!(alert.messages.iter().all(|m| m.get("quickReply").is_none()));
    assert!(text_of(&alert).contains(&format!("「無事 #{case}」と送ってください")));

    assert_eq!(say(&mut s, YOKO, &format!("無事 ＃{case}")).await, 200);
    assert!(last_reply(&s, YOKO).contains("お知らせしました"));
    s.drain_queue().await.unwrap();
    let closed = s
        .functions
        .webhook
        .cases
        .case(&operator(&s), case)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.outcome, Some(mimamori::case::Outcome::ConfirmedByContact));
    // Typed by someone who is not his contact, it ends nothing.
    befriend(&mut s, TARO, "山田太郎").await;
    assert_eq!(say(&mut s, TARO, &format!("無事 #{case}")).await, 200);
}

#[tokio::test]
async fn only_approved_staff_take_a_case_and_the_first_is_whoever_registered_the_room() {
    let mut s = stack().await;
    s.sim.add_user(STAFF_A, "田中");
    s.sim.add_user(STRANGER, "佐藤");
    // 佐藤 was in the group before it became the staff room.
    s.sim.add_group(STAFF_ROOM, "見守りスタッフ", &[STAFF_A, STRANGER]);
    let bot_joins = s.sim.join(STAFF_ROOM);
    assert_eq!(s.webhook(&[bot_joins]).await, 200);
    let register = s.sim.group_text(STAFF_ROOM, STAFF_A, "スタッフ登録 local-staff-code");
    assert_eq!(s.webhook(&[register]).await, 200);
    join(&mut s, KIYOSHI, "鈴木清").await;
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    let case = check_at(&s, KIYOSHI, t("2026-11-30T00:00:00Z"))
        .await
        .unwrap()
        .case_number
        .unwrap();
    let take = mimamori::line::postback::Postback::TakeCase(case).encode();

    let refused = text_of(&staff_tap(&mut s, STRANGER, &take).await);
    assert!(refused.contains("まだスタッフとして承認されていません"), "{refused}");
    let record = s
        .functions
        .webhook
        .cases
        .case(&operator(&s), case)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.taken_by, None);
    // Nor can a pending one approve anyone, themselves included.
    let herself = text_of(&staff_send(&mut s, STRANGER, "スタッフ承認 佐藤").await);
    assert!(herself.contains("まだスタッフとして承認されていません"), "{herself}");
    let nobody = text_of(&staff_send(&mut s, STAFF_A, "スタッフ承認 鈴木").await);
    assert!(nobody.contains("見つかりません"), "{nobody}");

    // 田中 registered the room: approved. She approves 佐藤, who can then take it.
    let approved = text_of(&staff_send(&mut s, STAFF_A, "スタッフ承認 佐藤").await);
    assert!(
        approved.contains("佐藤さんをスタッフとして承認しました（田中さん）"),
        "{approved}"
    );
    let taken = text_of(&staff_tap(&mut s, STRANGER, &take).await);
    assert!(taken.contains("佐藤さんが対応します"), "{taken}");
}
