//! A scripted week of the service, run locally in virtual time: three members, a
//! contact and a staff room, printed as what each person saw on LINE and when.

use jiff::{SignedDuration, Timestamp};
use mimamori::case::CallKind;
use mimamori::line::postback::{Picker, Postback};
use mimamori::line::texts::Text;
use mimamori::member::{AgeBand, Gender, Lang};
use mimamori::schedule::Cadence;
use mimamori_local::stack::{LocalStack, Options};
use mimamori_local::timeline::Timeline;
use serde_json::Value;

const HANAKO: &str = "U1a000000000000000000000000000001";
const TARO: &str = "U2b000000000000000000000000000002";
const KIYOSHI: &str = "U3c000000000000000000000000000003";
const YOKO: &str = "U4d000000000000000000000000000004";
const TANAKA: &str = "U5e000000000000000000000000000005";
const ITO: &str = "U6f000000000000000000000000000006";
const STAFF_ROOM: &str = "C7a000000000000000000000000000007";

/// Something a simulated person will do at a given time.
struct Planned {
    at: Timestamp,
    who: &'static str,
    what: &'static str,
    act: Act,
}

enum Act {
    Tap(String),
    Say(&'static str),
    /// A button pressed in the staff room.
    StaffTap(String),
    /// A message sent in the staff room.
    StaffSay(String),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start: Timestamp = "2026-11-29T01:00:00Z".parse()?; // Sunday 10:00 in Tokyo
    let end = start + SignedDuration::from_hours(24 * 7);
    let mut stack = LocalStack::start(Options {
        start,
        own_moto: true,
        operator: "demo".into(),
        ..Options::default()
    })
    .await?;
    let sim = stack.sim.clone();
    let mut timeline = Timeline::new(stack.functions.webhook.operator.zone.clone());
    for (id, name) in [
        (HANAKO, "花子 (Hanako)"),
        (TARO, "太郎 (Taro)"),
        (KIYOSHI, "清 (Kiyoshi)"),
        (YOKO, "洋子 (Yoko)"),
        (TANAKA, "田中 (staff)"),
        (ITO, "伊藤 (staff)"),
    ] {
        sim.add_user(id, name.split(' ').next().unwrap_or(name));
        timeline.name(id, name);
    }
    sim.add_group(STAFF_ROOM, "見守りスタッフ", &[TANAKA]);
    timeline.name(STAFF_ROOM, "staff room");

    println!("mimamori local demo: one week in virtual time (moto server + LINE simulator + scheduler driver)");
    println!("Everyone joins by befriending the account and consenting. Hanako always taps OK, and once checks in");
    println!("the evening before, which saves the next morning's push; Taro taps only after the reminder, then");
    println!("takes three days off; Kiyoshi does not answer: his case goes to his daughter Yoko and the staff room,");
    println!("田中 takes it, records the calls, Yoko goes round and taps 無事を確認しました, which closes the case;");
    println!("the staff read its history and, at the end of the week, the monthly report. Times are Asia/Tokyo.\n");

    // Day 0: everyone joins; Kiyoshi invites Yoko; the staff room is registered.
    let setup: Vec<(&str, &str, Value)> = vec![
        (HANAKO, "adds the account as a friend", sim.follow(HANAKO)),
        (
            HANAKO,
            "taps 同意する",
            sim.postback(
                HANAKO,
                &Postback::Consent {
                    agreed: true,
                    asked: sim.now(),
                }
                .encode(),
            ),
        ),
        (
            HANAKO,
            "taps 毎日, picks 9:00",
            sim.postback_with_params(HANAKO, &Picker::Time(Cadence::Day).encode(), &[("time", "09:00")]),
        ),
        (
            HANAKO,
            "taps 80代",
            sim.postback(HANAKO, &Postback::AgeBand(Some(AgeBand::Eighties)).encode()),
        ),
        (
            HANAKO,
            "taps 女性",
            sim.postback(HANAKO, &Postback::Gender(Some(Gender::Female)).encode()),
        ),
        (
            HANAKO,
            "taps あとで",
            sim.postback(HANAKO, &Postback::OnboardingDone.encode()),
        ),
        (TARO, "adds the account as a friend", sim.follow(TARO)),
        (
            TARO,
            "taps 同意する",
            sim.postback(
                TARO,
                &Postback::Consent {
                    agreed: true,
                    asked: sim.now(),
                }
                .encode(),
            ),
        ),
        (
            TARO,
            "taps 毎日, picks 9:00",
            sim.postback_with_params(TARO, &Picker::Time(Cadence::Day).encode(), &[("time", "09:00")]),
        ),
        (
            TARO,
            "taps あとで",
            sim.postback(TARO, &Postback::OnboardingDone.encode()),
        ),
        (KIYOSHI, "adds the account as a friend", sim.follow(KIYOSHI)),
        (
            KIYOSHI,
            "taps 同意する",
            sim.postback(
                KIYOSHI,
                &Postback::Consent {
                    agreed: true,
                    asked: sim.now(),
                }
                .encode(),
            ),
        ),
        (KIYOSHI, "sends 「連絡先登録」", sim.text(KIYOSHI, "連絡先登録")),
    ];
    for (who, what, event) in setup {
        println!("{}", timeline.action(stack.now(), who, what));
        stack.webhook(&[event]).await;
        print_new(&mut timeline, &stack);
    }
    let code = sim
        .seen_by(KIYOSHI)
        .iter()
        .flat_map(|d| d.texts())
        .find_map(|t| mimamori::contact::InviteCode::find_in(&t))
        .ok_or("no invitation code")?;
    println!(
        "{}",
        timeline.action(stack.now(), YOKO, "adds the account and sends the forwarded code")
    );
    stack.webhook(&[sim.follow(YOKO)]).await;
    stack
        .webhook(&[sim.text(YOKO, &format!("招待コード {}", code.as_str()))])
        .await;
    print_new(&mut timeline, &stack);
    println!(
        "{}",
        timeline.action(stack.now(), TANAKA, "adds the bot to the staff group and registers it")
    );
    stack.webhook(&[sim.join(STAFF_ROOM)]).await;
    stack
        .webhook(&[sim.group_text(STAFF_ROOM, TANAKA, "スタッフ登録 local-staff-code")])
        .await;
    print_new(&mut timeline, &stack);
    println!("{}", timeline.action(stack.now(), ITO, "joins the staff group"));
    stack.webhook(&[sim.member_joined(STAFF_ROOM, &[ITO])]).await;
    print_new(&mut timeline, &stack);
    println!(
        "{}",
        timeline.action(stack.now(), TANAKA, "taps 承認する under 伊藤's arrival")
    );
    let approve = Postback::ApproveStaff(mimamori::ids::UserId::new(ITO)?).encode();
    stack.webhook(&[sim.group_postback(STAFF_ROOM, TANAKA, &approve)]).await;
    print_new(&mut timeline, &stack);

    let reminder_text = Text::Reminder.render(Lang::Ja);
    let at = |s: &str| s.parse::<Timestamp>().unwrap_or(start);
    let mut plans: Vec<Planned> = vec![
        Planned {
            at: at("2026-12-02T12:00:00Z"),
            who: HANAKO,
            what: "taps 元気です in the menu at night",
            act: Act::Tap(Postback::CheckIn.encode()),
        },
        Planned {
            at: at("2026-12-03T11:00:00Z"),
            who: TARO,
            what: "sends 「お休み」",
            act: Act::Say("お休み"),
        },
        Planned {
            at: at("2026-12-03T11:01:00Z"),
            who: TARO,
            what: "taps 3日間",
            act: Act::Tap(Postback::PauseFor { days: 3 }.encode()),
        },
        Planned {
            at: at("2026-12-05T03:00:00Z"),
            who: ITO,
            what: "sends 「月次レポート」 in the staff room",
            act: Act::StaffSay("月次レポート".into()),
        },
    ];
    let mut case_seen = false;
    let mut kiyoshi_answers = false;
    let mut seen = sim.deliveries().len();
    loop {
        plans.sort_by_key(|p| p.at);
        let limit = plans.first().map(|p| p.at.min(end)).unwrap_or(end);
        let fired = stack.step(limit).await?;
        if fired.is_none() {
            if plans.first().is_some_and(|p| p.at <= limit) {
                let p = plans.remove(0);
                print_new(&mut timeline, &stack);
                println!("{}", timeline.action(stack.now(), p.who, p.what));
                let in_full = matches!(p.act, Act::StaffSay(_));
                // The event is made now, so its reply token is fresh, as LINE's would be.
                let event = match p.act {
                    Act::Tap(data) => sim.postback(p.who, &data),
                    Act::Say(text) => sim.text(p.who, text),
                    Act::StaffTap(data) => sim.group_postback(STAFF_ROOM, p.who, &data),
                    Act::StaffSay(text) => sim.group_text(STAFF_ROOM, p.who, &text),
                };
                stack.webhook(&[event]).await;
                print_new(&mut timeline, &stack);
                if in_full {
                    // The case history and the report, as staff read them.
                    let answer = sim
                        .seen_by(STAFF_ROOM)
                        .pop()
                        .map(|d| d.texts().join("\n"))
                        .unwrap_or_default();
                    for line in answer.lines() {
                        println!("                 │ {line}");
                    }
                }
            } else if stack.now() >= end {
                break;
            }
        }
        print_new(&mut timeline, &stack);
        // React to what people just received.
        let all = sim.deliveries();
        for d in &all[seen..] {
            let ok = d
                .postback_data()
                .into_iter()
                .find(|p| matches!(Postback::read(p), Some(Postback::Ok { .. })));
            let is_reminder = d.texts().iter().any(|t| t.contains(&reminder_text));
            match (d.to.as_str(), ok) {
                (HANAKO, Some(data)) => plans.push(Planned {
                    at: d.at + SignedDuration::from_mins(5),
                    who: HANAKO,
                    what: "taps 元気です",
                    act: Act::Tap(data),
                }),
                (TARO, Some(data)) if is_reminder => plans.push(Planned {
                    at: d.at + SignedDuration::from_mins(20),
                    who: TARO,
                    what: "taps 元気です on the reminder",
                    act: Act::Tap(data),
                }),
                (KIYOSHI, Some(data)) if kiyoshi_answers => plans.push(Planned {
                    at: d.at + SignedDuration::from_mins(10),
                    who: KIYOSHI,
                    what: "taps 元気です",
                    act: Act::Tap(data),
                }),
                (STAFF_ROOM, None) if !case_seen => {
                    // The alert: 田中 takes the case and phones Kiyoshi, then Yoko.
                    let Some(case) = d.postback_data().into_iter().find_map(|p| match Postback::read(&p) {
                        Some(Postback::TakeCase(n)) => Some(n),
                        _ => None,
                    }) else {
                        continue;
                    };
                    case_seen = true;
                    for (after, what, data) in [
                        (10, "taps 対応します", Postback::TakeCase(case).encode()),
                        (
                            15,
                            "phones Kiyoshi, no answer: taps 不在・留守電",
                            Postback::RecordCall(case, CallKind::NoAnswer).encode(),
                        ),
                        (
                            25,
                            "reaches Yoko, who will go round: taps 連絡先と話せた",
                            Postback::RecordCall(case, CallKind::ReachedContact).encode(),
                        ),
                    ] {
                        plans.push(Planned {
                            at: d.at + SignedDuration::from_mins(after),
                            who: TANAKA,
                            what,
                            act: Act::StaffTap(data),
                        });
                    }
                    plans.push(Planned {
                        at: d.at + SignedDuration::from_hours(3),
                        who: TANAKA,
                        what: "sends 「案件 #…」 to read the case's history",
                        act: Act::StaffSay(format!("案件 #{case}")),
                    });
                }
                (YOKO, None) if !kiyoshi_answers => {
                    // Yoko goes round; her father had left his phone in the other room.
                    let Some(safe) = d
                        .postback_data()
                        .into_iter()
                        .find(|p| matches!(Postback::read(p), Some(Postback::ContactSafe(_))))
                    else {
                        continue;
                    };
                    kiyoshi_answers = true;
                    plans.push(Planned {
                        at: d.at + SignedDuration::from_hours(2),
                        who: YOKO,
                        what: "visits her father, finds him well, taps 無事を確認しました",
                        act: Act::Tap(safe),
                    });
                }
                _ => {}
            }
        }
        seen = all.len();
    }

    println!("\nSummary");
    for (id, name) in [
        (HANAKO, "Hanako"),
        (TARO, "Taro"),
        (KIYOSHI, "Kiyoshi"),
        (YOKO, "Yoko"),
        (STAFF_ROOM, "staff room"),
    ] {
        let seen = sim.seen_by(id);
        let pushes = seen.iter().filter(|d| d.via == line_simulator::Via::Push).count();
        println!("  {name:<11} {pushes:>2} pushes, {:>2} replies", seen.len() - pushes);
    }
    println!(
        "  billed messages (LINE counts a group push once per member): {}",
        sim.billed_messages()
    );
    let by_function = |f: &str| stack.invocations.iter().filter(|i| i.function == f).count();
    println!(
        "  invocations: webhook {}, check {}, deadline {}, escalation {}",
        by_function("webhook"),
        by_function("check"),
        by_function("deadline"),
        by_function("escalation"),
    );
    println!(
        "  scheduler dead letters: {}, escalation dead letters: {}",
        stack.queue_depth("SchedulerDeadLetterQueue").await?,
        stack.queue_depth("EscalationDeadLetterQueue").await?
    );
    Ok(())
}

fn print_new(timeline: &mut Timeline, stack: &LocalStack) {
    for line in timeline.new_deliveries(&stack.sim.deliveries()) {
        println!("{line}");
    }
}
