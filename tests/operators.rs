//! Every invocation runs in one operator's context: the webhook's path names the
//! operator (the root path is the deployment's first), schedules and queue messages
//! carry it, and an operator this deployment does not serve is refused with nothing
//! changed. One deployment with one operator is the case of a list of one.

use mimamori::alerts::EscalationMessage;
use mimamori::app::check::CheckInvocation;
use mimamori::app::deadline::DeadlineInvocation;
use mimamori::app::watchdog::{self, WatchdogInvocation};
use mimamori::app::{AppError, check, deadline, escalation};
use mimamori::check::Stage;
use mimamori::ids::{ChatId, OperatorId, Watched};
use mimamori::line::postback::Postback;
use mimamori::operator::Operator;
use mimamori::schedule::CheckSchedule;
use mimamori::timing::CheckTiming;
use scenarios::*;

fn elsewhere() -> OperatorId {
    OperatorId::new("elsewhere").unwrap()
}

#[tokio::test]
async fn an_invocation_for_an_operator_or_a_subject_not_served_here_is_refused_and_changes_nothing() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    let before = member(&s, HANAKO).await.unwrap();
    let sent = s.sim.deliveries().len();
    let at = t("2026-11-30T00:00:00Z");

    let inv = CheckInvocation {
        operator: elsewhere(),
        watched: Watched::Member(uid(HANAKO)),
        scheduled_time: at,
    };
    let refused = check::run(&s.functions.check, &inv).await;
    assert!(
        matches!(&refused, Err(AppError::Malformed(m)) if m.contains("elsewhere")),
        "{refused:?}"
    );
    let inv = DeadlineInvocation {
        operator: elsewhere(),
        watched: Watched::Member(uid(HANAKO)),
        check: at,
        stage: Stage::Overdue,
    };
    let refused = deadline::run(&s.functions.deadline, &inv).await;
    assert!(matches!(refused, Err(AppError::Malformed(_))), "{refused:?}");
    let message = EscalationMessage::Escalate {
        operator: elsewhere(),
        member: uid(HANAKO),
        check: at,
    };
    let refused = escalation::run(&s.functions.escalation, &message).await;
    assert!(matches!(refused, Err(AppError::Malformed(_))), "{refused:?}");
    let inv = WatchdogInvocation {
        watchdog: at,
        operator: Some(elsewhere()),
    };
    let refused = watchdog::run(&s.functions.check, &inv).await;
    assert!(matches!(refused, Err(AppError::Malformed(_))), "{refused:?}");

    // A group's check (the つながり service) is not served by this deployment yet.
    let group = Watched::Group(ChatId::new(STAFF_ROOM).unwrap());
    let inv = CheckInvocation {
        operator: operator(&s),
        watched: group.clone(),
        scheduled_time: at,
    };
    let refused = check::run(&s.functions.check, &inv).await;
    assert!(
        matches!(&refused, Err(AppError::Malformed(m)) if m.contains("group")),
        "{refused:?}"
    );
    let inv = DeadlineInvocation {
        operator: operator(&s),
        watched: group,
        check: at,
        stage: Stage::Reminder,
    };
    assert!(matches!(
        deadline::run(&s.functions.deadline, &inv).await,
        Err(AppError::Malformed(_))
    ));

    assert_eq!(member(&s, HANAKO).await.unwrap(), before);
    assert!(check_at(&s, HANAKO, at).await.is_none());
    assert_eq!(s.sim.deliveries().len(), sent, "nobody was told anything");
}

#[tokio::test]
async fn the_webhook_answers_at_its_operators_path_as_at_the_root() {
    let mut s = stack().await;
    let path = format!("/{}", operator(&s));
    s.sim.add_user(HANAKO, "山田花子");
    let follow = s.sim.follow(HANAKO);
    assert_eq!(s.webhook_at(&path, &[follow]).await, 200);
    let consent = s.sim.postback(
        HANAKO,
        &Postback::Consent {
            agreed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook_at(&path, &[consent]).await, 200);
    assert!(
        member(&s, HANAKO).await.is_some(),
        "joined through the operator's own path"
    );

    // A path naming no operator served here: 404, before the body is even read.
    s.sim.add_user(TARO, "佐藤太郎");
    for path in ["/elsewhere", "/not%20an%20operator", "/demo/extra"] {
        let follow = s.sim.follow(TARO);
        assert_eq!(s.webhook_at(path, &[follow]).await, 404, "{path}");
    }
    assert!(replies(&s, TARO).is_empty());
    assert!(member(&s, TARO).await.is_none());
}

#[tokio::test]
async fn one_deployment_serves_two_operators_each_in_its_own_context() {
    let mut s = stack().await;
    // 北区 checks at 07:00 and reminds after two hours, not 24.
    let kita = Operator {
        id: OperatorId::new("kita").unwrap(),
        default_schedule: CheckSchedule::daily_at(7).unwrap(),
        timing: CheckTiming {
            reminder_after: hours(2),
            overdue_after_reminder: hours(1),
        },
        ..(*s.functions.webhook.operator).clone()
    };
    let kita_id = kita.id.clone();
    s.serve_also(kita);
    join(&mut s, TARO, "佐藤太郎").await;
    s.sim.add_user(HANAKO, "山田花子");
    let joining = [
        s.sim.follow(HANAKO),
        s.sim.postback(
            HANAKO,
            &Postback::Consent {
                agreed: true,
                asked: s.now(),
            }
            .encode(),
        ),
        s.sim.postback(HANAKO, &Postback::OnboardingDone.encode()),
    ];
    for event in joining {
        assert_eq!(s.webhook_at("/kita", &[event]).await, 200);
    }
    assert!(member(&s, HANAKO).await.is_none(), "not a member of the first operator");
    let hanako = s
        .functions
        .webhook
        .members
        .member(&kita_id, &uid(HANAKO))
        .await
        .unwrap();
    assert_eq!(hanako.map(|m| m.schedule), CheckSchedule::daily_at(7).ok());

    // Monday 07:10 in Tokyo: 北区's check for Hanako; Taro's comes at 09:00.
    s.advance_to(t("2026-11-29T22:10:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1);
    assert!(pushes(&s, TARO).is_empty());
    // 09:10: Hanako reminded after 北区's two hours; Taro's own check.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 2, "reminded by kita's timing");
    assert_eq!(pushes(&s, TARO).len(), 1);
    let ok = last_ok_button(&s, HANAKO);
    let tap = s.sim.postback(HANAKO, &ok);
    assert_eq!(s.webhook_at("/kita", &[tap]).await, 200);
    let answered = s
        .functions
        .webhook
        .checks
        .check(&kita_id, &uid(HANAKO), t("2026-11-29T22:00:00Z"))
        .await
        .unwrap()
        .map(|c| c.state);
    assert_eq!(answered, Some(mimamori::check::CheckState::Acknowledged));

    // The watchdog without an operator watches every operator served; with one, that one.
    // At 10:05 both members are on its list: Taro's 09:00 check and Hanako's 09:00
    // reminder fell due over an hour before.
    s.clock.set(t("2026-11-30T01:05:00Z"));
    let now = s.now();
    let every = watchdog::run(
        &s.functions.check,
        &WatchdogInvocation {
            watchdog: now,
            operator: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(every.members, 2);
    let one = watchdog::run(
        &s.functions.check,
        &WatchdogInvocation {
            watchdog: now,
            operator: Some(kita_id),
        },
    )
    .await
    .unwrap();
    assert_eq!(one.members, 1);
}
