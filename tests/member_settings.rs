//! A member runs their own settings from the chat: schedule (how often, what time, which
//! time zone), pausing until a date, and the summary — all with buttons, all by reply.

use mimamori::line::postback::{Picker, Postback};
use mimamori::member::Lang;
use mimamori::member::{HistoryEvent, MemberStatus};
use mimamori::schedule::{Cadence, WeekdayName};
use scenarios::*;

async fn pick(s: &mut LocalStack, who: &str, data: &str, param: (&str, &str)) -> String {
    let event = s.sim.postback_with_params(who, data, &[param]);
    assert_eq!(s.webhook(&[event]).await, 200);
    last_reply(s, who)
}

fn quick_reply_data(s: &LocalStack, who: &str) -> Vec<String> {
    replies(s, who).last().map(|d| d.postback_data()).unwrap_or_default()
}

#[tokio::test]
async fn member_moves_their_check_to_mondays_at_seven_with_buttons() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    say(&mut s, HANAKO, "設定").await;
    let summary = last_reply(&s, HANAKO);
    assert!(
        summary.contains("毎日9時") && summary.contains("次の確認: 11月30日 9:00"),
        "{summary}"
    );
    assert!(quick_reply_data(&s, HANAKO).contains(&Postback::ChooseCadence.encode()));

    tap(&mut s, HANAKO, &Postback::ChooseCadence.encode()).await;
    assert_eq!(
        quick_reply_data(&s, HANAKO),
        [
            Postback::ChooseTime(Cadence::Day).encode(),
            Postback::ChooseTime(Cadence::Days { n: 2 }).encode(),
            Postback::ChooseTime(Cadence::Days { n: 3 }).encode(),
            Postback::ChooseWeekday.encode()
        ]
    );
    tap(&mut s, HANAKO, &Postback::ChooseWeekday.encode()).await;
    assert_eq!(quick_reply_data(&s, HANAKO).len(), 7);
    tap(
        &mut s,
        HANAKO,
        &Postback::ChooseTime(Cadence::Week {
            weekday: WeekdayName::Mon,
        })
        .encode(),
    )
    .await;
    assert_eq!(
        quick_reply_data(&s, HANAKO),
        [Picker::Time(Cadence::Week {
            weekday: WeekdayName::Mon
        })
        .encode()],
        "a time picker"
    );
    let done = pick(
        &mut s,
        HANAKO,
        &Picker::Time(Cadence::Week {
            weekday: WeekdayName::Mon,
        })
        .encode(),
        ("time", "07:00"),
    )
    .await;
    assert!(
        done.contains("毎週月曜日の7時") && done.contains("11月30日 7:00"),
        "{done}"
    );

    let schedules = s.schedules().await.unwrap();
    assert_eq!(schedules.len(), 1, "replaced, never two");
    assert_eq!(schedules[0].expression.to_string(), "cron(0 7 ? * MON *)");
    assert_eq!(member(&s, HANAKO).await.unwrap().schedule.hour, 7);
    assert!(
        history(&s, HANAKO)
            .await
            .iter()
            .any(|e| matches!(e, HistoryEvent::ScheduleChanged { .. }))
    );
    assert_eq!(s.sim.billed_messages(), 0, "every answer was a reply");

    s.advance_to(t("2026-11-29T22:00:00Z")).await.unwrap();
    tap_ok(&mut s, HANAKO).await;
    s.advance_to(t("2026-12-07T00:00:00Z")).await.unwrap();
    let pushed = pushes(&s, HANAKO);
    assert_eq!(
        pushed.iter().map(|d| d.at).collect::<Vec<_>>(),
        vec![t("2026-11-29T22:00:00Z"), t("2026-12-06T22:00:00Z")],
        "Mondays 07:00 in Tokyo only"
    );
}

#[tokio::test]
async fn every_two_days_checks_every_other_day_at_the_chosen_hour() {
    let mut s = stack().await;
    join(&mut s, TARO, "佐藤太郎").await;
    pick(
        &mut s,
        TARO,
        &Picker::Time(Cadence::Days { n: 2 }).encode(),
        ("time", "18:00"),
    )
    .await;
    for day in 0..6 {
        s.advance_to(t("2026-11-29T09:00:00Z") + hours(24 * day)).await.unwrap();
        if pushes(&s, TARO).last().is_some_and(|d| {
            d.postback_data()
                .iter()
                .any(|p| matches!(Postback::read(p), Some(Postback::Ok { .. })))
        }) {
            tap_ok(&mut s, TARO).await;
        }
    }
    let at: Vec<_> = pushes(&s, TARO).iter().map(|d| d.at).collect();
    assert_eq!(
        at,
        vec![
            t("2026-11-29T09:00:00Z"),
            t("2026-12-01T09:00:00Z"),
            t("2026-12-03T09:00:00Z")
        ]
    );
}

/// One check a local day at 09:00, with no miss and no duplicate, across a change.
async fn checks_across(start: &str, days: i64) -> Vec<String> {
    let mut s = stack_with(Options {
        start: t(start),
        ..Options::default()
    })
    .await;
    join(&mut s, HANAKO, "Hanako").await;
    let reply = tap(&mut s, HANAKO, &Postback::ChooseTime(Cadence::Day).encode()).await;
    assert!(reply.contains("時刻"), "{reply}");
    say(&mut s, HANAKO, "タイムゾーン America/Los_Angeles").await;
    assert!(
        last_reply(&s, HANAKO).contains("America/Los_Angeles"),
        "{}",
        last_reply(&s, HANAKO)
    );
    for hour in 1..=days * 24 {
        s.advance_to(t(start) + hours(hour)).await.unwrap();
        if pushes(&s, HANAKO).last().is_some_and(|d| d.at == s.now() - hours(0)) {
            tap_ok(&mut s, HANAKO).await;
        }
    }
    let la = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
    pushes(&s, HANAKO)
        .iter()
        .map(|d| d.at.to_zoned(la.clone()).strftime("%m-%d %H:%M %Z").to_string())
        .collect()
}

#[tokio::test]
async fn member_in_los_angeles_gets_one_check_a_day_across_both_daylight_saving_changes() {
    // Autumn: PDT ends on Sunday 2026-11-01.
    let autumn = checks_across("2026-10-29T20:00:00Z", 5).await;
    assert_eq!(
        autumn,
        [
            "10-30 09:00 PDT",
            "10-31 09:00 PDT",
            "11-01 09:00 PST",
            "11-02 09:00 PST",
            "11-03 09:00 PST"
        ]
    );
    // Spring: PST ends on Sunday 2027-03-14.
    let spring = checks_across("2027-03-11T20:00:00Z", 5).await;
    assert_eq!(
        spring,
        [
            "03-12 09:00 PST",
            "03-13 09:00 PST",
            "03-14 09:00 PDT",
            "03-15 09:00 PDT",
            "03-16 09:00 PDT"
        ]
    );
}

#[tokio::test]
async fn a_week_away_sends_nothing_and_checks_resume_by_themselves_with_a_notice() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap(); // Monday's check, unanswered
    tap(&mut s, KIYOSHI, &Postback::ChoosePause.encode()).await;
    assert_eq!(
        quick_reply_data(&s, KIYOSHI),
        [
            Postback::PauseFor { days: 3 }.encode(),
            Postback::PauseFor { days: 7 }.encode(),
            Postback::PauseFor { days: 14 }.encode(),
            Picker::ReturnDate.encode()
        ]
    );
    let told = tap(&mut s, KIYOSHI, &Postback::PauseFor { days: 7 }.encode()).await;
    assert!(told.contains("12月6日まで") && told.contains("12月7日から"), "{told}");

    let m = member(&s, KIYOSHI).await.unwrap();
    assert_eq!(m.status, MemberStatus::Paused);
    assert_eq!(m.open_check, None, "the open check was closed by the tap");
    s.advance_to(t("2026-12-06T12:00:00Z")).await.unwrap();
    assert_eq!(pushes(&s, KIYOSHI).len(), 1, "nothing while away, no reminder either");
    s.advance_to(t("2026-12-07T00:00:00Z")).await.unwrap();
    let back = pushes(&s, KIYOSHI).pop().unwrap();
    assert_eq!(back.at, t("2026-12-07T00:00:00Z"));
    assert_eq!(back.messages.len(), 2, "the notice and the check in one push");
    assert!(text_of(&back).contains("お休みが終わりました"));
    assert_eq!(member(&s, KIYOSHI).await.unwrap().status, MemberStatus::Active);
    let h = history(&s, KIYOSHI).await;
    assert!(h.contains(&HistoryEvent::Resumed));
}

#[tokio::test]
async fn a_pause_has_an_end_within_90_days_and_can_be_ended_early() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    for bad in ["2026-11-29", "2027-03-30"] {
        let reply = pick(&mut s, HANAKO, &Picker::ReturnDate.encode(), ("date", bad)).await;
        assert!(reply.contains("90日"), "{bad}: {reply}");
    }
    assert_eq!(member(&s, HANAKO).await.unwrap().status, MemberStatus::Active);
    let reply = pick(&mut s, HANAKO, &Picker::ReturnDate.encode(), ("date", "2026-12-20")).await;
    assert!(reply.contains("12月20日から"), "{reply}");
    say(&mut s, HANAKO, "設定").await;
    assert!(
        last_reply(&s, HANAKO).contains("12月20日から再開"),
        "{}",
        last_reply(&s, HANAKO)
    );
    tap(&mut s, HANAKO, &Postback::ChoosePause.encode()).await;
    assert!(quick_reply_data(&s, HANAKO).contains(&Postback::EndPause.encode()));
    let ended = tap(&mut s, HANAKO, &Postback::EndPause.encode()).await;
    assert!(ended.contains("11月30日 9:00"), "{ended}");
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1);
}

#[tokio::test]
async fn settings_summary_lists_contacts_and_unknown_zones_are_refused() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    say(&mut s, KIYOSHI, "設定確認").await;
    let summary = last_reply(&s, KIYOSHI);
    assert!(
        summary.contains("連絡先: 鈴木洋子") && summary.contains("休止: なし"),
        "{summary}"
    );
    say(&mut s, KIYOSHI, "タイムゾーン Mars/Olympus").await;
    assert!(last_reply(&s, KIYOSHI).contains("分かりませんでした"));
    assert_eq!(member(&s, KIYOSHI).await.unwrap().schedule.zone, "Asia/Tokyo");
}

#[tokio::test]
async fn malformed_setting_buttons_change_nothing() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    // A time picker's answer with an impossible time, and data no button carries.
    let bad_time = Picker::Time(Cadence::Day).encode();
    for data in [
        bad_time.as_str(),
        "set:cadence:9",
        "pause:days:365",
        "set:time:week-FUN",
    ] {
        let reply = pick(&mut s, HANAKO, data, ("time", "25:99")).await;
        assert!(reply.contains("使えなくなりました"), "{data}: {reply}");
    }
    let m = member(&s, HANAKO).await.unwrap();
    assert_eq!((m.schedule.hour, m.status), (9, MemberStatus::Active));
    assert_eq!(
        s.schedules().await.unwrap()[0].expression.to_string(),
        "cron(0 9 * * ? *)"
    );
}

#[tokio::test]
async fn the_rich_menu_is_installed_by_the_repository_command() {
    let s = stack().await;
    let base = s.sim.base_url();
    let id = mimamori_local::rich_menu::install(&base, &base, &s.sim.config().access_token)
        .await
        .unwrap();
    assert_eq!(s.sim.default_rich_menu(), Some(id));
    let areas = mimamori_local::rich_menu::definition()["areas"].clone();
    assert_eq!(areas[0]["action"]["data"], Postback::CheckIn.encode());
}

#[tokio::test]
async fn an_evening_check_in_answers_the_next_morning_check_without_a_push() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.advance_to(t("2026-11-29T13:00:00Z")).await.unwrap(); // Sunday 22:00 in Tokyo
    let reply = tap(&mut s, HANAKO, &Postback::CheckIn.encode()).await;
    assert!(reply.contains("次の確認（11月30日 9:00）はお送りしません"), "{reply}");

    s.advance_to(t("2026-11-30T12:00:00Z")).await.unwrap();
    assert!(pushes(&s, HANAKO).is_empty(), "Monday's push was not needed");
    let monday = check_at(&s, HANAKO, t("2026-11-30T00:00:00Z"))
        .await
        .expect("Monday's check is recorded");
    assert_eq!(monday.state, mimamori::check::CheckState::Acknowledged);
    s.advance_to(t("2026-12-01T00:00:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1, "Tuesday's check comes as usual");
    assert_eq!(s.sim.billed_messages(), 1);
}

#[tokio::test]
async fn a_check_in_long_before_the_check_answers_only_open_checks() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    let reply = tap(&mut s, HANAKO, &Postback::CheckIn.encode()).await; // Sunday 10:00, 23 hours ahead
    assert!(
        reply.contains("確認しました") && !reply.contains("お送りしません"),
        "{reply}"
    );
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1);
    // Later that day the button closes the open check like the OK button does.
    s.advance(hours(2)).await.unwrap();
    tap(&mut s, HANAKO, &Postback::CheckIn.encode()).await;
    assert_eq!(member(&s, HANAKO).await.unwrap().open_check, None);
}

#[tokio::test]
async fn member_removes_a_contact_who_is_told() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    link_contact(&mut s, KIYOSHI, TARO, "佐藤太郎").await;
    say(&mut s, KIYOSHI, "連絡先").await;
    let list = replies(&s, KIYOSHI).pop().unwrap();
    assert!(
        text_of(&list).contains("連絡先（2人）") && text_of(&list).contains("鈴木洋子"),
        "{}",
        text_of(&list)
    );
    let remove = Postback::RemoveContact(uid(YOKO)).encode();
    assert!(list.postback_data().contains(&remove));
    let done = tap(&mut s, KIYOSHI, &remove).await;
    assert!(done.contains("鈴木洋子さんを連絡先から外しました"), "{done}");
    assert!(text_of(&pushes(&s, YOKO).pop().unwrap()).contains("連絡先から外れました"));
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1);
    assert_eq!(member(&s, KIYOSHI).await.unwrap().contact_count, 1);
    // The same button again, or someone else's contact: nothing happens.
    assert!(tap(&mut s, KIYOSHI, &remove).await.contains("使えなくなりました"));
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1);
}

#[tokio::test]
async fn a_member_who_chooses_english_gets_everything_in_english() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "Hanako").await;
    let reply = tap(&mut s, HANAKO, &Postback::Language(Lang::En).encode()).await;
    assert!(reply.contains("in English"), "{reply}");
    s.advance_to(t("2026-11-30T00:00:00Z")).await.unwrap();
    let check = pushes(&s, HANAKO).pop().unwrap();
    assert!(text_of(&check).contains("Are you well?"), "{}", text_of(&check));
    tap_ok(&mut s, HANAKO).await;
    assert!(last_reply(&s, HANAKO).contains("Thank you"));
    say(&mut s, HANAKO, "settings").await;
    assert!(last_reply(&s, HANAKO).contains("Next check"));
}

#[tokio::test]
async fn a_schedule_scheduler_refuses_leaves_the_member_record_saying_what_the_schedule_does() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    FlakyScheduler::install(&mut s.functions.webhook, SchedulerCall::PutCheckSchedule, 1);
    let event = s
        .sim
        .postback_with_params(HANAKO, &Picker::Time(Cadence::Day).encode(), &[("time", "07:30")]);
    assert_eq!(
        s.webhook(std::slice::from_ref(&event)).await,
        500,
        "LINE will redeliver"
    );
    let kept = member(&s, HANAKO).await.unwrap();
    assert_eq!(
        (kept.schedule.hour, kept.schedule.minute),
        (9, 0),
        "still what Scheduler does"
    );
    assert!(
        !history(&s, HANAKO)
            .await
            .iter()
            .any(|e| matches!(e, HistoryEvent::ScheduleChanged { .. }))
    );
    // The redelivery goes through.
    assert_eq!(
        s.webhook(&[line_simulator::Simulator::as_redelivery(&event)]).await,
        200
    );
    let moved = member(&s, HANAKO).await.unwrap();
    assert_eq!((moved.schedule.hour, moved.schedule.minute), (7, 30));
}

#[tokio::test]
async fn a_zone_typed_in_any_case_is_stored_as_scheduler_spells_it() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    say(&mut s, HANAKO, "タイムゾーン america/los_angeles").await;
    assert_eq!(member(&s, HANAKO).await.unwrap().schedule.zone, "America/Los_Angeles");
    say(&mut s, HANAKO, "タイムゾーン Etc/Unknown").await;
    assert_eq!(
        member(&s, HANAKO).await.unwrap().schedule.zone,
        "America/Los_Angeles",
        "refused"
    );
}

#[tokio::test]
async fn a_contact_who_reads_english_is_alerted_and_told_all_is_well_in_english() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    // His daughter, abroad, uses the service herself in English.
    join(&mut s, YOKO, "Yoko").await;
    tap(&mut s, YOKO, &Postback::Language(Lang::En).encode()).await;
    let code = request_code(&mut s, KIYOSHI).await;
    assert_eq!(say(&mut s, YOKO, &format!("招待コード {code}")).await, 200);
    assert_eq!(contacts(&s, KIYOSHI).await.len(), 1);
    // Kiyoshi answers neither Monday's check nor its reminder: she is alerted.
    s.advance_to(t("2026-12-01T03:30:00Z")).await.unwrap();
    let alert = pushes(&s, YOKO)
        .into_iter()
        .map(|p| text_of(&p))
        .find(|t| t.contains("鈴木清"))
        .expect("an alert about Kiyoshi");
    assert!(alert.contains("has not answered"), "{alert}");
    // He answers late: the all-clear to her is in English too, his own messages in Japanese.
    tap_ok(&mut s, KIYOSHI).await;
    let all_clear = text_of(&pushes(&s, YOKO).pop().unwrap());
    assert!(
        all_clear.contains("鈴木清") && !all_clear.contains("ました"),
        "{all_clear}"
    );
    assert!(
        last_reply(&s, KIYOSHI).contains("ありがとう"),
        "{}",
        last_reply(&s, KIYOSHI)
    );
}
