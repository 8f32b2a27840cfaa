//! Leaving (退会) erases a person's data in one invocation and tells those linked to
//! them; a member who blocks the account is erased after the grace period unless they
//! come back.

use aws_sdk_dynamodb::types::AttributeValue;
use mimamori::adapters::dynamodb::keys;
use mimamori::line::postback::Postback;
use scenarios::*;

/// Every record whose key belongs to `id` (their partition).
async fn records_of(s: &LocalStack, id: &str) -> usize {
    let client = aws_sdk_dynamodb::Client::new(&s.aws);
    let out = client
        .query()
        .table_name(&s.resources.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(keys::person(&operator(s), id)))
        .send()
        .await
        .unwrap();
    out.items.unwrap_or_default().len()
}

#[tokio::test]
async fn leaving_erases_everything_and_tells_the_contacts() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    let _ = request_code(&mut s, KIYOSHI).await; // an unused invitation
    s.advance_to(t("2026-11-30T00:05:00Z")).await.unwrap();
    tap_ok(&mut s, KIYOSHI).await;
    assert!(records_of(&s, KIYOSHI).await > 5);

    say(&mut s, KIYOSHI, "退会").await;
    let confirm = replies(&s, KIYOSHI).pop().unwrap();
    assert_eq!(
        confirm.postback_data(),
        [
            Postback::Leave {
                confirmed: true,
                asked: s.now()
            }
            .encode(),
            Postback::Leave {
                confirmed: false,
                asked: s.now()
            }
            .encode()
        ]
    );
    assert!(
        member(&s, KIYOSHI).await.is_some(),
        "nothing happens before the confirmation"
    );
    let now = s.now();
    let done = tap(
        &mut s,
        KIYOSHI,
        &Postback::Leave {
            confirmed: true,
            asked: now,
        }
        .encode(),
    )
    .await;
    assert!(done.contains("消去しました"), "{done}");

    assert!(text_of(&pushes(&s, YOKO).pop().unwrap()).contains("鈴木清さんの見守りは終了しました"));
    assert_eq!(
        records_of(&s, KIYOSHI).await,
        0,
        "member, checks, pushes, history, links, invitation refs"
    );
    let yoko_watches = s
        .functions
        .webhook
        .contacts
        .watched_members(&operator(&s), &uid(YOKO))
        .await
        .unwrap();
    assert!(yoko_watches.is_empty(), "the contact's side of the link too");
    assert!(!has_check_schedule(&s, KIYOSHI).await, "no schedule left");
    let before = pushes(&s, KIYOSHI).len();
    s.advance(hours(72)).await.unwrap();
    assert_eq!(pushes(&s, KIYOSHI).len(), before, "no check after leaving");

    // Only anonymous facts remain, for the monthly report: no LINE id, no name.
    let client = aws_sdk_dynamodb::Client::new(&s.aws);
    let mut facts = Vec::new();
    for pk in keys::report_all(&operator(&s)) {
        facts.extend(
            client
                .query()
                .table_name(&s.resources.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(pk))
                .send()
                .await
                .unwrap()
                .items
                .unwrap_or_default(),
        );
    }
    let left = facts
        .iter()
        .filter(|f| f.get("fact") == Some(&AttributeValue::S("left".into())))
        .count();
    assert_eq!(left, 1);
    let dump = format!("{facts:?}");
    assert!(!dump.contains(KIYOSHI) && !dump.contains("鈴木"), "{dump}");
}

#[tokio::test]
async fn leaving_can_be_called_off() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    say(&mut s, HANAKO, "退会").await;
    let now = s.now();
    assert!(
        tap(
            &mut s,
            HANAKO,
            &Postback::Leave {
                confirmed: false,
                asked: now
            }
            .encode()
        )
        .await
        .contains("取りやめ")
    );
    assert!(member(&s, HANAKO).await.is_some());
    assert_eq!(schedule_names(&s).await.len(), 1);
}

#[tokio::test]
async fn a_contact_can_stop_on_their_own_and_the_member_is_told() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    say(&mut s, YOKO, "見守りをやめる").await;
    let now = s.now();
    tap(
        &mut s,
        YOKO,
        &Postback::Leave {
            confirmed: true,
            asked: now,
        }
        .encode(),
    )
    .await;
    assert!(text_of(&pushes(&s, KIYOSHI).pop().unwrap()).contains("鈴木洋子さんが連絡先から外れました"));
    assert!(contacts(&s, KIYOSHI).await.is_empty());
    assert_eq!(member(&s, KIYOSHI).await.unwrap().contact_count, 0);
    assert_eq!(records_of(&s, YOKO).await, 0, "Yoko's own records are gone too");
}

#[tokio::test]
async fn a_member_who_blocks_the_account_is_erased_after_30_days() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    let unfollow = s.sim.unfollow(KIYOSHI);
    assert_eq!(s.webhook(&[unfollow]).await, 200);
    s.advance(hours(24 * 30) - minutes(1)).await.unwrap();
    assert!(member(&s, KIYOSHI).await.is_some(), "kept during the grace period");
    s.advance(minutes(2)).await.unwrap();
    assert!(member(&s, KIYOSHI).await.is_none());
    assert_eq!(records_of(&s, KIYOSHI).await, 0);
    assert!(text_of(&pushes(&s, YOKO).pop().unwrap()).contains("終了しました"));
}

#[tokio::test]
async fn coming_back_within_the_grace_period_keeps_everything() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let unfollow = s.sim.unfollow(KIYOSHI);
    s.webhook(&[unfollow]).await;
    s.advance(hours(24 * 10)).await.unwrap();
    let follow = s.sim.follow(KIYOSHI);
    s.webhook(&[follow]).await;
    s.advance(hours(24 * 25)).await.unwrap();
    assert!(member(&s, KIYOSHI).await.is_some(), "the erasure was called off");
    assert!(
        !s.invocations.iter().any(|i| i.payload["stage"] == "erase"),
        "its schedule was deleted"
    );
}

#[tokio::test]
async fn a_member_who_blocks_with_a_check_unanswered_is_reported_to_the_staff_room() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    join(&mut s, HANAKO, "山田花子").await;
    // Monday 09:00: neither answers; Kiyoshi then blocks the account.
    s.advance_to(t("2026-11-30T01:00:00Z")).await.unwrap();
    let unfollow = s.sim.unfollow(KIYOSHI);
    assert_eq!(s.webhook(std::slice::from_ref(&unfollow)).await, 200);
    let room = pushes(&s, STAFF_ROOM);
    assert_eq!(room.len(), 1);
    let told = text_of(&room[0]);
    assert!(
        told.contains("【ブロック】鈴木清さん") && told.contains("お返事がありませんでした") && told.contains("30日後"),
        "{told}"
    );
    // LINE redelivers the unfollow: the staff room hears once.
    assert_eq!(
        s.webhook(&[line_simulator::Simulator::as_redelivery(&unfollow)]).await,
        200
    );
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
}

#[tokio::test]
async fn a_blocked_member_who_writes_is_back_even_if_the_follow_was_lost() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let unfollow = s.sim.unfollow(KIYOSHI);
    assert_eq!(s.webhook(&[unfollow]).await, 200);
    assert!(!has_check_schedule(&s, KIYOSHI).await);
    // He unblocks; LINE's follow event never reaches the webhook; then he writes.
    s.advance(hours(24 * 3)).await.unwrap();
    assert_eq!(say(&mut s, KIYOSHI, "元気です").await, 200);
    let back = member(&s, KIYOSHI).await.unwrap();
    assert_eq!(back.status, mimamori::member::MemberStatus::Active);
    assert!(has_check_schedule(&s, KIYOSHI).await, "watched again");
    s.advance(hours(24 * 30)).await.unwrap();
    assert!(member(&s, KIYOSHI).await.is_some(), "and not erased");
}

#[tokio::test]
async fn leaving_goes_ahead_when_the_notices_cannot_be_sent() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // The month's messages are used up: LINE answers every push with 429.
    s.sim.set_monthly_limit(Some(s.sim.billed_messages()));
    say(&mut s, KIYOSHI, "退会").await;
    let confirm = s.sim.postback(
        KIYOSHI,
        &Postback::Leave {
            confirmed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook(&[confirm]).await, 200, "leaving is not held up");
    assert!(member(&s, KIYOSHI).await.is_none(), "erased");
    assert!(!has_check_schedule(&s, KIYOSHI).await);
}

#[tokio::test]
async fn someone_who_leaves_twice_in_a_day_has_their_contact_told_both_times() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
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
    // He thinks better of it within the hour: joins again, links his daughter again…
    s.advance(hours(1)).await.unwrap();
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // …and leaves again the same afternoon, well within LINE's 24 hours of retry keys.
    s.advance(hours(2)).await.unwrap();
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
    let told = pushes(&s, YOKO)
        .iter()
        .filter(|d| text_of(d).contains("鈴木清さんの見守りは終了しました"))
        .count();
    assert_eq!(told, 2, "each ending is told: {:?}", pushes(&s, YOKO));
}

#[tokio::test]
async fn a_member_whose_erasure_fails_stays_watched_until_the_redelivery_finishes_it() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    say(&mut s, KIYOSHI, "退会").await;
    // The table fails the erasure's writes (through the SDK's three attempts).
    s.faults
        .fail_next("BatchWriteItem", mimamori_local::faults::Fault::InternalServerError, 3);
    let confirm = s.sim.postback(
        KIYOSHI,
        &Postback::Leave {
            confirmed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook(std::slice::from_ref(&confirm)).await, 500);
    // Not erased yet: still a member, and still watched (his schedule is kept), so the
    // watchdog has nothing to revive and nobody is left unwatched meanwhile.
    assert!(member(&s, KIYOSHI).await.is_some());
    assert!(has_check_schedule(&s, KIYOSHI).await, "the schedule goes last");
    // LINE delivers the confirmation again: erased, schedule gone.
    let again = s.sim.redeliver(&confirm);
    assert_eq!(s.webhook(&[again]).await, 200);
    assert!(member(&s, KIYOSHI).await.is_none());
    assert!(!has_check_schedule(&s, KIYOSHI).await);
}

#[tokio::test]
async fn every_record_of_a_member_expires_or_lives_only_as_long_as_the_membership() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    let _ = request_code(&mut s, KIYOSHI).await;
    s.advance_to(t("2026-11-30T00:05:00Z")).await.unwrap();
    tap_ok(&mut s, KIYOSHI).await;
    let client = aws_sdk_dynamodb::Client::new(&s.aws);
    let items = client
        .query()
        .table_name(&s.resources.table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(keys::person(&operator(&s), KIYOSHI)))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let day = 86_400;
    let mut kinds = std::collections::BTreeSet::new();
    for item in &items {
        let sk = item["sk"].as_s().unwrap();
        let kind = sk.split('#').next().unwrap().to_owned();
        let expires = item
            .get("expires_at")
            .map(|v| v.as_n().unwrap().parse::<i64>().unwrap());
        match kind.as_str() {
            // The member, their contacts and their history: erased when they leave.
            "MEMBER" | "CONTACT" | "HISTORY" => assert_eq!(expires, None, "{sk}"),
            // A check: thirteen months after its time.
            "CHECK" => {
                let at = sk.trim_start_matches("CHECK#").parse::<i64>().unwrap();
                assert_eq!(expires, Some(at + 400 * day), "{sk}");
            }
            // A push: a hundred days after it was recorded.
            "OUTBOX" => {
                let created: jiff::Timestamp = item["created_at"].as_s().unwrap().parse().unwrap();
                assert_eq!(expires, Some(created.as_second() + 100 * day), "{sk}");
            }
            _ => assert!(expires.is_some(), "{sk} has no retention"),
        }
        kinds.insert(kind);
    }
    for kind in ["MEMBER", "CHECK", "OUTBOX", "CONTACT", "INVITE_REF"] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }
}

/// Everything the deployment keeps, as text: every item of the table, every schedule
/// (its name and input), every message waiting in a queue.
async fn everything_stored(s: &LocalStack) -> Vec<String> {
    let mut stored = Vec::new();
    let dynamo = aws_sdk_dynamodb::Client::new(&s.aws);
    let items: Vec<_> = dynamo
        .scan()
        .table_name(&s.resources.table)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    stored.extend(items.iter().map(|i| format!("item {i:?}")));
    for schedule in s.schedules().await.unwrap() {
        stored.push(format!("schedule {} {}", schedule.name, schedule.input));
    }
    let sqs = aws_sdk_sqs::Client::new(&s.aws);
    let queues = s.resources.queue_urls.values().chain([&s.resources.staff_inbox_url]);
    for url in queues {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
        for m in out.messages.unwrap_or_default() {
            stored.push(format!("message in {url}: {}", m.body.unwrap_or_default()));
        }
    }
    stored
}

#[tokio::test]
async fn erasing_someone_who_was_a_contact_and_staff_leaves_nothing_of_them_anywhere() {
    use mimamori::case::{CallKind, Outcome};
    let mut s = stack().await;
    // 田中 runs the staff room, is a member, and is 花子's contact with a phone number.
    staff_room(&mut s).await;
    join(&mut s, HANAKO, "佐藤花子").await;
    join(&mut s, STAFF_A, "田中一郎").await;
    let code = request_code(&mut s, HANAKO).await;
    assert_eq!(say(&mut s, STAFF_A, &format!("招待コード {code}")).await, 200);
    assert_eq!(contacts(&s, HANAKO).await.len(), 1);
    let phone = "090-1234-5678";
    let save = Postback::SavePhone {
        contact: uid(STAFF_A),
        phone: phone.into(),
    };
    assert!(tap(&mut s, HANAKO, &save.encode()).await.contains("登録しました"));

    // 花子 does not answer: 田中 is alerted as her contact, listed with the number in the
    // staff alert, takes the case, records a call and a note, and closes it.
    s.advance_to(t("2026-12-01T03:01:00Z")).await.unwrap();
    let case = check_at(&s, HANAKO, t("2026-11-30T00:00:00Z"))
        .await
        .unwrap()
        .case_number
        .expect("a case");
    assert!(pushes(&s, STAFF_A).iter().any(|p| text_of(p).contains("佐藤花子")));
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    staff_tap(
        &mut s,
        STAFF_A,
        &Postback::RecordCall(case, CallKind::NoAnswer).encode(),
    )
    .await;
    staff_send(&mut s, STAFF_A, &format!("メモ #{case} 田中が訪問、お元気でした")).await;
    staff_tap(&mut s, STAFF_A, &Postback::CloseCase(case, Outcome::Safe).encode()).await;
    let before = everything_stored(&s).await;
    assert!(
        before
            .iter()
            .any(|r| r.contains(phone) && !r.contains(&keys::person(&operator(&s), STAFF_A)))
    );
    assert!(before.iter().any(|r| r.contains("田中") && r.contains("#CASE#")));

    say(&mut s, STAFF_A, "退会").await;
    let now = s.now();
    let leave = Postback::Leave {
        confirmed: true,
        asked: now,
    };
    assert!(tap(&mut s, STAFF_A, &leave.encode()).await.contains("消去しました"));

    let left: Vec<String> = everything_stored(&s)
        .await
        .into_iter()
        .filter(|r| r.contains(STAFF_A) || r.contains("田中") || r.contains(phone))
        .collect();
    assert!(left.is_empty(), "{left:#?}");
    // What stays is still whole: 花子's history and the case's read, her checks go on.
    assert!(!history(&s, HANAKO).await.is_empty());
    assert!(!case_history(&s, case).await.is_empty());
    assert!(contacts(&s, HANAKO).await.is_empty());
    assert!(has_check_schedule(&s, HANAKO).await);
    let view = text_of(&staff_send(&mut s, STAFF_B, &format!("案件 #{case}")).await);
    assert!(!view.contains("田中") && view.contains("（退会者）"), "{view}");
}
