//! The monthly report against a scripted month: every figure computed by hand from what
//! the script makes people do, compared with the staff room's 「月次レポート」 and the
//! operator's command-line tool (which reads the same facts from DynamoDB).

use mimamori::case::{CallKind, Outcome};
use mimamori::line::postback::Postback;
use mimamori::member::{AgeBand, Gender};
use mimamori::report::Figures;
use scenarios::*;
use std::collections::BTreeMap;

const NEWCOMER: &str = "U7e000000000000000000000000000010";

async fn profile(s: &mut LocalStack, who: &str, age: Option<AgeBand>, gender: Option<Gender>) {
    for button in [Postback::AgeBand(age), Postback::Gender(gender)] {
        let event = s.sim.postback(who, &button.encode());
        assert_eq!(s.webhook(&[event]).await, 200);
    }
}

fn counts<const N: usize>(pairs: [(&str, i64); N]) -> BTreeMap<String, i64> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn outcomes(safe: u32) -> BTreeMap<String, u32> {
    [
        ("answered", 0),
        ("confirmed_by_contact", 0),
        ("safe", safe),
        ("hospitalised", 0),
        ("deceased", 0),
        ("other", 0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test]
async fn the_report_of_a_scripted_month_matches_the_figures_worked_out_by_hand() {
    let mut s = stack().await;
    staff_room(&mut s).await;

    // Sunday 29 November: three members join (all checks daily at 09:00 Tokyo).
    join(&mut s, HANAKO, "山田花子").await;
    profile(&mut s, HANAKO, Some(AgeBand::Eighties), Some(Gender::Female)).await;
    join(&mut s, TARO, "山田太郎").await;
    profile(&mut s, TARO, Some(AgeBand::Seventies), Some(Gender::Male)).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    profile(&mut s, KIYOSHI, None, None).await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;

    // Monday 30 November (a November check): everyone answers on time.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    for who in [HANAKO, TARO, KIYOSHI] {
        tap_ok(&mut s, who).await;
    }
    // Tuesday 1 December: only Hanako answers.
    s.advance_to(t("2026-12-01T00:10:00Z")).await.unwrap();
    tap_ok(&mut s, HANAKO).await;
    // Wednesday 2 December: Hanako on time; Taro answers the reminder at 10:00; a
    // newcomer joins (60s, other); Kiyoshi's check is overdue at 12:00 and becomes a case.
    s.advance_to(t("2026-12-02T00:10:00Z")).await.unwrap();
    tap_ok(&mut s, HANAKO).await;
    s.advance_to(t("2026-12-02T01:00:00Z")).await.unwrap();
    tap_ok(&mut s, TARO).await;
    join(&mut s, NEWCOMER, "佐藤").await;
    profile(&mut s, NEWCOMER, Some(AgeBand::Sixties), Some(Gender::Other)).await;
    s.advance_to(t("2026-12-02T03:05:00Z")).await.unwrap();
    let case = check_at(&s, KIYOSHI, t("2026-12-01T00:00:00Z"))
        .await
        .unwrap()
        .case_number
        .expect("Kiyoshi's case");
    // Staff take it, phone twice (one person), and close it: safe.
    staff_tap(&mut s, STAFF_A, &Postback::TakeCase(case).encode()).await;
    staff_tap(
        &mut s,
        STAFF_A,
        &Postback::RecordCall(case, CallKind::NoAnswer).encode(),
    )
    .await;
    s.advance(minutes(20)).await.unwrap();
    staff_tap(
        &mut s,
        STAFF_A,
        &Postback::RecordCall(case, CallKind::ReachedContact).encode(),
    )
    .await;
    staff_tap(
        &mut s,
        STAFF_A,
        &Postback::RecordCall(case, CallKind::Dispatched).encode(),
    )
    .await;
    staff_tap(&mut s, STAFF_A, &Postback::CloseCase(case, Outcome::Safe).encode()).await;
    s.drain_queue().await.unwrap();
    // Wednesday evening Taro taps 元気です in the menu: Thursday's check is answered ahead.
    s.advance_to(t("2026-12-02T12:00:00Z")).await.unwrap();
    let checkin = s.sim.postback(TARO, &Postback::CheckIn.encode());
    assert_eq!(s.webhook(&[checkin]).await, 200);
    // Thursday 3 December: Hanako and the newcomer answer; Kiyoshi has not yet at noon.
    // Hanako leaves at 10:00.
    s.advance_to(t("2026-12-03T00:05:00Z")).await.unwrap();
    for who in [HANAKO, NEWCOMER] {
        tap_ok(&mut s, who).await;
    }
    s.advance_to(t("2026-12-03T01:00:00Z")).await.unwrap();
    say(&mut s, HANAKO, "退会").await;
    let confirm = s.sim.postback(
        HANAKO,
        &Postback::Leave {
            confirmed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook(&[confirm]).await, 200);
    s.advance_to(t("2026-12-03T03:00:00Z")).await.unwrap();

    // By hand. December: joined 1 (newcomer), left 1 (Hanako); members at the end 3 + 1 - 1.
    // Checks sent in December: 1 Dec H T K, 2 Dec H (for Taro and Kiyoshi 2 Dec was the
    // reminder, not a new check), 3 Dec H K newcomer (Taro's answered ahead, not sent) = 7.
    // On time: H ×3 and the newcomer on 3 Dec = 4; after the reminder: Taro's 1 Dec;
    // escalated: Kiyoshi's 1 Dec; Kiyoshi's 3 Dec is still open. One case, one person
    // phoned twice and a visit asked for, closed safe.
    let december = Figures {
        members_total: 3,
        members_joined: 1,
        members_left: 1,
        by_age_band: counts([
            ("under_60", 0),
            ("60s", 1),
            ("70s", 1),
            ("80s", 0),
            ("90_plus", 0),
            ("unknown", 1),
        ]),
        by_gender: counts([("female", 0), ("male", 1), ("other", 1), ("unknown", 1)]),
        checks_sent: 7,
        checks_answered_ahead: 1,
        acknowledged_on_time: 4,
        acknowledged_after_reminder: 1,
        escalated: 1,
        cases_opened: 1,
        people_phoned: 1,
        calls: 2,
        visits_or_police: 1,
        outcomes: outcomes(1),
    };
    // Since the start: November adds 3 joined and 3 checks answered on time.
    let since_start = Figures {
        members_joined: 4,
        checks_sent: 10,
        acknowledged_on_time: 7,
        ..december.clone()
    };

    let store = s.functions.webhook.facts.clone();
    let periods = mimamori_local::report::periods(
        store.as_ref(),
        &operator(&s),
        None,
        mimamori::clock::Clock::now(&s.clock),
        &jiff::tz::TimeZone::get("Asia/Tokyo").unwrap(),
    )
    .await
    .unwrap();
    let names: Vec<&str> = periods.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["2026-11", "2026-12", "all"]);
    assert_eq!(periods[1].1, december);
    assert_eq!(periods[2].1, since_start);
    assert_eq!(periods[0].1.members_total, 3);
    assert_eq!(periods[0].1.checks_sent, 3);

    let csv = mimamori::report::to_csv(&periods);
    for line in [
        "2026-12,members_total,3",
        "2026-12,checks_sent,7",
        "2026-12,checks_answered_ahead,1",
        "2026-12,visits_or_police,1",
        "2026-12,acknowledged_after_reminder,1",
        "2026-12,people_phoned,1",
        "2026-12,outcome_safe,1",
        "all,members_joined,4",
    ] {
        assert!(csv.lines().any(|l| l == line), "{line} in\n{csv}");
    }
    let table = mimamori_local::report::table(&periods);
    assert!(table.contains("2026-12") && table.contains("checks_sent"));

    // The staff room's command gives the same figures.
    let ask = s.sim.group_text(STAFF_ROOM, STAFF_B, "月次レポート 2026-12");
    assert_eq!(s.webhook(&[ask]).await, 200);
    let report = last_reply(&s, STAFF_ROOM);
    for part in [
        "【2026-12】\n会員 3人（入会 1・退会 1）",
        "確認 7回（先に元気です 1）",
        "すぐに応答 4・再送後に応答 1・通知 1",
        "案件 1件・電話した方 1人・電話 2回・訪問/警察 1回",
        "【開始以来】\n会員 3人（入会 4・退会 1）",
        "確認 10回",
    ] {
        assert!(report.contains(part), "{part} in\n{report}");
    }
    let bad = s.sim.group_text(STAFF_ROOM, STAFF_B, "月次レポート 十二月");
    s.webhook(&[bad]).await;
    assert!(last_reply(&s, STAFF_ROOM).contains("2026-11"));
}

/// The Query and PutItem requests made since `mark`.
fn reads_and_writes(s: &LocalStack, mark: usize) -> (usize, usize) {
    let calls = s.aws_calls.since(mark);
    let count = |op: &str| calls.get(op).copied().unwrap_or(0);
    (count("DynamoDB.Query"), count("DynamoDB.PutItem"))
}

#[tokio::test]
async fn a_settled_month_is_read_from_its_roll_up_so_a_report_reads_at_most_two_months_of_facts() {
    use mimamori::report::{Fact, figures, figures_of};
    let s = stack().await;
    let (facts, op) = (s.functions.webhook.facts.clone(), operator(&s));
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    // A year of history, December 2025 to November 2026: a member joins each month and
    // each month has its checks, answered.
    let months = mimamori::report::months_from("2025-12", "2026-11");
    for (i, month) in months.iter().enumerate() {
        let at = t(&format!("{month}-10T00:00:00Z"));
        let joined = Fact::Joined {
            who: format!("p{i}"),
            at,
            age_band: Some(AgeBand::Eighties),
            gender: None,
        };
        facts.record_fact(&op, month, &joined).await.unwrap();
        for day in 0..8 {
            let check = Fact::Check {
                who: format!("p{i}"),
                check: at.as_second() + day * 86_400,
                sent: true,
                answered_ahead: false,
                reminded: false,
                escalated: false,
                answered: true,
            };
            facts.record_fact(&op, month, &check).await.unwrap();
        }
    }
    let every_fact = facts.facts(&op, None).await.unwrap();

    // 3 December: November has not settled yet (until the 8th).
    let now = t("2026-12-03T00:00:00Z");
    let mark = s.aws_calls.len();
    let first = mimamori::app::report::months(facts.as_ref(), &op, now, &tokyo)
        .await
        .unwrap();
    for month in [Some("2026-11"), Some("2026-03"), None] {
        assert_eq!(figures_of(&first, month), figures(&every_fact, month), "{month:?}");
    }
    assert_eq!(figures_of(&first, None).members_total, 12);
    // The first report folds every month once and keeps the eleven settled ones.
    assert_eq!(reads_and_writes(&s, mark).1, 11, "roll-ups kept");
    let kept: Vec<String> = facts.roll_ups(&op).await.unwrap().into_iter().map(|(m, _)| m).collect();
    assert_eq!(kept, months[..11]);

    // From then on a report reads the roll-ups (one query) and the facts of November and
    // December only (a query per fact partition each), however long the history.
    let partitions = mimamori::adapters::dynamodb::keys::report_all(&op).len();
    let mark = s.aws_calls.len();
    let again = mimamori::app::report::months(facts.as_ref(), &op, now, &tokyo)
        .await
        .unwrap();
    assert_eq!(reads_and_writes(&s, mark), (1 + 2 * partitions, 0));
    assert_eq!(figures_of(&again, None), figures_of(&first, None));

    // 8 December 00:00 Tokyo, a week after it ended, November settles: folded once more
    // and kept.
    let settled = t("2026-12-07T15:00:00Z");
    let mark = s.aws_calls.len();
    mimamori::app::report::months(facts.as_ref(), &op, settled, &tokyo)
        .await
        .unwrap();
    assert_eq!(reads_and_writes(&s, mark).1, 1, "November kept");
    let mark = s.aws_calls.len();
    let later = mimamori::app::report::months(facts.as_ref(), &op, settled, &tokyo)
        .await
        .unwrap();
    assert_eq!(reads_and_writes(&s, mark), (1 + partitions, 0), "December's facts only");
    assert_eq!(
        figures_of(&later, Some("2026-11")),
        figures(&every_fact, Some("2026-11"))
    );
}

#[tokio::test]
async fn a_reminder_whose_invocation_died_before_its_fact_still_counts_as_reminded() {
    use mimamori::report::Fact;
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    // Monday's check goes unanswered. Tuesday 09:00 the invocation that reminds her
    // records the reminder, then dies writing the report's flag (the SDK's three tries);
    // what runs after finds the reminder already made.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    s.faults.fail_next_matching(
        "UpdateItem",
        "reminded = :t",
        mimamori_local::faults::Fault::InternalServerError,
        3,
    );
    s.advance_to(t("2026-12-01T00:10:00Z")).await.unwrap();
    tap_ok(&mut s, HANAKO).await;
    let monday = t("2026-11-30T00:00:00Z").as_second();
    let facts = s
        .functions
        .webhook
        .facts
        .facts(&operator(&s), Some("2026-11"))
        .await
        .unwrap();
    let fact = facts
        .iter()
        .find_map(|r| match &r.fact {
            Fact::Check {
                check,
                reminded,
                answered,
                ..
            } if *check == monday => Some((*reminded, *answered)),
            _ => None,
        })
        .expect("Monday's check fact");
    assert_eq!(fact, (true, true), "reminded, then answered");
    let november = mimamori::report::figures(&facts, Some("2026-11"));
    assert_eq!(
        (november.acknowledged_on_time, november.acknowledged_after_reminder),
        (0, 1)
    );
}

/// Every fact and roll-up in the table, as text.
async fn stored_facts(s: &LocalStack) -> String {
    use aws_sdk_dynamodb::types::AttributeValue;
    use mimamori::adapters::dynamodb::keys;
    let client = aws_sdk_dynamodb::Client::new(&s.aws);
    let op = operator(s);
    let mut dump = String::new();
    for pk in keys::report_all(&op).into_iter().chain([keys::roll_ups(&op)]) {
        let out = client
            .query()
            .table_name(&s.resources.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .send()
            .await
            .unwrap();
        dump.push_str(&format!("{:?}\n", out.items.unwrap_or_default()));
    }
    dump
}

#[tokio::test]
async fn re_keying_an_upgraded_deployment_leaves_no_fact_a_line_id_or_a_log_line_can_find() {
    use mimamori::report::{Fact, Tally};
    let mut s = stack().await;
    join(&mut s, HANAKO, "佐藤花子").await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    let (op, facts) = (operator(&s), s.functions.webhook.facts.clone());
    // 清 joined before report tokens existed: his record has none, and the facts of that
    // version named him by a hash of his LINE id, at the second.
    let client = aws_sdk_dynamodb::Client::new(&s.aws);
    client
        .update_item()
        .table_name(&s.resources.table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("{op}#USER#{KIYOSHI}")),
        )
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("MEMBER".into()))
        .update_expression("REMOVE report_token")
        .send()
        .await
        .unwrap();
    let legacy = mimamori::member::pseudonym(&op, &member(&s, KIYOSHI).await.unwrap());
    assert_eq!(legacy.len(), 16);
    let exact = t("2026-11-28T01:23:45Z");
    let old = [
        Fact::Joined {
            who: legacy.clone(),
            at: exact,
            age_band: Some(AgeBand::Eighties),
            gender: None,
        },
        Fact::Check {
            who: legacy.clone(),
            check: exact.as_second(),
            sent: true,
            answered_ahead: false,
            reminded: false,
            escalated: false,
            answered: true,
        },
        Fact::Call {
            case: 1000,
            who: legacy.clone(),
            kind: CallKind::NoAnswer,
            at: exact,
            event: "event-of-a-press".into(),
        },
    ];
    for fact in &old {
        facts.record_fact(&op, "2026-11", fact).await.unwrap();
    }
    let october = Tally {
        calls: 1,
        phoned: [legacy.clone()].into(),
        ..Tally::default()
    };
    facts.keep_roll_up(&op, "2026-10", &october).await.unwrap();
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let report = |s: &LocalStack| {
        let facts = s.functions.webhook.facts.clone();
        let (op, tokyo, now) = (operator(s), tokyo.clone(), s.now());
        async move {
            let months = mimamori::app::report::months(facts.as_ref(), &op, now, &tokyo)
                .await
                .unwrap();
            mimamori::report::periods_of(&months, None)
        }
    };
    let before = report(&s).await;
    assert!(stored_facts(&s).await.contains(&legacy));

    let mut n = 0;
    let token = || {
        n += 1;
        format!("{n:032x}")
    };
    let members = s.functions.webhook.members.clone();
    let done = mimamori::app::report::rekey(members.as_ref(), facts.as_ref(), &op, "salt", token, s.now(), &tokyo)
        .await
        .unwrap();
    assert_eq!((done.members, done.facts, done.roll_ups), (1, 3, 1));
    assert_eq!(
        member(&s, KIYOSHI).await.unwrap().report_token.as_deref(),
        Some(format!("{:032x}", 1).as_str())
    );
    assert!(member(&s, HANAKO).await.unwrap().report_token.is_some(), "kept");
    let dump = stored_facts(&s).await;
    for trace in [
        legacy.as_str(),
        "01:23:45",
        &exact.as_second().to_string(),
        "event-of-a-press",
    ] {
        assert!(!dump.contains(trace), "{trace} in {dump}");
    }
    assert_eq!(report(&s).await, before, "every figure as before");
    let again = mimamori::app::report::rekey(
        members.as_ref(),
        facts.as_ref(),
        &op,
        "another salt",
        || "unused".into(),
        s.now(),
        &tokyo,
    )
    .await
    .unwrap();
    assert_eq!(again, Default::default(), "a second run changes nothing");
}
