//! Onboarding on `follow`: what the service does, a privacy notice and consent (nothing
//! stored without it), the schedule, an offer to register a contact; a member who stops
//! halfway picks up where they left.

use mimamori::line::postback::{Picker, Postback};
use mimamori::member::AgeBand;
use mimamori::member::Onboarding;
use mimamori::schedule::Cadence;
use scenarios::*;

#[tokio::test]
async fn a_new_friend_consents_chooses_a_schedule_and_is_offered_a_contact() {
    let mut s = stack().await;
    befriend(&mut s, HANAKO, "山田花子").await;
    let intro = replies(&s, HANAKO).pop().unwrap();
    assert_eq!(intro.messages.len(), 2);
    assert!(
        intro
            .texts()
            .iter()
            .any(|t| t.contains("https://example.org/mimamori/privacy")),
        "privacy link"
    );
    assert_eq!(
        intro.postback_data(),
        [
            Postback::Consent {
                agreed: true,
                asked: s.now()
            }
            .encode(),
            Postback::Consent {
                agreed: false,
                asked: s.now()
            }
            .encode()
        ]
    );
    assert!(member(&s, HANAKO).await.is_none(), "nothing stored before consent");
    assert!(schedule_names(&s).await.is_empty());

    // Something unexpected: the consent question again.
    say(&mut s, HANAKO, "こんにちは").await;
    assert_eq!(
        replies(&s, HANAKO).pop().unwrap().postback_data(),
        [
            Postback::Consent {
                agreed: true,
                asked: s.now()
            }
            .encode(),
            Postback::Consent {
                agreed: false,
                asked: s.now()
            }
            .encode()
        ]
    );

    let now = s.now();
    let thanks = tap(
        &mut s,
        HANAKO,
        &Postback::Consent {
            agreed: true,
            asked: now,
        }
        .encode(),
    )
    .await;
    assert!(thanks.contains("登録しました"), "{thanks}");
    let m = member(&s, HANAKO).await.unwrap();
    assert_eq!(
        (m.display_name.as_str(), m.onboarding),
        ("山田花子", Some(Onboarding::Schedule))
    );
    assert_eq!(
        schedule_names(&s).await.len(),
        1,
        "watched over by the default schedule at once"
    );

    // She stops here; days later any message shows the question she left.
    s.advance(hours(3)).await.unwrap();
    say(&mut s, HANAKO, "えーと").await;
    assert!(
        replies(&s, HANAKO)
            .pop()
            .unwrap()
            .postback_data()
            .contains(&Postback::ChooseTime(Cadence::Day).encode())
    );

    let event = s
        .sim
        .postback_with_params(HANAKO, &Picker::Time(Cadence::Day).encode(), &[("time", "07:00")]);
    s.webhook(&[event]).await;
    let changed = replies(&s, HANAKO).pop().unwrap();
    assert!(changed.texts()[0].contains("毎日7時"));
    assert!(changed.texts()[1].contains("年代"), "then two optional questions");
    assert_eq!(member(&s, HANAKO).await.unwrap().onboarding, Some(Onboarding::Profile));
    let asked = tap(&mut s, HANAKO, &Postback::AgeBand(Some(AgeBand::Eighties)).encode()).await;
    assert!(asked.contains("性別"), "{asked}");
    let offer = tap(&mut s, HANAKO, &Postback::Gender(None).encode()).await;
    assert!(
        offer.contains("連絡先に登録しますか"),
        "then the contact offer: {offer}"
    );
    let m = member(&s, HANAKO).await.unwrap();
    assert_eq!(m.onboarding, Some(Onboarding::Contact));
    assert_eq!((m.age_band, m.gender), (Some(AgeBand::Eighties), None));

    let done = tap(&mut s, HANAKO, &Postback::OnboardingDone.encode()).await;
    assert!(done.contains("毎日7時") && done.contains("元気です"), "{done}");
    assert_eq!(member(&s, HANAKO).await.unwrap().onboarding, None);
    assert_eq!(s.sim.billed_messages(), 0, "onboarding costs nothing: all replies");
}

#[tokio::test]
async fn registering_a_contact_finishes_onboarding() {
    let mut s = stack().await;
    befriend(&mut s, KIYOSHI, "鈴木清").await;
    let now = s.now();
    tap(
        &mut s,
        KIYOSHI,
        &Postback::Consent {
            agreed: true,
            asked: now,
        }
        .encode(),
    )
    .await;
    let event = s
        .sim
        .postback_with_params(KIYOSHI, &Picker::Time(Cadence::Day).encode(), &[("time", "09:00")]);
    s.webhook(&[event]).await;
    request_code(&mut s, KIYOSHI).await;
    assert_eq!(member(&s, KIYOSHI).await.unwrap().onboarding, None);
}

#[tokio::test]
async fn declining_stores_nothing_and_the_question_stays_open() {
    let mut s = stack().await;
    befriend(&mut s, TARO, "佐藤太郎").await;
    let now = s.now();
    let declined = tap(
        &mut s,
        TARO,
        &Postback::Consent {
            agreed: false,
            asked: now,
        }
        .encode(),
    )
    .await;
    assert!(declined.contains("何も登録していません"), "{declined}");
    assert!(member(&s, TARO).await.is_none());
    assert!(schedule_names(&s).await.is_empty());
    s.advance(hours(48)).await.unwrap();
    assert!(pushes(&s, TARO).is_empty(), "never checked on, never pushed to");
    say(&mut s, TARO, "はじめる").await;
    assert_eq!(
        replies(&s, TARO).pop().unwrap().postback_data(),
        [
            Postback::Consent {
                agreed: true,
                asked: s.now()
            }
            .encode(),
            Postback::Consent {
                agreed: false,
                asked: s.now()
            }
            .encode()
        ]
    );
    let now = s.now();
    tap(
        &mut s,
        TARO,
        &Postback::Consent {
            agreed: true,
            asked: now,
        }
        .encode(),
    )
    .await;
    assert!(member(&s, TARO).await.is_some());
}

#[tokio::test]
async fn a_contact_needs_no_consent_to_membership_only_the_code() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    assert!(last_reply(&s, YOKO).contains("鈴木清さんの連絡先"));
    assert!(member(&s, YOKO).await.is_none());
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1);
}

#[tokio::test]
async fn a_consent_whose_first_attempt_failed_midway_still_schedules_the_checks() {
    let mut s = stack().await;
    befriend(&mut s, HANAKO, "山田花子").await;
    // The member record is written, then Scheduler fails: the webhook answers 500.
    let flaky = FlakyScheduler::install(&mut s.functions.webhook, SchedulerCall::PutCheckSchedule, 1);
    let consent = s.sim.postback(
        HANAKO,
        &Postback::Consent {
            agreed: true,
            asked: s.now(),
        }
        .encode(),
    );
    assert_eq!(s.webhook(std::slice::from_ref(&consent)).await, 500);
    assert_eq!(flaky.pending(), 0);
    assert!(member(&s, HANAKO).await.is_some());
    // LINE redelivers (or she taps 同意する again): the redelivery finishes the join.
    assert_eq!(
        s.webhook(&[line_simulator::Simulator::as_redelivery(&consent)]).await,
        200
    );
    assert!(has_check_schedule(&s, HANAKO).await, "she is watched");
    s.advance_to(t("2026-11-30T00:00:30Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1, "Monday's check comes");
}
