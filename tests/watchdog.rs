//! The watchdog: a member whose expected check left no trace (here: their schedule was
//! lost) is reported to the staff room once and their schedule is put back; members whose
//! checks run as they should are never reported.

use mimamori::ids::Watched;
use scenarios::*;

#[tokio::test]
async fn a_lost_schedule_is_reported_once_and_repaired() {
    let mut s = stack_with(Options {
        watchdog: true,
        ..Options::default()
    })
    .await;
    staff_room(&mut s).await;
    join(&mut s, HANAKO, "山田花子").await;
    join(&mut s, TARO, "山田太郎").await;
    // Something deletes Hanako's schedule (an operator's slip, a bug).
    s.functions
        .check
        .scheduler
        .delete_check_schedule(&operator(&s), &Watched::from(&uid(HANAKO)))
        .await
        .unwrap();

    // Monday 09:00: Taro's check comes and he answers; Hanako's never comes.
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    tap_ok(&mut s, TARO).await;
    assert!(pushes(&s, HANAKO).is_empty());
    // 10:05, the first watchdog round past the hour's grace: reported, and repaired.
    s.advance_to(t("2026-11-30T01:06:00Z")).await.unwrap();
    let reports: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].contains("【確認漏れ】山田花子さん") && reports[0].contains("11月30日 9:00"),
        "{}",
        reports[0]
    );
    assert!(
        schedule_names(&s)
            .await
            .iter()
            .any(|n| n.starts_with("chk-") && n.ends_with(HANAKO))
    );
    // Later rounds do not report it again.
    s.advance_to(t("2026-11-30T05:06:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
    // Tuesday her check comes again; Taro, answering every day, is never reported.
    s.advance_to(t("2026-12-01T00:10:00Z")).await.unwrap();
    assert_eq!(pushes(&s, HANAKO).len(), 1);
    tap_ok(&mut s, TARO).await;
    tap_ok(&mut s, HANAKO).await;
    s.advance_to(t("2026-12-01T05:06:00Z")).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
    let rounds: Vec<_> = s
        .invocations
        .iter()
        .filter(|i| i.payload.get("watchdog").is_some())
        .collect();
    assert!(rounds.len() >= 28, "hourly: {}", rounds.len());
    assert!(rounds.iter().all(|a| a.result.is_ok()));
}
