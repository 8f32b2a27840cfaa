//! The chaos run: many simulated people live with the service for days of virtual time
//! through the local stack while LINE, DynamoDB, Scheduler, Lambda and the webhook fail
//! at set rates; at the end, the safety invariants are checked against what people
//! really saw on LINE (the simulator's deliveries) and what they really did.
//!
//! Members answer promptly, only after the reminder, or never; some pause, block the
//! account and come back, or leave; some change their time zone. Contacts confirm
//! safety or block the account; staff take cases, late or at once, and close them.

use crate::stack::{LocalStack, Options};
use crate::{Dice, LocalError, Result};
use jiff::{SignedDuration, Timestamp};
use line_simulator::{Delivery, Endpoint, Failure, Via};
use mimamori::case::{Case, Outcome};
use mimamori::ids::{OperatorId, UserId};
use mimamori::line::postback::{CaseNumber, Picker, Postback};
use mimamori::line::texts::Text;
use mimamori::member::Lang;
use mimamori::schedule::{Cadence, CheckSchedule, WeekdayName};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// How big a run is and how hard it is hit.
#[derive(Clone, Debug)]
pub struct ChaosConfig {
    pub members: usize,
    pub days: i64,
    pub seed: u64,
    /// Inject the faults (off: the same people on a kind day, to compare).
    pub faults: bool,
    /// Scan the run's log lines for personal data (the test's run; a long run's lines
    /// would fill memory).
    pub scan_logs: bool,
}

/// The fault rates, per thousand.
pub const LINE_FAULTS: u32 = 50;
pub const DYNAMO_FAULTS: u32 = 20;
pub const DUPLICATE_FIRINGS: u32 = 20;
pub const WEBHOOK_REDELIVERIES: u32 = 50;
pub const CRASHES: u32 = 10;

/// What the run found.
#[derive(Debug, Default)]
pub struct ChaosReport {
    /// Per invariant: its statement, how many cases it was checked on, its violations
    /// (with a few examples).
    pub invariants: Vec<Invariant>,
    /// What was injected, by kind.
    pub faults: Vec<(String, usize)>,
    /// What happened, by kind.
    pub activity: Vec<(String, usize)>,
}

#[derive(Debug, Default)]
pub struct Invariant {
    pub statement: &'static str,
    pub checked: usize,
    pub violations: usize,
    pub examples: Vec<String>,
}

impl Invariant {
    fn new(statement: &'static str) -> Self {
        Self {
            statement,
            ..Self::default()
        }
    }

    fn check(&mut self, holds: bool, example: impl FnOnce() -> String) {
        self.checked += 1;
        if !holds {
            self.violations += 1;
            if self.examples.len() < 5 {
                self.examples.push(example());
            }
        }
    }
}

impl ChaosReport {
    pub fn violations(&self) -> usize {
        self.invariants.iter().map(|i| i.violations).sum()
    }

    pub fn render(&self) -> String {
        let mut out = String::from("invariants (checked / violations):\n");
        for i in &self.invariants {
            out.push_str(&format!("  {:>6} {:>4}  {}\n", i.checked, i.violations, i.statement));
            for e in &i.examples {
                out.push_str(&format!("           · {e}\n"));
            }
        }
        out.push_str("faults injected:\n");
        for (what, n) in &self.faults {
            out.push_str(&format!("  {n:>6}  {what}\n"));
        }
        out.push_str("activity:\n");
        for (what, n) in &self.activity {
            out.push_str(&format!("  {n:>6}  {what}\n"));
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Habit {
    /// Taps OK a few minutes after each check.
    Prompt,
    /// Taps OK only on the reminder.
    Late,
    /// Never answers.
    Silent,
}

/// Where a member stands at a moment, as the person would say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    Active,
    Paused,
    Blocked,
    Left,
}

struct Person {
    id: String,
    name: String,
    habit: Habit,
    /// The member's contacts (indices into `contacts`).
    contacts: Vec<usize>,
    /// Changes of standing, in time order: from then on, this.
    standing: Vec<(Timestamp, Standing)>,
}

impl Person {
    fn standing_at(&self, t: Timestamp) -> Standing {
        self.standing
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map_or(Standing::Active, |(_, s)| *s)
    }

    /// No change of standing within `[from, to]`.
    fn steady(&self, from: Timestamp, to: Timestamp) -> bool {
        !self.standing.iter().any(|(at, _)| *at >= from && *at <= to)
    }
}

struct ContactPerson {
    id: String,
    /// Taps 「無事を確認しました」 on an alert.
    confirms: bool,
    /// Blocked from..until (None: for good).
    blocked: Option<(Timestamp, Option<Timestamp>)>,
}

impl ContactPerson {
    fn reachable_throughout(&self, from: Timestamp, to: Timestamp) -> Option<bool> {
        match self.blocked {
            None => Some(true),
            Some((b, back)) => {
                // Blocked for good: never back (and no arithmetic past the end of time).
                let settled = back
                    .and_then(|t| t.checked_add(SignedDuration::from_mins(5)).ok())
                    .unwrap_or(Timestamp::MAX);
                let back = back.unwrap_or(Timestamp::MAX);
                if to < b || from >= settled {
                    Some(true)
                } else if from >= b && to < back {
                    Some(false)
                } else {
                    None
                }
            }
        }
    }
}

/// Something a simulated person does at a time; the event is made then, so its reply
/// token is fresh as LINE's would be.
#[derive(Clone, Debug)]
enum Act {
    Tap(String),
    Say(String),
    StaffTap(String),
    Follow,
    Unfollow,
}

#[derive(Clone, Debug)]
struct Planned {
    at: Timestamp,
    who: String,
    act: Act,
    /// A redelivery: the event LINE sends again, and how many times it was sent.
    again: Option<(serde_json::Value, u32)>,
}

/// LINE gives up on an event after this many deliveries.
const DELIVERIES: u32 = 6;

/// An answer a member gave and the service acknowledged (200), and for which check.
struct Answer {
    member: usize,
    at: Timestamp,
    check: Option<Timestamp>,
}

const STAFF_ROOM: &str = "C00000000000000000000000000000a11";
const STAFF_A: &str = "U0000000000000000000000000000a001";
const STAFF_B: &str = "U0000000000000000000000000000a002";
const TIMES: [&str; 7] = ["07:00", "08:00", "09:00", "10:30", "12:00", "17:00", "19:30"];
const ZONES: [&str; 3] = ["America/Los_Angeles", "Europe/London", "Pacific/Honolulu"];

struct Run {
    stack: LocalStack,
    dice: Dice,
    people: Vec<Person>,
    contacts: Vec<ContactPerson>,
    by_id: HashMap<String, Who>,
    plans: Vec<Planned>,
    /// (member, check) answers already planned.
    answering: HashSet<(usize, Timestamp)>,
    confirming: HashSet<(usize, CaseNumber)>,
    cases_planned: HashSet<CaseNumber>,
    answers: Vec<Answer>,
    seen: usize,
    webhook_redeliveries: usize,
    events_lost: Vec<String>,
    faults: bool,
    /// When the people had all joined.
    began: Timestamp,
}

#[derive(Clone, Copy)]
enum Who {
    Member(usize),
    Contact(usize),
}

/// When checks resume after a pause of `days` chosen at `at`: the start of that many
/// days after the member's date then, in their zone.
fn resume_after_pause(at: Timestamp, zone: &str, days: i64) -> Result<Timestamp> {
    let tz = jiff::tz::TimeZone::get(zone).map_err(LocalError::new)?;
    let day = at
        .to_zoned(tz.clone())
        .date()
        .checked_add(jiff::Span::new().days(days))
        .map_err(LocalError::new)?;
    Ok(day.to_zoned(tz).map_err(LocalError::new)?.timestamp())
}

fn minutes(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

/// Runs the whole thing and checks the invariants.
pub async fn run(config: &ChaosConfig) -> Result<ChaosReport> {
    let start: Timestamp = "2026-11-29T01:00:00Z".parse().map_err(LocalError::new)?;
    let stack = LocalStack::start(Options {
        start,
        own_moto: true,
        operator: "chaos".into(),
        watchdog: true,
        duplicate_per_mille: if config.faults { DUPLICATE_FIRINGS } else { 0 },
        seed: config.seed,
        scan_logs: config.scan_logs,
        env: vec![
            ("LINE_TIMEOUT_MS".into(), "100".into()),
            ("LINE_RETRY_BACKOFF_MS".into(), "5,10".into()),
        ],
        ..Options::default()
    })
    .await?;
    let mut run = Run {
        stack,
        dice: Dice::new(config.seed),
        people: Vec::new(),
        contacts: Vec::new(),
        by_id: HashMap::new(),
        plans: Vec::new(),
        answering: HashSet::new(),
        confirming: HashSet::new(),
        cases_planned: HashSet::new(),
        answers: Vec::new(),
        seen: 0,
        webhook_redeliveries: 0,
        events_lost: Vec::new(),
        faults: config.faults,
        began: start,
    };
    run.setup(config).await?;
    let end = start + hours(24 * config.days);
    if config.faults {
        run.inject(config.seed);
    }
    let live = std::time::Instant::now();
    run.live_until(end).await?;
    if std::env::var_os("CHAOS_DEBUG").is_some() {
        eprintln!("live {:?}", live.elapsed());
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for c in run.stack.aws_calls.all() {
            *by.entry(c).or_default() += 1;
        }
        eprintln!("{by:?}");
    }
    run.stack.faults.clear();
    run.stack.sim.clear_failures();
    run.report(end).await
}

impl Run {
    async fn setup(&mut self, config: &ChaosConfig) -> Result<()> {
        let sim = self.stack.sim.clone();
        sim.add_user(STAFF_A, "田中");
        sim.add_user(STAFF_B, "伊藤");
        sim.add_group(STAFF_ROOM, "見守りスタッフ", &[STAFF_A, STAFF_B]);
        self.must(sim.join(STAFF_ROOM)).await?;
        self.must(sim.group_text(STAFF_ROOM, STAFF_A, "スタッフ登録 local-staff-code"))
            .await?;
        let start = self.stack.now();
        let days = config.days.max(1);
        for n in 0..config.members {
            let id = format!("U{:032x}", 0x1000 + n);
            let name = format!("会員{n:04}");
            sim.add_user(&id, &name);
            let habit = match self.dice.below(100) {
                0..70 => Habit::Prompt,
                70..90 => Habit::Late,
                _ => Habit::Silent,
            };
            let cadence = match self.dice.below(100) {
                0..75 => Cadence::Day,
                75..88 => Cadence::Days { n: 2 },
                _ => Cadence::Week {
                    weekday: [WeekdayName::Mon, WeekdayName::Wed, WeekdayName::Fri, WeekdayName::Sun]
                        [self.dice.below(4) as usize],
                },
            };
            let time = TIMES[self.dice.below(TIMES.len() as u64) as usize];
            self.must(sim.follow(&id)).await?;
            self.must(
                sim.postback(
                    &id,
                    &Postback::Consent {
                        agreed: true,
                        asked: sim.now(),
                    }
                    .encode(),
                ),
            )
            .await?;
            self.must(sim.postback_with_params(&id, &Picker::Time(cadence).encode(), &[("time", time)]))
                .await?;
            self.must(sim.postback(&id, &Postback::OnboardingDone.encode())).await?;
            let mut zone = "Asia/Tokyo";
            if self.dice.roll(100) {
                zone = ZONES[self.dice.below(ZONES.len() as u64) as usize];
                self.must(sim.text(&id, &format!("タイムゾーン {zone}"))).await?;
            }
            let member = self.people.len();
            self.by_id.insert(id.clone(), Who::Member(member));
            let mut person = Person {
                id: id.clone(),
                name,
                habit,
                contacts: Vec::new(),
                standing: Vec::new(),
            };
            // Contacts: most members have one, some two.
            let wanted = match self.dice.below(10) {
                0..6 => 1,
                6..8 => 2,
                _ => 0,
            };
            for c in 0..wanted {
                let contact_id = format!("U{:032x}", 0x100000 + n * 4 + c);
                sim.add_user(&contact_id, &format!("家族{n:04}-{c}"));
                self.must(sim.text(&id, "連絡先登録")).await?;
                let code = sim
                    .seen_by(&id)
                    .iter()
                    .rev()
                    .flat_map(|d| d.texts())
                    .find_map(|t| mimamori::contact::InviteCode::find_in(&t))
                    .ok_or_else(|| LocalError(format!("{id} got no invitation code")))?;
                self.must(sim.follow(&contact_id)).await?;
                self.must(sim.text(&contact_id, &format!("招待コード {}", code.as_str())))
                    .await?;
                let index = self.contacts.len();
                let mut contact = ContactPerson {
                    id: contact_id.clone(),
                    confirms: self.dice.roll(400),
                    blocked: None,
                };
                if self.dice.roll(100) {
                    let at = self.some_time(start, days);
                    let back = self.dice.roll(500).then(|| at + hours(24 + self.dice.below(48) as i64));
                    contact.blocked = Some((at, back));
                    self.plan(at, &contact_id, Act::Unfollow);
                    if let Some(back) = back {
                        self.plan(back, &contact_id, Act::Follow);
                    }
                }
                self.by_id.insert(contact_id, Who::Contact(index));
                self.contacts.push(contact);
                person.contacts.push(index);
            }
            // Life: a pause, a block and return, or leaving.
            let roll = self.dice.below(100);
            if roll < 10 {
                let at = self.some_time(start, days);
                person.standing.push((at, Standing::Paused));
                // Three days off from the date the button is tapped: checks resume at the
                // start of the third day after it, in the member's zone.
                person
                    .standing
                    .push((resume_after_pause(at + minutes(1), zone, 3)?, Standing::Active));
                self.plan(at, &id, Act::Say("お休み".into()));
                self.plan(at + minutes(1), &id, Act::Tap(Postback::PauseFor { days: 3 }.encode()));
            } else if roll < 15 {
                let at = self.some_time(start, days);
                let back = at + hours(24 + self.dice.below(48) as i64);
                person.standing.push((at, Standing::Blocked));
                person.standing.push((back, Standing::Active));
                self.plan(at, &id, Act::Unfollow);
                self.plan(back, &id, Act::Follow);
            } else if roll < 18 {
                let at = self.some_time(start, days);
                person.standing.push((at, Standing::Left));
                self.plan(at, &id, Act::Say("退会".into()));
                self.plan(
                    at + minutes(1),
                    &id,
                    Act::Tap(
                        Postback::Leave {
                            confirmed: true,
                            asked: at,
                        }
                        .encode(),
                    ),
                );
            }
            self.people.push(person);
        }
        if !self.events_lost.is_empty() {
            return Err(LocalError(format!("setup failed: {:?}", self.events_lost)));
        }
        self.seen = self.stack.sim.deliveries().len();
        self.began = self.stack.now();
        Ok(())
    }

    /// A time somewhere in the run, after the first day.
    fn some_time(&mut self, start: Timestamp, days: i64) -> Timestamp {
        let span = (days - 1).max(1) * 24 * 60;
        start + hours(24) + minutes(self.dice.below(span as u64) as i64)
    }

    fn plan(&mut self, at: Timestamp, who: &str, act: Act) {
        self.plans.push(Planned {
            at,
            who: who.to_owned(),
            act,
            again: None,
        });
    }

    fn inject(&mut self, seed: u64) {
        let sim = &self.stack.sim;
        let line = vec![
            Failure::Status(429),
            Failure::Status(500),
            Failure::Timeout(std::time::Duration::from_millis(150)),
        ];
        for endpoint in [Endpoint::Push, Endpoint::Reply, Endpoint::Multicast] {
            sim.fail_at_rate(endpoint, line.clone(), LINE_FAULTS, seed ^ 0x11);
        }
        let faults = &self.stack.faults;
        use crate::faults::Fault;
        let per_op = DYNAMO_FAULTS / 2;
        for (n, op) in [
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "TransactWriteItems",
        ]
        .into_iter()
        .enumerate()
        {
            faults.fail_at_rate(
                op,
                Fault::ProvisionedThroughputExceeded,
                per_op,
                seed ^ (0x100 + n as u64),
            );
        }
        faults.fail_at_rate(
            "TransactWriteItems",
            Fault::cancelled("TransactionConflict"),
            per_op,
            seed ^ 0x200,
        );
        faults.crash_at_rate(CRASHES, seed ^ 0x300);
    }

    /// Sends a setup event, which must be acknowledged at once (no faults yet).
    async fn must(&mut self, event: serde_json::Value) -> Result<()> {
        match self.stack.webhook(std::slice::from_ref(&event)).await {
            200 => Ok(()),
            status => Err(LocalError(format!("a setup event was answered {status}: {event}"))),
        }
    }

    async fn live_until(&mut self, end: Timestamp) -> Result<()> {
        loop {
            self.plans.sort_by_key(|p| std::cmp::Reverse(p.at));
            let next_plan = self.plans.last().map(|p| p.at);
            let limit = next_plan.map_or(end, |t| t.min(end));
            let fired = self.stack.step(limit).await?;
            self.react();
            if fired.is_some() {
                continue;
            }
            match self.plans.last() {
                Some(p) if p.at <= limit => {
                    let Some(p) = self.plans.pop() else { break };
                    self.act(p).await;
                    self.react();
                }
                _ if self.stack.now() >= end => break,
                _ => {}
            }
        }
        Ok(())
    }

    /// Sends the event as LINE does: signed; when it is not acknowledged within 2
    /// seconds (a failure, or at the fault rate an answer that came too late), LINE
    /// delivers it again later (1, 2, 4… minutes), marked as a redelivery.
    async fn act(&mut self, p: Planned) {
        let sim = self.stack.sim.clone();
        let (event, sent) = match &p.again {
            Some((event, sent)) => (sim.redeliver(event), *sent),
            None => (
                match &p.act {
                    Act::Tap(data) => sim.postback(&p.who, data),
                    Act::Say(text) => sim.text(&p.who, text),
                    Act::StaffTap(data) => sim.group_postback(STAFF_ROOM, &p.who, data),
                    Act::Follow => sim.follow(&p.who),
                    Act::Unfollow => sim.unfollow(&p.who),
                },
                0,
            ),
        };
        let now = self.stack.now();
        let status = self.stack.webhook(std::slice::from_ref(&event)).await;
        let too_late = self.faults && sent == 0 && self.dice.roll(WEBHOOK_REDELIVERIES);
        if status == 200 && !too_late {
            if let (Act::Tap(data), Some(Who::Member(m))) = (&p.act, self.by_id.get(&p.who))
                && let Some(Postback::Ok { check, .. }) = Postback::read(data)
            {
                self.answers.push(Answer {
                    member: *m,
                    at: now,
                    check: Some(check.at()),
                });
            }
            return;
        }
        if sent + 1 >= DELIVERIES {
            self.events_lost.push(event.to_string().chars().take(160).collect());
            return;
        }
        self.webhook_redeliveries += 1;
        self.plans.push(Planned {
            at: now + minutes(1 << sent),
            again: Some((event, sent + 1)),
            ..p
        });
    }

    /// What people do about what they just received.
    fn react(&mut self) {
        let new = self.stack.sim.deliveries_since(self.seen);
        self.seen += new.len();
        for d in new {
            let buttons: Vec<Postback> = d.postback_data().iter().filter_map(|p| Postback::read(p)).collect();
            if d.to == STAFF_ROOM {
                for b in &buttons {
                    if let Postback::TakeCase(n) = b
                        && !self.cases_planned.contains(n)
                        && self.dice.roll(750)
                    {
                        self.cases_planned.insert(*n);
                        let take = d.at + minutes(5 + self.dice.below(35) as i64);
                        let close = take + minutes(60 + self.dice.below(120) as i64);
                        self.plan(take, STAFF_A, Act::StaffTap(Postback::TakeCase(*n).encode()));
                        self.plan(
                            close,
                            STAFF_A,
                            Act::StaffTap(Postback::CloseCase(*n, Outcome::Safe).encode()),
                        );
                    }
                }
                continue;
            }
            match self.by_id.get(&d.to).copied() {
                Some(Who::Member(m)) => {
                    let reminder = d.texts().iter().any(|t| t.contains(&reminder_text()));
                    for b in &buttons {
                        let Postback::Ok { check, .. } = b else { continue };
                        let answers = match self.people[m].habit {
                            Habit::Prompt => true,
                            Habit::Late => reminder,
                            Habit::Silent => false,
                        };
                        if answers && self.answering.insert((m, check.at())) {
                            let after = match self.people[m].habit {
                                Habit::Prompt => 2 + self.dice.below(28),
                                _ => 10 + self.dice.below(80),
                            };
                            let id = self.people[m].id.clone();
                            self.plan(d.at + minutes(after as i64), &id, Act::Tap(b.encode()));
                        }
                    }
                }
                Some(Who::Contact(c)) if self.contacts[c].confirms => {
                    for b in &buttons {
                        if let Postback::ContactSafe(n) = b
                            && self.confirming.insert((c, *n))
                        {
                            let id = self.contacts[c].id.clone();
                            let at = d.at + minutes(30 + self.dice.below(90) as i64);
                            self.plan(at, &id, Act::Tap(b.encode()));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    async fn report(self, end: Timestamp) -> Result<ChaosReport> {
        let deliveries = self.stack.sim.deliveries();
        // What Lambda gave up on (each raised the alarm): read once, the queue empties.
        let failure_records = self.stack.receive_all("InvokeFailureQueue").await?;
        let op: OperatorId = self.stack.functions.webhook.operator.id.clone();
        let by_person = |id: &str| -> Vec<&Delivery> { deliveries.iter().filter(|d| d.to == id).collect() };
        let reminder = reminder_text();

        // The cases, as the staff room was told of them.
        let mut numbers = BTreeSet::new();
        for d in by_person(STAFF_ROOM) {
            for p in d.postback_data() {
                if let Some(Postback::TakeCase(n)) = Postback::read(&p) {
                    numbers.insert(n);
                }
            }
        }
        let mut cases: Vec<Case> = Vec::new();
        let mut closed_at: HashMap<CaseNumber, Timestamp> = HashMap::new();
        let store = &self.stack.functions.webhook;
        for n in numbers {
            let Some(case) = store.cases.case(&op, n).await.map_err(LocalError::new)? else {
                continue;
            };
            if case.is_closed() {
                let history = store.cases.case_history(&op, n).await.map_err(LocalError::new)?;
                if let Some((at, _)) = history.last() {
                    closed_at.insert(n, *at);
                }
            }
            cases.push(case);
        }
        let member_of: HashMap<String, usize> =
            self.people.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect();
        let answered = |m: usize, from: Timestamp, to: Timestamp| {
            self.answers.iter().any(|a| a.member == m && a.at >= from && a.at <= to)
        };

        let mut sent = Invariant::new(
            "every due check of an active, unpaused member was sent exactly once (or reported missing to the staff room)",
        );
        let mut reminded = Invariant::new("every unanswered check was reminded exactly once");
        let mut recorded = Invariant::new("every sign of life was recorded and closed the open checks");
        let mut alerted = Invariant::new(
            "every overdue check reached every reachable contact and the staff room at least once, nobody twice",
        );
        let mut wrongly = Invariant::new("no answered, paused or departed member was escalated");
        let mut cleared = Invariant::new("every all-clear went to exactly those who were alerted");
        let mut followed = Invariant::new("every case was followed up until it was taken and closed");
        let mut silent = Invariant::new("nothing failed without an alarm or a staff-room notice");

        for (m, person) in self.people.iter().enumerate() {
            let member = self
                .stack
                .functions
                .webhook
                .members
                .member(&op, &UserId::new(person.id.clone()).map_err(LocalError::new)?)
                .await
                .map_err(LocalError::new)?;
            let seen = by_person(&person.id);
            let pushes: Vec<(&Delivery, Vec<Timestamp>)> = seen
                .iter()
                .filter(|d| d.via == Via::Push)
                .map(|d| {
                    let oks = d
                        .postback_data()
                        .iter()
                        .filter_map(|p| match Postback::read(p) {
                            Some(Postback::Ok { check, .. }) => Some(check.at()),
                            _ => None,
                        })
                        .collect();
                    (*d, oks)
                })
                .filter(|(_, oks): &(&Delivery, Vec<Timestamp>)| !oks.is_empty())
                .collect();
            // 1. Due checks: one push with an OK button within two hours of each.
            if let Some(member) = &member {
                for slot in due_slots(&member.schedule, self.began, end - hours(2)) {
                    let standing = person.standing_at(slot);
                    if !person.steady(slot - minutes(5), slot + hours(2)) || standing == Standing::Blocked {
                        continue;
                    }
                    let n = pushes
                        .iter()
                        .filter(|(d, _)| d.at >= slot && d.at < slot + hours(2))
                        .count();
                    let expected = usize::from(standing == Standing::Active);
                    if n != expected && std::env::var_os("CHAOS_DEBUG").is_some() {
                        eprintln!("DEBUG {} {:?} {:?}", person.name, member.schedule, person.standing);
                        for d in &seen {
                            eprintln!(
                                "  {} {:?} {:?}",
                                d.at,
                                d.via,
                                d.texts().join("|").chars().take(80).collect::<String>()
                            );
                        }
                        for i in self
                            .stack
                            .invocations
                            .iter()
                            .filter(|i| i.payload.to_string().contains(&person.id))
                        {
                            eprintln!(
                                "  inv {} {} {:?}",
                                i.at,
                                i.function,
                                i.result
                                    .as_ref()
                                    .map(|_| ())
                                    .map_err(|e| e.chars().take(200).collect::<String>())
                            );
                        }
                    }
                    // A check whose invocation failed all of Lambda's attempts (to the
                    // alarmed failure destination) is not sent that day: the watchdog
                    // then tells the staff room it is missing, which is the safety net
                    // working, not a silent stop.
                    let reported_missing = n == 0
                        && by_person(STAFF_ROOM).iter().any(|d| {
                            d.at >= slot
                                && d.at < slot + hours(4)
                                && d.texts().iter().any(|t| {
                                    (t.contains("【確認漏れ】") || t.contains("【システム障害】"))
                                        && t.contains(&format!("{}さん", person.name))
                                })
                        });
                    // Or its invocation failed all its attempts: the record in the failure
                    // destination raised the alarm, and the watchdog sends it with its
                    // reminder once the reminder is overdue (lost_reminder_deadline).
                    let failed_for_good = n == 0
                        && failure_records.iter().any(|r| {
                            let p = &r["requestPayload"];
                            p["member"] == person.id.as_str()
                                && p["scheduled_time"].as_str().and_then(|t| t.parse::<Timestamp>().ok()) == Some(slot)
                        });
                    sent.check(n == expected || reported_missing || failed_for_good, || {
                        format!(
                            "{} {slot}: {n} check pushes, {expected} expected ({standing:?}), staff room not told",
                            person.name
                        )
                    });
                }
            }
            // 2. Reminders: every fresh check left unanswered for a day is reminded once.
            let fresh: BTreeSet<Timestamp> = pushes
                .iter()
                .filter(|(d, _)| !d.texts().iter().any(|t| t.contains(&reminder)))
                .flat_map(|(_, oks)| oks.iter().copied())
                .collect();
            for c in fresh {
                let r = c + hours(24);
                if r + hours(2) > end
                    || !person.steady(c - minutes(5), r + hours(2))
                    || person.standing_at(c) != Standing::Active
                    || answered(m, c, r)
                {
                    continue;
                }
                let n = pushes
                    .iter()
                    .filter(|(d, oks)| {
                        d.at >= r - minutes(5)
                            && d.at < r + hours(2)
                            && oks.contains(&c)
                            && d.texts().iter().any(|t| t.contains(&reminder))
                    })
                    .count();
                reminded.check(n == 1, || format!("{} check {c}: {n} reminders", person.name));
            }
            // 3. Every answer closed its check; nothing about that check came after it.
            for a in self.answers.iter().filter(|a| a.member == m) {
                let Some(c) = a.check else { continue };
                let later = pushes
                    .iter()
                    .filter(|(d, oks)| d.at > a.at + minutes(2) && oks.contains(&c))
                    .count();
                let case_after = cases
                    .iter()
                    .filter(|k| k.member.as_str() == person.id && k.check == c)
                    .filter(|k| k.opened_at.is_some_and(|o| o > a.at + minutes(2)))
                    .count();
                let stored = self
                    .stack
                    .functions
                    .webhook
                    .checks
                    .check(&op, &UserId::new(person.id.clone()).map_err(LocalError::new)?, c)
                    .await
                    .map_err(LocalError::new)?;
                let closed = match stored {
                    Some(check) => !check.state.is_open(),
                    None => member.is_none(),
                };
                recorded.check(later == 0 && case_after == 0 && closed, || {
                    format!(
                        "{} answered check {c} at {}: {later} pushes and {case_after} cases after, closed: {closed}",
                        person.name, a.at
                    )
                });
            }
            // 4. Unanswered reminders became cases that reached everyone once.
            let reminders: Vec<(Timestamp, Timestamp)> = pushes
                .iter()
                .filter(|(d, _)| d.texts().iter().any(|t| t.contains(&reminder)))
                .flat_map(|(d, oks)| oks.iter().map(|c| (d.at, *c)))
                .collect();
            for (r, c) in reminders {
                let due = r + hours(3);
                if due + hours(2) > end
                    || !person.steady(c - minutes(5), due + hours(2))
                    || person.standing_at(r) != Standing::Active
                    || answered(m, c, due + minutes(5))
                {
                    continue;
                }
                let Some(case) = cases.iter().find(|k| k.member.as_str() == person.id && k.check == c) else {
                    let user = UserId::new(person.id.clone()).map_err(LocalError::new)?;
                    let stored = self
                        .stack
                        .functions
                        .webhook
                        .checks
                        .check(&op, &user, c)
                        .await
                        .map_err(LocalError::new)?;
                    // What ran for the member meanwhile, to tell a lost deadline from a
                    // slow repair.
                    let ran: Vec<String> = self
                        .stack
                        .invocations
                        .iter()
                        .filter(|i| i.at >= r - minutes(5) && i.at < due + hours(2))
                        .filter(|i| i.payload.to_string().contains(&person.id))
                        .map(|i| {
                            format!(
                                "{} {} {}",
                                i.at,
                                i.function,
                                if i.result.is_ok() { "ok" } else { "failed" }
                            )
                        })
                        .collect();
                    alerted.check(false, || {
                        format!(
                            "{} check {c}: reminded at {r}, never escalated; stored: {:?}; ran: {ran:?}",
                            person.name,
                            stored.map(|k| (k.state, k.reminded_at, k.overdue_at))
                        )
                    });
                    continue;
                };
                let staff = count_text(&by_person(STAFF_ROOM), &format!("【要対応 #{}】", case.number));
                alerted.check(staff == 1, || format!("case #{}: {staff} staff alerts", case.number));
                for &k in &person.contacts {
                    let contact = &self.contacts[k];
                    if contact.reachable_throughout(r, due + hours(2)) != Some(true) {
                        continue;
                    }
                    let n = alerts_for(&by_person(&contact.id), case.number, FIRST_ALERT);
                    alerted.check(n == 1, || {
                        format!("case #{}: contact {k} alerted {n} times", case.number)
                    });
                }
            }
        }

        // 5–7. Each case: rightly opened, cleared to the alerted, followed until closed.
        for case in &cases {
            let Some(&m) = member_of.get(case.member.as_str()) else {
                continue;
            };
            let person = &self.people[m];
            let opened = case.opened_at.unwrap_or(case.check);
            let clear_window = person.steady(case.check - hours(28), opened);
            if clear_window {
                let standing = person.standing_at(opened);
                let early = self
                    .answers
                    .iter()
                    .any(|a| a.member == m && a.at >= case.check && a.at + minutes(2) < opened);
                wrongly.check(standing == Standing::Active && !early, || {
                    format!(
                        "case #{} of {}: {standing:?}, answered before: {early}",
                        case.number, person.name
                    )
                });
            }
            let staff = by_person(STAFF_ROOM);
            let alerted_to: BTreeSet<String> = person
                .contacts
                .iter()
                .map(|&k| &self.contacts[k])
                .filter(|c| {
                    // A contact blocked at the first alert hears of the case from a later
                    // level's alert, if at all.
                    let theirs = by_person(&c.id);
                    alerts_for(&theirs, case.number, FIRST_ALERT) + alerts_for(&theirs, case.number, ALERT_AGAIN) > 0
                })
                .map(|c| c.id.clone())
                .chain((count_text(&staff, &format!("【要対応 #{}】", case.number)) > 0).then(|| STAFF_ROOM.to_owned()))
                .collect();
            let safe = matches!(
                case.outcome,
                Some(Outcome::Answered | Outcome::ConfirmedByContact | Outcome::Safe)
            );
            let closed_at = closed_at.get(&case.number).copied();
            if safe && closed_at.is_some_and(|t| t + hours(2) <= end) {
                let mut cleared_to: BTreeMap<String, usize> = BTreeMap::new();
                let staff_clear = count_text(&staff, &format!("【解決 #{}】", case.number))
                    + count_text(&staff, &format!("【解決】#{} ", case.number));
                if staff_clear > 0 {
                    cleared_to.insert(STAFF_ROOM.into(), staff_clear);
                }
                // The contacts' all-clear names no case: count those before the member's
                // next case.
                let next_case = cases
                    .iter()
                    .filter(|k| k.member == case.member && k.number != case.number)
                    .map(|k| k.opened_at.unwrap_or(k.check))
                    .filter(|at| *at > opened)
                    .min()
                    .unwrap_or(Timestamp::MAX);
                let mut contacts_seen = Vec::new();
                for &k in &person.contacts {
                    let c = &self.contacts[k];
                    let n = by_person(&c.id)
                        .iter()
                        .filter(|d| d.at >= opened && d.at < next_case)
                        .filter(|d| {
                            d.texts().iter().any(|t| {
                                t.contains(&format!("{}さんの無事が確認できました", person.name))
                                    || t.contains(&format!("{}さんのご無事を確認しました", person.name))
                            })
                        })
                        .count();
                    let reachable = c.reachable_throughout(opened, closed_at.unwrap_or(end) + hours(1));
                    if n > 0 {
                        cleared_to.insert(c.id.clone(), n);
                    } else if reachable != Some(true) && alerted_to.contains(&c.id) {
                        // Blocked meanwhile: LINE did not deliver it.
                        cleared_to.insert(c.id.clone(), 1);
                    }
                    let theirs = by_person(&c.id);
                    contacts_seen.push(format!(
                        "contact {k}: first alerts {}, later alerts {}, all-clears {n}, reachable throughout {reachable:?}",
                        alerts_for(&theirs, case.number, FIRST_ALERT),
                        alerts_for(&theirs, case.number, ALERT_AGAIN),
                    ));
                }
                let exact = cleared_to.keys().cloned().collect::<BTreeSet<_>>() == alerted_to
                    && cleared_to.values().all(|n| *n == 1);
                cleared.check(exact, || {
                    format!(
                        "case #{}: alerted {alerted_to:?}, all-clear {cleared_to:?} ({})",
                        case.number,
                        contacts_seen.join("; ")
                    )
                });
            }
            if opened + hours(8) <= end {
                let closed = case.outcome.is_some();
                let untaken_for = case.taken_at.unwrap_or(closed_at.unwrap_or(end)).duration_since(opened);
                let reannounced = count_text(&staff, &format!("【再通知】#{} ", case.number));
                // An untaken case is announced again an hour on, or at 08:00 when that
                // falls in the quiet hours (21:00–08:00, the operator's time).
                let policy = mimamori::case::CaseFollowUpPolicy::default();
                let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").map_err(LocalError::new)?;
                let outside_quiet = |mut t: Timestamp| {
                    while policy.is_quiet(t, &tokyo) {
                        t += minutes(10);
                    }
                    t
                };
                let due = outside_quiet(opened + policy.every);
                let untaken_until = opened + untaken_for;
                let followed_up = untaken_until < due + minutes(30) || reannounced > 0;
                // A case the run ended on before staff closed it (people take their
                // time) must still have been followed up: the next follow-up after the
                // last message about it was not yet due when the run ended.
                let mention = format!("#{}", case.number);
                let last = staff
                    .iter()
                    .filter(|d| d.texts().iter().any(|t| t.contains(&mention)))
                    .map(|d| d.at)
                    .max()
                    .unwrap_or(opened);
                let interval = if case.taken_at.is_some() {
                    policy.taken_every
                } else {
                    policy.every
                };
                let next = outside_quiet(last + interval);
                let still_followed = closed || end < next + minutes(30);
                followed.check(followed_up && still_followed, || {
                    format!(
                        "case #{}: closed {closed}, untaken for {untaken_for:#}, re-announced {reannounced}, \
                         last staff-room message about it at {last}",
                        case.number
                    )
                });
            }
        }

        // 7. Failures that left no trace.
        for dropped in &self.stack.dropped {
            silent.check(false, || format!("dropped asynchronous event: {}", dropped.payload));
        }
        for lost in &self.events_lost {
            silent.check(false, || format!("webhook event never acknowledged: {lost}"));
        }
        silent.checked += self.stack.invocations.len();
        let failure_destination = failure_records.len();
        let dead_letters = self.stack.queue_depth("EscalationDeadLetterQueue").await?
            + self.stack.queue_depth("SchedulerDeadLetterQueue").await?;

        let requests = self.stack.sim.requests();
        let status = |code: u16| requests.iter().filter(|r| r.status == code).count();
        let dynamo = self.stack.faults.injected();
        let transaction_conflicts = dynamo
            .iter()
            .filter(|(_, f)| matches!(f, crate::faults::Fault::TransactionCanceled { .. }))
            .count();
        let by = |f: &str| self.stack.invocations.iter().filter(|i| i.function == f).count();
        let failed = |f: &str| {
            self.stack
                .invocations
                .iter()
                .filter(|i| i.function == f && i.result.is_err())
                .count()
        };
        Ok(ChaosReport {
            invariants: vec![sent, reminded, recorded, alerted, wrongly, cleared, followed, silent],
            faults: vec![
                (
                    "LINE answers 429 or 500 (and timeouts, answered 500 late)".into(),
                    status(429) + status(500),
                ),
                ("DynamoDB throttling".into(), dynamo.len() - transaction_conflicts),
                ("DynamoDB transaction conflicts".into(), transaction_conflicts),
                ("crashes between two effects".into(), self.stack.faults.crashes()),
                ("scheduler firings delivered twice".into(), self.stack.duplicated),
                (
                    "webhook redeliveries (failed, or drawn as answered past 2 s)".into(),
                    self.webhook_redeliveries,
                ),
                (
                    "webhooks measured past LINE's 2 s (redelivered by the stack)".into(),
                    self.stack.late_webhooks,
                ),
            ],
            activity: vec![
                ("members".into(), self.people.len()),
                ("contacts".into(), self.contacts.len()),
                ("answers acknowledged".into(), self.answers.len()),
                ("cases".into(), cases.len()),
                ("pushes and replies delivered".into(), deliveries.len()),
                ("billed messages".into(), self.stack.sim.billed_messages() as usize),
                ("webhook invocations".into(), by("webhook")),
                ("check invocations".into(), by("check")),
                ("  of which failed".into(), failed("check")),
                ("deadline invocations".into(), by("deadline")),
                ("  of which failed".into(), failed("deadline")),
                ("AWS calls by the functions".into(), self.stack.aws_calls.len()),
                ("escalation batches".into(), by("escalation")),
                ("  of which failed".into(), failed("escalation")),
                ("failure-destination records (alarmed)".into(), failure_destination),
                ("dead letters (alarmed)".into(), dead_letters),
            ],
        })
    }
}

fn reminder_text() -> String {
    Text::Reminder.render(Lang::Ja)
}

fn count_text(deliveries: &[&Delivery], needle: &str) -> usize {
    deliveries
        .iter()
        .filter(|d| d.texts().iter().any(|t| t.contains(needle)))
        .count()
}

/// First alerts about `case` (not its later re-alerts) a contact received.
/// What a contact's first alert says.
const FIRST_ALERT: &str = "安否確認にお返事がありません";
/// What a contact's alert of a later escalation level says.
const ALERT_AGAIN: &str = "まだ連絡がとれていません";

/// The pushes among `deliveries` that alert of `case` in words containing `text`, with the
/// button to say the member is safe.
fn alerts_for(deliveries: &[&Delivery], case: CaseNumber, text: &str) -> usize {
    deliveries
        .iter()
        .filter(|d| d.via == Via::Push)
        .filter(|d| {
            d.postback_data()
                .iter()
                .any(|p| Postback::read(p) == Some(Postback::ContactSafe(case)))
        })
        .filter(|d| d.texts().iter().any(|t| t.contains(text)))
        .count()
}

/// The member's check times in `[from, to)`, by their schedule.
fn due_slots(schedule: &CheckSchedule, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
    let mut out = Vec::new();
    let mut after = from - SignedDuration::from_nanos(1);
    while let Ok(t) = schedule.first_after(after) {
        if t >= to {
            break;
        }
        out.push(t);
        after = t;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 1,000-member run's report panicked on a contact who blocked for good: "back"
    /// was the end of time, and five minutes were added to it.
    #[test]
    fn a_contact_blocked_for_good_is_unreachable_from_then_on() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let contact = |blocked| ContactPerson {
            id: "c".into(),
            confirms: true,
            blocked,
        };
        let for_good = contact(Some((t("2026-12-01T00:00:00Z"), None)));
        assert_eq!(
            for_good.reachable_throughout(t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z")),
            Some(false)
        );
        assert_eq!(
            for_good.reachable_throughout(t("2026-11-29T00:00:00Z"), t("2026-11-30T00:00:00Z")),
            Some(true)
        );
        let a_while = contact(Some((t("2026-12-01T00:00:00Z"), Some(t("2026-12-02T00:00:00Z")))));
        assert_eq!(
            a_while.reachable_throughout(t("2026-12-02T01:00:00Z"), t("2026-12-03T00:00:00Z")),
            Some(true)
        );
        assert_eq!(
            a_while.reachable_throughout(t("2026-11-30T00:00:00Z"), t("2026-12-03T00:00:00Z")),
            None
        );
    }
}
