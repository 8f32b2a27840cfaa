//! Every failure of the pipeline, injected: LINE 429/500/timeouts, duplicate and
//! redelivered invocations, crashes between two steps, and what ends in a dead-letter queue.

use async_trait::async_trait;
use jiff::Timestamp;
use line_simulator::{Endpoint, Failure, Simulator};
use mimamori::adapters::queue::SqsQueue;
use mimamori::alerts::EscalationMessage;
use mimamori::case::CaseEvent;
use mimamori::check::CheckState;
use mimamori::line::postback::Postback;
use mimamori::ports::{Queue, QueueError};
use mimamori_local::faults::Fault;
use scenarios::*;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const MONDAY_9: &str = "2026-11-30T00:00:00Z";
const TUESDAY_9: &str = "2026-12-01T00:00:00Z";

fn push_calls(s: &LocalStack) -> Vec<line_simulator::ApiCall> {
    s.sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v2/bot/message/push")
        .collect()
}

#[tokio::test]
async fn line_429_and_500_are_retried_with_the_same_key_inside_one_invocation() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.sim.fail_next(Endpoint::Push, Failure::Status(429), 1);
    s.sim.fail_next(Endpoint::Push, Failure::Status(500), 1);
    s.advance_to(t(MONDAY_9)).await.unwrap();

    assert_eq!(pushes(&s, HANAKO).len(), 1);
    let calls = push_calls(&s);
    assert_eq!(calls.iter().map(|c| c.status).collect::<Vec<_>>(), vec![429, 500, 200]);
    assert!(
        calls
            .iter()
            .all(|c| c.retry_key.is_some() && c.retry_key == calls[0].retry_key),
        "one key for every attempt"
    );
    let checks: Vec<_> = s.invocations.iter().filter(|i| i.function == "check").collect();
    assert_eq!(checks.len(), 1, "no platform retry was needed");
    assert!(checks[0].result.is_ok());
}

#[tokio::test]
async fn line_down_for_a_whole_invocation_fails_it_and_lambdas_retry_a_minute_later_delivers_once() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.sim.fail_next(Endpoint::Push, Failure::Status(500), 3);
    s.advance_to(t(MONDAY_9)).await.unwrap();
    assert!(
        pushes(&s, HANAKO).is_empty(),
        "Scheduler's invoke is asynchronous: nothing waits"
    );

    s.advance_to(t(MONDAY_9) + minutes(1)).await.unwrap();
    let checks: Vec<_> = s.invocations.iter().filter(|i| i.function == "check").collect();
    assert_eq!(checks.len(), 2);
    assert!(checks[0].result.is_err() && checks[1].result.is_ok());
    assert_eq!(checks[1].at, t(MONDAY_9) + minutes(1), "Lambda retries a minute later");
    assert_eq!(
        checks[1].result.as_ref().unwrap()["outcome"],
        "duplicate",
        "the retry only finishes what was pending"
    );
    assert_eq!(pushes(&s, HANAKO).len(), 1);
    assert_eq!(s.queue_depth("InvokeFailureQueue").await.unwrap(), 0);
    assert!(
        schedule_names(&s).await.iter().any(|n| n.starts_with("dl-")),
        "the reminder deadline is set"
    );
}

#[tokio::test]
async fn line_down_past_every_retry_sends_the_check_to_the_failure_destination_and_the_reminder_still_comes() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.sim.fail_next(Endpoint::Push, Failure::Status(500), 9);
    s.advance_to(t(MONDAY_9) + minutes(2)).await.unwrap();
    assert_eq!(
        s.queue_depth("InvokeFailureQueue").await.unwrap(),
        0,
        "the third attempt is still to come"
    );

    s.advance_to(t(MONDAY_9) + minutes(3)).await.unwrap();
    let attempts: Vec<Timestamp> = s
        .invocations
        .iter()
        .filter(|i| i.function == "check")
        .map(|i| i.at)
        .collect();
    assert_eq!(
        attempts,
        vec![t(MONDAY_9), t(MONDAY_9) + minutes(1), t(MONDAY_9) + minutes(3)],
        "the first attempt and Lambda's two retries, 1 and 2 minutes apart"
    );
    assert!(pushes(&s, HANAKO).is_empty());
    assert_eq!(
        s.queue_depth("InvokeFailureQueue").await.unwrap(),
        1,
        "the alarm's queue holds the failed check"
    );
    assert_eq!(
        s.queue_depth("SchedulerDeadLetterQueue").await.unwrap(),
        0,
        "Scheduler's invoke succeeded"
    );
    assert_eq!(
        check_at(&s, HANAKO, t(MONDAY_9)).await.unwrap().state,
        CheckState::Sent,
        "the check is recorded and goes on"
    );
    s.advance_to(t(TUESDAY_9)).await.unwrap();
    assert!(
        text_of(&pushes(&s, HANAKO)[0]).contains("前回"),
        "she is reminded when LINE is back"
    );
}

#[tokio::test]
async fn a_lost_response_is_retried_with_the_same_key_and_the_409_counts_as_sent() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.sim
        .fail_next(Endpoint::Push, Failure::Timeout(Duration::from_millis(900)), 1);
    s.advance_to(t(MONDAY_9)).await.unwrap();

    assert_eq!(pushes(&s, HANAKO).len(), 1, "delivered exactly once");
    let calls = push_calls(&s);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].status, 409);
    assert_eq!(calls[0].retry_key, calls[1].retry_key);
    assert_eq!(s.invocations.iter().filter(|i| i.function == "check").count(), 1);
    assert_eq!(s.sim.billed_messages(), 1);
}

#[tokio::test]
async fn a_second_invocation_for_the_same_check_pushes_nothing() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.advance_to(t(MONDAY_9)).await.unwrap();
    let arn = s.resources.check_function_arn.clone();
    let payload = json!({ "operator": "local", "member": HANAKO, "scheduled_time": "2026-11-30T00:00:00Z" });
    let again = s.invoke_target(&arn, payload).await.unwrap();
    assert_eq!(again["outcome"], "duplicate");
    assert_eq!(again["pushed"], 0);
    assert_eq!(pushes(&s, HANAKO).len(), 1);
    assert_eq!(push_calls(&s).len(), 1, "not even a second request to LINE");
}

#[tokio::test]
async fn malformed_scheduler_payloads_fail_every_attempt_into_the_failure_destination() {
    let mut s = stack().await;
    let check = s.resources.check_function_arn.clone();
    let deadline = s.resources.deadline_function_arn.clone();
    assert!(s.invoke_target(&check, json!({ "member": "nobody" })).await.is_err());
    assert!(
        s.invoke_target(
            &deadline,
            json!({ "operator": "local", "member": HANAKO, "check": "yesterday", "stage": "reminder" })
        )
        .await
        .is_err()
    );
    let unserved = json!({ "operator": "other", "member": HANAKO, "scheduled_time": MONDAY_9 });
    assert!(s.invoke_target(&check, unserved.clone()).await.is_err());
    assert_eq!(
        s.queue_depth("InvokeFailureQueue").await.unwrap(),
        0,
        "Lambda retries first"
    );
    s.advance(minutes(3)).await.unwrap();
    assert_eq!(s.invocations.len(), 9, "three attempts each");
    assert_eq!(s.queue_depth("InvokeFailureQueue").await.unwrap(), 3);
    let records = s.receive_all("InvokeFailureQueue").await.unwrap();
    let record = records
        .iter()
        .find(|r| r["requestPayload"] == unserved)
        .expect("the unserved operator's payload, kept");
    assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 3);
    assert!(
        record["requestContext"]["functionArn"]
            .as_str()
            .unwrap()
            .starts_with(&check)
    );

    // Only an invoke that cannot happen at all is Scheduler's to dead-letter.
    assert!(
        s.invoke_target("arn:aws:lambda:ap-northeast-1:000000000000:function:gone", json!({}))
            .await
            .is_err()
    );
    assert_eq!(s.queue_depth("SchedulerDeadLetterQueue").await.unwrap(), 1);
}

#[tokio::test]
async fn crash_between_recording_the_check_and_setting_its_deadline_is_finished_by_the_retry() {
    let mut s = stack().await;
    join(&mut s, TARO, "佐藤太郎").await;
    FlakyScheduler::install(&mut s.functions.check, SchedulerCall::SetDeadline, 1);
    s.advance_to(t(MONDAY_9) + minutes(1)).await.unwrap();

    let checks: Vec<_> = s.invocations.iter().filter(|i| i.function == "check").collect();
    assert_eq!(checks.len(), 2, "failed once, retried once (a minute later)");
    assert_eq!(pushes(&s, TARO).len(), 1);
    assert!(schedule_names(&s).await.iter().any(|n| n.starts_with("dl-")));
    // And the cycle goes on: the reminder comes on Tuesday.
    s.advance_to(t(TUESDAY_9)).await.unwrap();
    assert!(text_of(&pushes(&s, TARO)[1]).contains("前回"));
}

/// A queue that fails its next `n` sends, as if the function crashed after marking the
/// check overdue and before handing it to the escalation queue.
struct FlakyQueue {
    inner: Arc<dyn Queue>,
    failures: AtomicUsize,
}

#[async_trait]
impl Queue for FlakyQueue {
    async fn send(&self, message: &EscalationMessage) -> Result<(), QueueError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(QueueError("injected crash".into()));
        }
        self.inner.send(message).await
    }
    async fn retry_after(&self, receipt_handle: &str, after: std::time::Duration) -> Result<(), QueueError> {
        self.inner.retry_after(receipt_handle, after).await
    }
}

#[tokio::test]
async fn crash_between_overdue_and_enqueue_still_alerts_everyone_once() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    let inner = s.functions.deadline.queue.clone();
    s.functions.deadline.queue = Arc::new(FlakyQueue {
        inner,
        failures: AtomicUsize::new(1),
    });
    // Overdue at 12:00; before the case's first follow-up at 13:00.
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();

    assert_eq!(pushes(&s, YOKO).len(), 1);
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
    let overdue: Vec<_> = s
        .invocations
        .iter()
        .filter(|i| i.function == "deadline" && i.payload["stage"] == "overdue")
        .collect();
    assert_eq!(overdue.len(), 2);
    assert!(overdue[0].result.is_err());
    assert_eq!(overdue[1].result.as_ref().unwrap()["outcome"], "duplicate");
}

#[tokio::test]
async fn redelivered_and_duplicate_escalation_messages_alert_nobody_twice() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // Overdue at 12:00; before the case's first follow-up at 13:00.
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert_eq!(pushes(&s, YOKO).len(), 1);

    let message = EscalationMessage::Escalate {
        operator: operator(&s),
        member: uid(KIYOSHI),
        check: t(MONDAY_9),
    };
    deliver_twice(&mut s, &message).await;
    assert_eq!(pushes(&s, YOKO).len(), 1);
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
}

/// Puts `message` on the escalation queue twice (a duplicate) and drains it.
async fn deliver_twice(s: &mut LocalStack, message: &EscalationMessage) {
    let queue = SqsQueue::new(aws_sdk_sqs_client(s), s.resources.queue_url("EscalationQueue").unwrap());
    queue.send(message).await.unwrap();
    queue.send(message).await.unwrap();
    s.drain_queue().await.unwrap();
}

fn aws_sdk_sqs_client(s: &LocalStack) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&s.aws)
}

#[tokio::test]
async fn escalation_reports_only_the_failed_record_and_dead_letters_it() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    s.advance_to(t(TUESDAY_9) + hours(3) - minutes(1)).await.unwrap();
    // A malformed message lands in the queue next to the real escalation.
    let sqs = aws_sdk_sqs_client(&s);
    sqs.send_message()
        .queue_url(s.resources.queue_url("EscalationQueue").unwrap())
        .message_body("{\"kind\":\"escalate\"}")
        .send()
        .await
        .unwrap();
    s.advance(minutes(2)).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1, "the good record was handled once");
    // The bad one is handed out again 1, 2, 4 and 8 minutes after each failure, then
    // dead-lettered.
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 0);
    s.advance(minutes(25)).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1, "the good record was handled once");
    assert_eq!(
        s.queue_depth("EscalationDeadLetterQueue").await.unwrap(),
        1,
        "the bad one was dead-lettered"
    );
    let responses: Vec<_> = s
        .invocations
        .iter()
        .filter(|i| i.function == "escalation")
        .filter_map(|i| i.result.as_ref().ok())
        .collect();
    assert!(
        responses
            .iter()
            .any(|r| r["batchItemFailures"].as_array().is_some_and(|f| f.len() == 1)),
        "{responses:#?}"
    );
}

#[tokio::test]
async fn escalation_with_no_staff_room_alerts_contacts_and_raises_the_alarm() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // Overdue at 12:00; before the case's first follow-up at 13:00.
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert_eq!(
        pushes(&s, YOKO).len(),
        1,
        "contacts are alerted once, despite the redeliveries"
    );
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 1);
    // And the staff are paged outside LINE, once, by case number and short ID only.
    let case = open_case(&s, KIYOSHI).await;
    assert_paged_once(&s, case, KIYOSHI, "スタッフルームが未登録").await;
}

#[tokio::test]
async fn a_staff_room_registered_after_the_first_alert_gets_it_on_the_redrive_and_in_the_history() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 1);
    // The operator registers the staff room, then redrives the dead-letter queue.
    staff_room(&mut s).await;
    let sqs = aws_sdk_sqs_client(&s);
    let dead = s.resources.queue_url("EscalationDeadLetterQueue").unwrap().to_owned();
    let queue = s.resources.queue_url("EscalationQueue").unwrap().to_owned();
    let out = sqs.receive_message().queue_url(&dead).send().await.unwrap();
    for m in out.messages.unwrap_or_default() {
        let body = m.body.unwrap();
        sqs.send_message()
            .queue_url(&queue)
            .message_body(body)
            .send()
            .await
            .unwrap();
        let receipt = m.receipt_handle.unwrap();
        sqs.delete_message()
            .queue_url(&dead)
            .receipt_handle(receipt)
            .send()
            .await
            .unwrap();
    }
    s.advance(minutes(5)).await.unwrap();
    let case = open_case(&s, KIYOSHI).await;
    assert!(
        pushes(&s, STAFF_ROOM)
            .iter()
            .any(|p| text_of(p).contains(&format!("#{case}")))
    );
    assert_eq!(pushes(&s, YOKO).len(), 1, "the contact is not alerted again");
    let alerted: Vec<(usize, bool)> = case_history(&s, case)
        .await
        .into_iter()
        .filter_map(|e| match e {
            CaseEvent::Alerted { contacts, staff_room } => Some((contacts.len(), staff_room)),
            _ => None,
        })
        .collect();
    assert_eq!(
        alerted,
        [(1, false), (0, true)],
        "the contact first, then the staff room"
    );
    let view = text_of(&staff_send(&mut s, STAFF_A, &format!("案件 #{case}")).await);
    assert!(view.contains("通知：スタッフルーム"), "{view}");
}

/// The number of the case open for `who`'s missed check.
async fn open_case(s: &LocalStack, who: &str) -> u64 {
    let open = member(s, who).await.unwrap().open_check.expect("a check still open");
    check_at(s, who, open).await.unwrap().case_number.expect("a case")
}

/// The staff got exactly one page since last asked, about `case`, for `why`: naming the
/// case and the member's short ID, never the member's name. The case's history says so.
async fn assert_paged_once(s: &LocalStack, case: u64, who: &str, why: &str) {
    let pages = staff_pages(s).await;
    assert_eq!(pages.len(), 1, "{pages:#?}");
    let (subject, body) = &pages[0];
    assert!(subject.contains(&format!("case #{case}")), "{subject}");
    assert!(body.contains(&format!("案件 #{case}")) && body.contains(why), "{body}");
    assert!(body.contains(&format!("ID {}", uid(who).short())), "{body}");
    let name = member(s, who).await.unwrap().display_name;
    assert!(
        !body.contains(&name) && !subject.contains(&name),
        "no name outside LINE: {body}"
    );
    let paged = case_history(s, case)
        .await
        .into_iter()
        .filter(|e| matches!(e, CaseEvent::StaffPaged { .. }))
        .count();
    assert_eq!(paged, 1);
}

#[tokio::test]
async fn a_page_that_sns_fails_is_sent_with_the_retry() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_9) + hours(3) - minutes(1)).await.unwrap();
    // SNS fails every attempt of the SDK's first try (three) at 12:00.
    s.faults.fail_next("Publish", Fault::InternalServerError, 3);
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert_eq!(s.faults.injected().len(), 3, "{:?}", s.faults.injected());
    let case = open_case(&s, KIYOSHI).await;
    assert_paged_once(&s, case, KIYOSHI, "スタッフルームが未登録").await;
}

#[tokio::test]
async fn a_refused_access_token_pages_the_staff_and_the_alerts_wait_for_a_valid_one() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_9) + hours(3) - minutes(1)).await.unwrap();
    // The token is reissued in the LINE console just before Kiyoshi is overdue at 12:00:
    // the one the service holds is refused (401) on every call.
    s.sim.revoke_access_token(true);
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty());
    let case = open_case(&s, KIYOSHI).await;
    assert_paged_once(&s, case, KIYOSHI, "アクセストークンが無効").await;
    // The operator stores a valid token at 13:30: nothing was given up, so the next
    // follow-up delivers the alerts.
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(30)).await.unwrap();
    s.sim.revoke_access_token(false);
    s.advance_to(t(TUESDAY_9) + hours(5) + minutes(1)).await.unwrap();
    let yoko = pushes(&s, YOKO);
    assert!(!yoko.is_empty(), "Yoko is alerted at 14:00");
    assert!(text_of(&yoko[0]).contains("鈴木清"), "{}", text_of(&yoko[0]));
    let take = Postback::TakeCase(case).encode();
    assert!(
        pushes(&s, STAFF_ROOM).iter().any(|p| p.postback_data().contains(&take)),
        "and the staff room"
    );
    assert!(staff_pages(&s).await.is_empty(), "paged once");
}

#[tokio::test]
async fn a_staff_room_line_refuses_pages_the_staff() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // The bot was removed from the staff room, and LINE's leave event never arrived:
    // the service still thinks the room is there, LINE refuses pushes to it.
    let _lost = s.sim.leave(STAFF_ROOM);
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert_eq!(pushes(&s, YOKO).len(), 1, "the contact is alerted");
    let case = open_case(&s, KIYOSHI).await;
    assert_paged_once(&s, case, KIYOSHI, "スタッフルームへの送信をLINEが拒否").await;
    // The hourly follow-ups find the room refused again; the staff are not paged again.
    s.advance_to(t(TUESDAY_9) + hours(6)).await.unwrap();
    assert!(staff_pages(&s).await.is_empty());
}

#[tokio::test]
async fn line_500_on_an_alert_is_redelivered_and_sent_once() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_9) + hours(3) - minutes(1)).await.unwrap();
    s.sim.fail_next(Endpoint::Push, Failure::Status(500), 3);
    s.advance(minutes(2)).await.unwrap();
    assert_eq!(pushes(&s, YOKO).len(), 1);
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 1);
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 0);
    assert!(
        s.invocations.iter().filter(|i| i.function == "escalation").count() >= 2,
        "redelivered after the failure"
    );
}

#[tokio::test]
async fn concurrent_acknowledgements_are_harmless() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    // Three days, each answered twice at the same moment: the OK tap and a message.
    for day in 0..3 {
        let due = t(MONDAY_9) + hours(24 * day);
        s.advance_to(due).await.unwrap();
        let data = last_ok_button(&s, HANAKO);
        let a = s.signed(&[s.sim.postback(HANAKO, &data)]);
        let b = s.signed(&[s.sim.text(HANAKO, "元気です")]);
        let (ra, rb) = tokio::join!(
            s.webhook_raw(&a.body, Some(&a.signature)),
            s.webhook_raw(&b.body, Some(&b.signature))
        );
        assert_eq!((ra.0, rb.0), (200, 200));
        assert_eq!(check_at(&s, HANAKO, due).await.unwrap().state, CheckState::Acknowledged);
        let m = member(&s, HANAKO).await.unwrap();
        assert_eq!(m.open_check, None, "day {day}");
        assert_eq!(m.acknowledged_checks, day as u32 + 1, "each check acknowledged once");
    }
    assert_eq!(pushes(&s, HANAKO).len(), 3, "no reminder ever");
}

#[tokio::test]
async fn a_webhook_that_failed_midway_is_processed_once_on_redelivery() {
    let mut s = stack().await;
    befriend(&mut s, HANAKO, "山田花子").await;
    let consent = s.sim.postback(
        HANAKO,
        &Postback::Consent {
            agreed: true,
            asked: s.now(),
        }
        .encode(),
    );
    s.sim.fail_next(Endpoint::Profile, Failure::Status(500), 3);
    assert_eq!(
        s.webhook(std::slice::from_ref(&consent)).await,
        500,
        "LINE is asked to deliver it again"
    );
    assert!(member(&s, HANAKO).await.is_none());
    assert_eq!(s.webhook(&[Simulator::as_redelivery(&consent)]).await, 200);
    assert_eq!(member(&s, HANAKO).await.unwrap().display_name, "山田花子");
    assert_eq!(schedule_names(&s).await.len(), 1);
    let replies_before = replies(&s, HANAKO).len();
    assert_eq!(s.webhook(&[Simulator::as_redelivery(&consent)]).await, 200);
    assert_eq!(
        replies(&s, HANAKO).len(),
        replies_before,
        "registered and answered once"
    );
}

/// Kiyoshi overdue on Tuesday at 12:00 with the staff room and Yoko; the case untaken.
async fn untaken_case(s: &mut LocalStack) {
    staff_room(s).await;
    join(s, KIYOSHI, "鈴木清").await;
    link_contact(s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert_eq!(pushes(s, STAFF_ROOM).len(), 1, "the alert");
}

#[tokio::test]
async fn line_500_on_a_follow_up_is_redelivered_and_announced_once() {
    let mut s = stack().await;
    untaken_case(&mut s).await;
    s.sim.fail_next(Endpoint::Push, Failure::Status(500), 3);
    // The first follow-up is at 13:00.
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(1)).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 2, "announced again once");
    let follow_ups: Vec<_> = s
        .invocations
        .iter()
        .filter(|i| i.function == "escalation" && i.payload.to_string().contains("follow_up"))
        .collect();
    assert!(follow_ups.len() >= 2, "redelivered after the failure");
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 0);
}

#[tokio::test]
async fn duplicate_follow_up_messages_announce_once() {
    let mut s = stack().await;
    untaken_case(&mut s).await;
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(1)).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 2);
    let message = EscalationMessage::FollowUp {
        operator: operator(&s),
        member: uid(KIYOSHI),
        check: t(MONDAY_9),
    };
    deliver_twice(&mut s, &message).await;
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 2, "no extra announcement");
    // And the next one still comes at 14:00, once.
    s.advance_to(t(TUESDAY_9) + hours(5) + minutes(1)).await.unwrap();
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 3);
}

#[tokio::test]
async fn crash_between_announcing_and_setting_the_next_follow_up_is_finished_by_the_redelivery() {
    let mut s = stack().await;
    untaken_case(&mut s).await;
    let flaky = FlakyScheduler::install(&mut s.functions.escalation, SchedulerCall::SetDeadline, 1);
    // 13:00: announced, then the crash before the 14:00 follow-up is set; SQS redelivers.
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(1)).await.unwrap();
    assert_eq!(flaky.pending(), 0, "the crash happened");
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 2);
    s.advance_to(t(TUESDAY_9) + hours(5) + minutes(1)).await.unwrap();
    assert_eq!(
        pushes(&s, STAFF_ROOM).len(),
        3,
        "the 14:00 follow-up was set by the retry"
    );
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 0);
}

#[tokio::test]
async fn crash_between_alerting_and_planning_the_first_follow_up_is_finished_by_the_redelivery() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    FlakyScheduler::install(&mut s.functions.escalation, SchedulerCall::SetDeadline, 1);
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(1)).await.unwrap();
    assert_eq!(pushes(&s, YOKO).len(), 1, "alerted once");
    assert_eq!(pushes(&s, STAFF_ROOM).len(), 2, "the alert, and the 13:00 follow-up");
}

#[tokio::test]
async fn a_crash_after_a_late_answer_is_recorded_still_delivers_the_all_clear() {
    let mut s = stack().await;
    untaken_case(&mut s).await;
    // 12:40 Kiyoshi answers; the invocation records his answer and the all-clears, then
    // dies before handing them to the escalation queue.
    let inner = s.functions.webhook.queue.clone();
    s.functions.webhook.queue = Arc::new(FlakyQueue {
        inner,
        failures: AtomicUsize::new(1),
    });
    let ok = s.sim.postback(KIYOSHI, &last_ok_button(&s, KIYOSHI));
    assert_eq!(s.webhook(std::slice::from_ref(&ok)).await, 500);
    assert_eq!(s.webhook(&[line_simulator::Simulator::as_redelivery(&ok)]).await, 200);
    // The case's next follow-up (13:00) finds him answered, closes the case, and the
    // all-clears that were recorded go out.
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(1)).await.unwrap();
    let yoko: Vec<String> = pushes(&s, YOKO).iter().map(text_of).collect();
    assert!(
        yoko.last().is_some_and(|m| m.contains("無事が確認できました")),
        "{yoko:?}"
    );
    assert!(
        pushes(&s, STAFF_ROOM).iter().any(|d| text_of(d).contains("無事")),
        "the staff room hears too"
    );
}

/// Kiyoshi, with Yoko as his contact, missed Monday's check and Tuesday's reminder; the
/// overdue deadline set with the reminder is then lost (deleted by mistake, or its
/// invocation dropped).
async fn overdue_deadline_lost(s: &mut LocalStack) {
    staff_room(s).await;
    join(s, KIYOSHI, "鈴木清").await;
    link_contact(s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_9) + minutes(5)).await.unwrap();
    let reminded = check_at(s, KIYOSHI, t(MONDAY_9)).await.map(|c| c.state);
    assert_eq!(reminded, Some(CheckState::Reminded));
    let overdue = mimamori::check::Deadline {
        check: t(MONDAY_9),
        stage: mimamori::check::Stage::Overdue,
        at: t(TUESDAY_9) + hours(3),
    };
    s.functions
        .check
        .scheduler
        .delete_deadline(&operator(s), &mimamori::ids::Watched::from(&uid(KIYOSHI)), &overdue)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_lost_overdue_deadline_is_rearmed_by_the_next_due_time() {
    let mut s = stack().await;
    overdue_deadline_lost(&mut s).await;
    s.advance_to(t(TUESDAY_9) + hours(6)).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty(), "nobody knows yet: the deadline is gone");
    // Wednesday 09:00: not only asked again, but escalated at last.
    s.advance_to(t(TUESDAY_9) + hours(24) + minutes(5)).await.unwrap();
    assert_eq!(pushes(&s, YOKO).len(), 1, "Yoko is alerted");
    assert!(
        text_of(&pushes(&s, STAFF_ROOM)[0]).contains("鈴木清"),
        "and the staff room"
    );
}

#[tokio::test]
async fn the_watchdog_rearms_a_lost_overdue_deadline_within_the_hour() {
    let mut s = stack_with(Options {
        watchdog: true,
        ..Options::default()
    })
    .await;
    overdue_deadline_lost(&mut s).await;
    // Overdue at 12:00; the 13:05 round (past the hour's grace) finds it and re-arms it.
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(10)).await.unwrap();
    assert_eq!(pushes(&s, YOKO).len(), 1, "Yoko is alerted the same day");
    assert!(!pushes(&s, STAFF_ROOM).is_empty());
}

#[tokio::test]
async fn a_stale_on_duty_mention_never_stops_an_untaken_cases_follow_ups() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    staff_send(&mut s, STAFF_B, "当番").await;
    // 伊藤 leaves the staff room, and LINE's memberLeft event never reaches the webhook.
    let _lost = s.sim.member_left(STAFF_ROOM, &[STAFF_B]);
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // Overdue Tuesday 12:00; followed up hourly; at 16:00 the person on duty is to be
    // mentioned, and LINE refuses a mention of someone not in the chat (400).
    s.advance_to(t(TUESDAY_9) + hours(8) + minutes(1)).await.unwrap();
    let room: Vec<String> = pushes(&s, STAFF_ROOM).iter().map(text_of).collect();
    let reannounced = room.iter().filter(|m| m.contains("【再通知】")).count();
    assert_eq!(reannounced, 5, "13:00 to 17:00, the 16:00 one included: {room:?}");
    assert_eq!(s.queue_depth("EscalationDeadLetterQueue").await.unwrap(), 0);
}

#[tokio::test]
async fn alerts_held_up_by_a_used_up_quota_go_out_with_the_next_follow_up() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    s.advance_to(t(TUESDAY_9) + hours(3) - minutes(1)).await.unwrap();
    // The month's messages run out just before Kiyoshi is overdue at 12:00.
    s.sim.set_monthly_limit(Some(s.sim.billed_messages()));
    s.advance_to(t(TUESDAY_9) + hours(3) + minutes(30)).await.unwrap();
    assert!(pushes(&s, YOKO).is_empty());
    assert_eq!(
        s.queue_depth("EscalationDeadLetterQueue").await.unwrap(),
        1,
        "past every redelivery (about 23 minutes): the alarm"
    );
    let case = open_case(&s, KIYOSHI).await;
    assert_paged_once(&s, case, KIYOSHI, "LINEの今月の送信数が上限").await;
    // The operator raises the plan at 13:30; the follow-ups went on meanwhile.
    s.advance_to(t(TUESDAY_9) + hours(4) + minutes(30)).await.unwrap();
    s.sim.set_monthly_limit(None);
    s.advance_to(t(TUESDAY_9) + hours(5) + minutes(1)).await.unwrap();
    let yoko = pushes(&s, YOKO);
    assert!(!yoko.is_empty(), "Yoko is alerted at 14:00");
    assert!(text_of(&yoko[0]).contains("鈴木清"), "{}", text_of(&yoko[0]));
    let take = Postback::TakeCase(case).encode();
    let room = pushes(&s, STAFF_ROOM);
    assert!(
        room.iter().any(|p| p.postback_data().contains(&take)),
        "and the staff room"
    );
    assert!(staff_pages(&s).await.is_empty(), "paged once");
}

#[tokio::test]
async fn a_webhook_whose_line_reply_hangs_is_still_answered_within_line_s_two_seconds() {
    // LINE calls as deployed: 3 s per attempt, retried after 200 and 800 ms.
    let mut s = stack_with(Options {
        env: vec![],
        ..Options::default()
    })
    .await;
    join(&mut s, HANAKO, "山田花子").await;
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    let replied = replies(&s, HANAKO).len();
    // LINE takes the reply but answers only after 2.5 s, each time it is asked.
    s.sim
        .fail_next(Endpoint::Reply, Failure::Timeout(Duration::from_millis(2500)), 3);
    let started = std::time::Instant::now();
    tap_ok(&mut s, HANAKO).await;
    // The reply's attempt was cut to the webhook's LINE budget and not retried: the
    // answer reached LINE in time, so LINE has nothing to redeliver.
    let took = started.elapsed();
    assert_eq!(
        s.late_webhooks,
        0,
        "answered after {took:?}: {:?}",
        s.invocations.last()
    );
    let check = check_at(&s, HANAKO, t(MONDAY_9)).await.unwrap();
    assert_eq!(check.state, CheckState::Acknowledged);
    // LINE had delivered the reply all the same.
    assert_eq!(replies(&s, HANAKO).len(), replied + 1);
}

#[tokio::test]
async fn a_webhook_answered_after_two_seconds_is_redelivered_by_line_and_handled_once() {
    let mut s = stack().await;
    join(&mut s, HANAKO, "山田花子").await;
    s.advance_to(t("2026-11-30T00:10:00Z")).await.unwrap();
    let replied = replies(&s, HANAKO).len();
    // The table answers the webhook's first call late (a hot partition, a slow
    // network): the function answers LINE only after its 2 seconds.
    s.faults
        .fail_next("GetItem", Fault::Slow(Duration::from_millis(2200)), 1);
    tap_ok(&mut s, HANAKO).await;
    assert_eq!(s.late_webhooks, 1);
    assert!(
        s.invocations
            .last()
            .unwrap()
            .result
            .as_ref()
            .is_err_and(|e| e.starts_with("request_timeout")),
        "LINE counts it as failed: {:?}",
        s.invocations.last()
    );
    // A minute later LINE delivers the event again, marked as a redelivery: the event
    // was handled, so nothing happens twice.
    s.advance(minutes(2)).await.unwrap();
    let redelivered: Vec<_> = s
        .invocations
        .iter()
        .filter(|i| i.function == "webhook" && i.payload["events"][0]["deliveryContext"]["isRedelivery"] == true)
        .collect();
    assert_eq!(redelivered.len(), 1, "{redelivered:?}");
    assert!(redelivered[0].result.is_ok(), "{:?}", redelivered[0].result);
    assert_eq!(s.late_webhooks, 1);
    assert_eq!(replies(&s, HANAKO).len(), replied + 1, "one answer, once");
    let check = check_at(&s, HANAKO, t(MONDAY_9)).await.unwrap();
    assert_eq!(check.state, CheckState::Acknowledged);
}

#[tokio::test]
async fn a_reply_line_refuses_is_pushed_instead_but_not_one_that_timed_out() {
    let mut s = stack().await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    // LINE is busy for the reply to 「連絡先登録」 (500 on every attempt): the invitation
    // code, which the member must pass on, comes by push instead.
    s.sim.fail_next(Endpoint::Reply, Failure::Status(500), 3);
    assert_eq!(say(&mut s, KIYOSHI, "連絡先登録").await, 200);
    let pushed = pushes(&s, KIYOSHI);
    assert_eq!(pushed.len(), 1, "{pushed:?}");
    assert!(
        mimamori::contact::InviteCode::find_in(&text_of(&pushed[0])).is_some(),
        "{}",
        text_of(&pushed[0])
    );
    // A reply whose answer never came may have been delivered: it is not sent twice.
    s.sim
        .fail_next(Endpoint::Reply, Failure::Timeout(Duration::from_millis(600)), 3);
    assert_eq!(say(&mut s, KIYOSHI, "連絡先登録").await, 200);
    assert_eq!(pushes(&s, KIYOSHI).len(), 1);
    assert!(!replies(&s, KIYOSHI).is_empty());
}

/// LINE accepted Kiyoshi's Monday check, but recording that it went out failed in every
/// attempt: the push stays pending in the outbox. LINE keeps its retry key for 24 hours
/// only, so the deliveries after that (the escalation on Tuesday, 27 hours on) must not
/// push it again with the old key: a later check has taken its place, and he would see
/// Monday's check twice. The alerts, pending or not, still go out.
#[tokio::test]
async fn a_check_still_pending_past_its_retry_keys_life_is_not_pushed_again() {
    let mut s = stack().await;
    staff_room(&mut s).await;
    join(&mut s, KIYOSHI, "鈴木清").await;
    link_contact(&mut s, KIYOSHI, YOKO, "鈴木洋子").await;
    // Every attempt of Monday's check (three invocations, three SDK attempts each) fails
    // to mark its push sent.
    s.faults
        .fail_next_matching("UpdateItem", "sent_at = :now", Fault::InternalServerError, 9);
    s.advance_to(t(MONDAY_9) + minutes(5)).await.unwrap();
    let monday = |s: &LocalStack| {
        pushes(s, KIYOSHI)
            .iter()
            .filter(|d| {
                !text_of(d).contains("まだお返事がありません")
                    && d.postback_data().iter().any(
                        |p| matches!(Postback::read(p), Some(Postback::Ok { check, .. }) if check.at() == t(MONDAY_9)),
                    )
            })
            .count()
    };
    assert_eq!(monday(&s), 1);
    let failed = s
        .invocations
        .iter()
        .filter(|i| i.function == "check" && i.result.is_err())
        .count();
    assert_eq!(failed, 3, "all three attempts failed");
    // Through the reminder (Tuesday 09:00) and the escalation (12:00).
    s.advance_to(t(TUESDAY_9) + hours(4)).await.unwrap();
    assert!(!pushes(&s, YOKO).is_empty(), "Yoko is alerted");
    assert_eq!(monday(&s), 1, "Monday's check reached him once");
}
