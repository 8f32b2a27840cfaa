//! Shared setup for the scenario tests: a fresh, isolated local stack per test, people
//! with readable names, and short ways to ask what someone saw on LINE.

use jiff::{SignedDuration, Timestamp};
use line_simulator::{Delivery, Via};
use mimamori::check::{Check, Deadline};
use mimamori::ids::{OperatorId, UserId, Watched};
use mimamori::line::postback::Postback;
use mimamori::member::Member;
use mimamori::ports::{Scheduler, SchedulerError};
use mimamori::schedule::CheckSchedule;
pub use mimamori_local::stack::{LocalStack, Options};

pub const HANAKO: &str = "U1a000000000000000000000000000001";
pub const TARO: &str = "U2b000000000000000000000000000002";
pub const KIYOSHI: &str = "U3c000000000000000000000000000003";
pub const YOKO: &str = "U4d000000000000000000000000000004";
pub const STAFF_A: &str = "U5e000000000000000000000000000005";
pub const STAFF_B: &str = "U6f000000000000000000000000000006";
pub const STAFF_ROOM: &str = "C7a000000000000000000000000000007";

/// A LINE user id for the n-th extra person.
pub fn person(n: u32) -> String {
    format!("U{n:032x}")
}

pub fn t(s: &str) -> Timestamp {
    s.parse().expect("timestamp literal")
}

pub fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

pub fn minutes(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

pub fn seconds(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

/// A stack starting Sunday 2026-11-29 10:00 in Tokyo.
pub async fn stack() -> LocalStack {
    stack_with(Options::default()).await
}

pub async fn stack_with(options: Options) -> LocalStack {
    LocalStack::start(options)
        .await
        .expect("local stack starts (is .venv bootstrapped? run infra/bootstrap.sh)")
}

/// Adds a LINE user who befriends the account, consents and keeps the default schedule
/// (daily at 09:00), skipping the contact offer.
pub async fn join(stack: &mut LocalStack, id: &str, name: &str) {
    befriend(stack, id, name).await;
    for step in [
        Postback::Consent {
            agreed: true,
            asked: stack.now(),
        }
        .encode(),
        Postback::OnboardingDone.encode(),
    ] {
        let event = stack.sim.postback(id, &step);
        assert_eq!(stack.webhook(&[event]).await, 200, "{step} of {name}");
    }
}

/// Adds a LINE user who only befriends the account (no consent: not a member).
pub async fn befriend(stack: &mut LocalStack, id: &str, name: &str) {
    stack.sim.add_user(id, name);
    let event = stack.sim.follow(id);
    assert_eq!(stack.webhook(&[event]).await, 200, "follow of {name}");
}

/// A staff room with two approved staff members: 田中 registers it with the operator's
/// code, 伊藤 joins and 田中 approves her with the button under her arrival.
pub async fn staff_room(stack: &mut LocalStack) {
    stack.sim.add_user(STAFF_A, "田中");
    stack.sim.add_user(STAFF_B, "伊藤");
    stack.sim.add_group(STAFF_ROOM, "見守りスタッフ", &[STAFF_A]);
    let join = stack.sim.join(STAFF_ROOM);
    assert_eq!(stack.webhook(&[join]).await, 200);
    let register = stack
        .sim
        .group_text(STAFF_ROOM, STAFF_A, "スタッフ登録 local-staff-code");
    assert_eq!(stack.webhook(&[register]).await, 200);
    let joined = stack.sim.member_joined(STAFF_ROOM, &[STAFF_B]);
    assert_eq!(stack.webhook(&[joined]).await, 200);
    let approve = Postback::ApproveStaff(uid(STAFF_B)).encode();
    let welcome = replies(stack, STAFF_ROOM).pop().expect("伊藤 is announced");
    assert!(welcome.postback_data().contains(&approve), "{welcome:?}");
    let approved = staff_tap(stack, STAFF_A, &approve).await;
    assert!(text_of(&approved).contains("承認しました"), "{approved:?}");
}

/// `contact` becomes a contact of `member` through the invitation code flow.
pub async fn link_contact(stack: &mut LocalStack, member: &str, contact: &str, contact_name: &str) {
    let code = request_code(stack, member).await;
    befriend(stack, contact, contact_name).await;
    assert_eq!(say(stack, contact, &format!("招待コード {code}")).await, 200);
}

/// The member asks for an invitation code; returns it.
pub async fn request_code(stack: &mut LocalStack, member: &str) -> String {
    let ask = stack.sim.text(member, "連絡先登録");
    assert_eq!(stack.webhook(&[ask]).await, 200);
    last_code(stack, member)
}

pub async fn contacts(stack: &LocalStack, member: &str) -> Vec<mimamori::contact::Contact> {
    stack
        .functions
        .webhook
        .contacts
        .contacts(&operator(stack), &uid(member))
        .await
        .expect("store reachable")
}

pub async fn history(stack: &LocalStack, id: &str) -> Vec<mimamori::member::HistoryEvent> {
    let records = stack
        .functions
        .webhook
        .members
        .history(&operator(stack), &uid(id))
        .await
        .expect("store reachable");
    records.into_iter().map(|(_, e)| e).collect()
}

pub async fn staff_room_of(stack: &LocalStack) -> Option<mimamori::staff::StaffRoom> {
    stack
        .functions
        .webhook
        .staff
        .staff_room(&operator(stack))
        .await
        .expect("store reachable")
}

/// `who` presses a button (postback `data`) in the staff room; returns the reply there.
pub async fn staff_tap(stack: &mut LocalStack, who: &str, data: &str) -> Delivery {
    let event = stack.sim.group_postback(STAFF_ROOM, who, data);
    in_staff_room(stack, event).await
}

/// `who` writes `text` in the staff room; returns the reply there.
pub async fn staff_send(stack: &mut LocalStack, who: &str, text: &str) -> Delivery {
    let event = stack.sim.group_text(STAFF_ROOM, who, text);
    in_staff_room(stack, event).await
}

async fn in_staff_room(stack: &mut LocalStack, event: serde_json::Value) -> Delivery {
    assert_eq!(stack.webhook(&[event]).await, 200);
    replies(stack, STAFF_ROOM).pop().expect("a reply in the staff room")
}

/// `who` sends `text` in the 1:1 chat; returns the webhook's status.
pub async fn say(stack: &mut LocalStack, who: &str, text: &str) -> u16 {
    let event = stack.sim.text(who, text);
    stack.webhook(&[event]).await
}

/// The text of the last reply `id` got.
pub fn last_reply(stack: &LocalStack, id: &str) -> String {
    replies(stack, id).last().map(text_of).unwrap_or_default()
}

pub fn last_code(stack: &LocalStack, member: &str) -> String {
    stack
        .sim
        .seen_by(member)
        .iter()
        .rev()
        .flat_map(|d| d.texts())
        .find_map(|t| mimamori::contact::InviteCode::find_in(&t))
        .map(|c| c.as_str().to_owned())
        .expect("an invitation code was sent")
}

pub fn pushes(stack: &LocalStack, id: &str) -> Vec<Delivery> {
    stack
        .sim
        .seen_by(id)
        .into_iter()
        .filter(|d| d.via == Via::Push)
        .collect()
}

pub fn replies(stack: &LocalStack, id: &str) -> Vec<Delivery> {
    stack
        .sim
        .seen_by(id)
        .into_iter()
        .filter(|d| d.via == Via::Reply)
        .collect()
}

pub fn text_of(d: &Delivery) -> String {
    d.messages
        .iter()
        .map(|m| {
            m["text"]
                .as_str()
                .or(m["template"]["text"].as_str())
                // A Flex bubble of buttons: its text first.
                .or(m["contents"]["body"]["contents"][0]["text"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The postback data of the OK button in the last push `id` got.
pub fn last_ok_button(stack: &LocalStack, id: &str) -> String {
    pushes(stack, id)
        .iter()
        .rev()
        .flat_map(|d| d.postback_data())
        .find(|p| matches!(Postback::read(p), Some(Postback::Ok { .. })))
        .expect("an OK button was pushed")
}

pub async fn tap_ok(stack: &mut LocalStack, id: &str) {
    let data = last_ok_button(stack, id);
    let event = stack.sim.postback(id, &data);
    assert_eq!(stack.webhook(&[event]).await, 200);
}

pub fn operator(stack: &LocalStack) -> OperatorId {
    stack.functions.webhook.operator.id.clone()
}

pub fn uid(id: &str) -> UserId {
    UserId::new(id).expect("user id literal")
}

pub async fn member(stack: &LocalStack, id: &str) -> Option<Member> {
    stack
        .functions
        .webhook
        .members
        .member(&operator(stack), &uid(id))
        .await
        .expect("store reachable")
}

pub async fn check_at(stack: &LocalStack, id: &str, at: Timestamp) -> Option<Check> {
    stack
        .functions
        .webhook
        .checks
        .check(&operator(stack), &uid(id), at)
        .await
        .expect("store reachable")
}

/// The name of `id`'s recurring check schedule.
pub fn check_schedule(stack: &LocalStack, id: &str) -> String {
    mimamori::adapters::scheduler::check_schedule_name(&operator(stack), &Watched::Member(uid(id)))
}

/// Whether `id` has a recurring check schedule now.
pub async fn has_check_schedule(stack: &LocalStack, id: &str) -> bool {
    schedule_names(stack).await.contains(&check_schedule(stack, id))
}

/// Names of the schedules now in the group.
pub async fn schedule_names(stack: &LocalStack) -> Vec<String> {
    stack
        .schedules()
        .await
        .expect("schedules readable")
        .into_iter()
        .map(|s| s.name)
        .collect()
}

/// Presses a button (postback data) in a one-to-one chat and returns the reply.
pub async fn tap(stack: &mut LocalStack, who: &str, data: &str) -> String {
    let event = stack.sim.postback(who, data);
    assert_eq!(stack.webhook(&[event]).await, 200);
    last_reply(stack, who)
}

/// A Scheduler call that `FlakyScheduler` can fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchedulerCall {
    PutCheckSchedule,
    SetDeadline,
}

/// A scheduler that fails its next `n` calls of one kind, as Scheduler does when it
/// refuses a request or the function dies before the call.
pub struct FlakyScheduler {
    inner: std::sync::Arc<dyn Scheduler>,
    call: SchedulerCall,
    failures: std::sync::atomic::AtomicUsize,
}

impl FlakyScheduler {
    /// Wraps `app`'s scheduler so that its next `n` calls of `call` fail.
    pub fn install(app: &mut mimamori::app::App, call: SchedulerCall, n: usize) -> std::sync::Arc<Self> {
        let flaky = std::sync::Arc::new(Self {
            inner: app.scheduler.clone(),
            call,
            failures: std::sync::atomic::AtomicUsize::new(n),
        });
        app.scheduler = flaky.clone();
        flaky
    }

    /// How many of the failures are still to come.
    pub fn pending(&self) -> usize {
        self.failures.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn fail(&self, call: SchedulerCall) -> Result<(), SchedulerError> {
        use std::sync::atomic::Ordering::SeqCst;
        if call == self.call && self.failures.fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(SchedulerError {
                operation: "CreateSchedule",
                message: "injected failure".into(),
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Scheduler for FlakyScheduler {
    async fn put_check_schedule(&self, op: &OperatorId, w: &Watched, s: &CheckSchedule) -> Result<(), SchedulerError> {
        self.fail(SchedulerCall::PutCheckSchedule)?;
        self.inner.put_check_schedule(op, w, s).await
    }
    async fn delete_check_schedule(&self, op: &OperatorId, w: &Watched) -> Result<(), SchedulerError> {
        self.inner.delete_check_schedule(op, w).await
    }
    async fn delete_deadline(&self, op: &OperatorId, w: &Watched, d: &Deadline) -> Result<(), SchedulerError> {
        self.inner.delete_deadline(op, w, d).await
    }
    async fn set_deadline(&self, op: &OperatorId, w: &Watched, d: &Deadline) -> Result<(), SchedulerError> {
        self.fail(SchedulerCall::SetDeadline)?;
        self.inner.set_deadline(op, w, d).await
    }
}

/// The pages the staff received outside LINE (e-mail or SMS) since last asked:
/// (subject, body).
pub async fn staff_pages(stack: &LocalStack) -> Vec<(String, String)> {
    stack.staff_pages().await.expect("sqs reachable")
}

/// A case's history, oldest first.
pub async fn case_history(stack: &LocalStack, case: u64) -> Vec<mimamori::case::CaseEvent> {
    let records = stack
        .functions
        .webhook
        .cases
        .case_history(&operator(stack), case)
        .await
        .expect("store reachable");
    records.into_iter().map(|(_, e)| e).collect()
}
