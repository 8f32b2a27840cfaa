//! Nothing personal in the logs: the functions name people by keyed pseudonyms, and
//! every scenario's stack scans the lines it wrote when it is dropped (`logscan`). This
//! file shows that the scan sees what the functions log and would catch a leak.

use line_simulator::{Endpoint, Failure};
use scenarios::*;

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

    // A line with a raw id, as the functions wrote them before, is found.
    tracing::warn!(target: "mimamori::app::deliver", member = HANAKO, "pushed");
    let found = s.personal_data_in_logs();
    assert!(
        found.iter().any(|f| f.found == HANAKO && f.line.contains("pushed")),
        "{found:#?}"
    );
}
