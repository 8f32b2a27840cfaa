//! The handlers' work: each function's use case, carried out over the ports. The core
//! decides; this layer loads what the core needs, performs its plan in the safe order
//! (record the intent, do the effect with its key, record that it was done) and
//! reports an outcome that the function turns into a Lambda response.

/// Declares the payload form of an invocation that names whom a check watches: its
/// fields, with `watched` spelled as `"member"` or `"group"` (exactly one) and no other
/// field allowed, so a malformed schedule payload is an error, not a guess.
macro_rules! watched_payload {
    ($invocation:ident, $payload:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $payload {
            operator: crate::ids::OperatorId,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            member: Option<crate::ids::UserId>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            group: Option<crate::ids::ChatId>,
            $($field: $ty,)*
        }

        impl TryFrom<$payload> for $invocation {
            type Error = crate::ids::IdError;
            fn try_from(p: $payload) -> Result<Self, crate::ids::IdError> {
                Ok(Self {
                    operator: p.operator,
                    watched: crate::ids::Watched::from_fields(p.member, p.group)?,
                    $($field: p.$field,)*
                })
            }
        }

        impl From<$invocation> for $payload {
            fn from(i: $invocation) -> Self {
                let (member, group) = i.watched.into_fields();
                Self {
                    operator: i.operator,
                    member,
                    group,
                    $($field: i.$field,)*
                }
            }
        }
    };
}

pub(crate) mod cases;
pub mod check;
pub mod deadline;
pub mod deliver;
pub mod escalation;
mod handled;
mod leave;
mod page;
pub mod report;
mod settings;
pub mod staff_room;
pub mod watchdog;
pub mod webhook;
pub mod wiring;

pub use handled::Handled;

use crate::ids::{OperatorId, UserId, Watched};
use crate::operator::Operator;
use crate::ports::{
    Cases, Checks, Clock, Contacts, Erasure, Facts, Line, LineError, Members, Pager, PagerError, Queue, QueueError,
    Scheduler, SchedulerError, StaffRooms, StoreError, WebhookEvents,
};
use crate::pseudonym::{Pseudonym, Pseudonyms};
use crate::secret::Secret;
use std::sync::Arc;

/// Everything a handler needs, built once per cold start, seen from one operator: the
/// ports every operator shares, and the operator this invocation serves with its
/// secrets and LINE channel. A handler resolves the operator of each invocation with
/// [`App::serving`]; a deployment serving one operator is a list of one.
#[derive(Clone)]
pub struct App {
    /// Whom this invocation serves: settings, policies, time zone.
    pub operator: Arc<Operator>,
    /// That operator's secrets.
    pub secrets: Secrets,
    /// That operator's LINE channel.
    pub line: Arc<dyn Line>,
    /// Every operator this deployment serves, the first by default.
    pub operators: Arc<[Served]>,
    /// The store, one port per aggregate (all the one DynamoDB store in AWS), so a test
    /// can wrap one of them.
    pub events: Arc<dyn WebhookEvents>,
    pub members: Arc<dyn Members>,
    pub checks: Arc<dyn Checks>,
    pub contacts: Arc<dyn Contacts>,
    pub cases: Arc<dyn Cases>,
    pub staff: Arc<dyn StaffRooms>,
    pub facts: Arc<dyn Facts>,
    pub erasure: Arc<dyn Erasure>,
    pub scheduler: Arc<dyn Scheduler>,
    pub queue: Arc<dyn Queue>,
    /// Staff, outside LINE, when LINE cannot reach the staff room.
    pub pager: Arc<dyn Pager>,
    pub clock: Arc<dyn Clock>,
}

/// One operator as this deployment serves it.
#[derive(Clone)]
pub struct Served {
    pub operator: Arc<Operator>,
    pub secrets: Secrets,
    pub line: Arc<dyn Line>,
}

#[derive(Clone, Debug)]
pub struct Secrets {
    /// The channel secret that signs webhooks (webhook only).
    pub channel_secret: Option<Secret>,
    /// The code that registers a LINE group as the staff room (webhook only).
    pub staff_room_code: Option<Secret>,
    /// How this operator's logs name people: keyed by the operator's log key.
    pub pseudonyms: Pseudonyms,
}

/// Why a handler could not finish; every variant is retried by the platform (async
/// retry, SQS redelivery, LINE redelivery) and ends in a dead-letter queue if it persists.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Line(#[from] LineError),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Pager(#[from] PagerError),
    /// The deployment lacks something it needs (a secret, a setting): no retry helps
    /// until an operator fixes it, so it is logged as such.
    #[error("misconfigured: {0}")]
    Misconfigured(&'static str),
    /// Something that cannot fail did (a stored schedule whose zone no longer exists,
    /// the system's random source, date arithmetic out of range).
    #[error("internal failure: {0}")]
    Internal(String),
    /// Input from outside that cannot be acted on: a payload naming an operator this
    /// deployment does not serve, a message that contradicts itself. Retrying cannot
    /// help; it ends in the dead-letter queue.
    #[error("malformed input: {0}")]
    Malformed(String),
    #[error("{0} kept changing under us; retry")]
    Contention(&'static str),
    #[error("case of check {check} has no staff room to alert: register one with 「スタッフ登録」")]
    NoStaffRoom { check: String },
}

impl App {
    /// Puts the member on the watchdog's list for just after `due`, when something of
    /// theirs (a check, a deadline, a follow-up) must have happened.
    pub(crate) async fn expect(&self, user: &UserId, due: jiff::Timestamp) -> Result<(), AppError> {
        self.checks.expect(&self.operator.id, user, expected_from(due)).await?;
        Ok(())
    }

    /// Sets a member's deadline (or case follow-up), the watchdog's list first: if the
    /// schedule is then lost, the watchdog finds it.
    pub(crate) async fn set_deadline(&self, user: &UserId, deadline: &crate::check::Deadline) -> Result<(), AppError> {
        self.expect(user, deadline.at).await?;
        self.scheduler
            .set_deadline(&self.operator.id, &Watched::from(user), deadline)
            .await?;
        Ok(())
    }

    /// Creates or replaces a member's check schedule, their next check on the
    /// watchdog's list first.
    pub(crate) async fn put_check_schedule(
        &self,
        user: &UserId,
        schedule: &crate::schedule::CheckSchedule,
    ) -> Result<(), AppError> {
        if let Ok(next) = schedule.first_after(self.clock.now()) {
            self.expect(user, next).await?;
        }
        self.scheduler
            .put_check_schedule(&self.operator.id, &Watched::from(user), schedule)
            .await?;
        Ok(())
    }

    /// Writes a planned push for LINE, in the operator's zone.
    pub(crate) fn render(&self, planned: crate::outbox::Planned) -> crate::outbox::Push {
        crate::line::render::push(planned, &self.operator.zone)
    }

    pub(crate) fn render_all(&self, planned: Vec<crate::outbox::Planned>) -> Vec<crate::outbox::Push> {
        crate::line::render::pushes(planned, &self.operator.zone)
    }

    /// Records a fact for the monthly report under its month (operator time).
    pub(crate) async fn record_fact(&self, at: jiff::Timestamp, fact: &crate::report::Fact) -> Result<(), AppError> {
        let month = crate::report::month_of(at, &self.operator.zone);
        self.facts.record_fact(&self.operator.id, &month, fact).await?;
        Ok(())
    }

    /// Records what happened to a check (a flag) for the monthly report.
    pub(crate) async fn note_check(
        &self,
        member: &crate::member::Member,
        check: jiff::Timestamp,
        flag: crate::report::CheckFlag,
    ) -> Result<(), AppError> {
        let noted = self.check_fact(member, check, flag);
        self.facts
            .record_fact(&self.operator.id, &noted.month, &noted.fact)
            .await?;
        Ok(())
    }

    /// Records again the report's flags a check's state implies (reminded, escalated), in
    /// one idempotent update: an invocation that changed the state and died before it
    /// noted the flag leaves it to the retry, which finds the change already made. Nothing
    /// when the state implies no such flag.
    pub(crate) async fn note_state(
        &self,
        member: &crate::member::Member,
        check: &crate::check::Check,
    ) -> Result<(), AppError> {
        use crate::check::CheckState;
        let reminded = check.reminded_at.is_some();
        let escalated = check.state == CheckState::Overdue || check.case_number.is_some();
        if !reminded && !escalated {
            return Ok(());
        }
        let mut noted = self.check_fact(member, check.scheduled_at, crate::report::CheckFlag::Reminded);
        if let crate::report::Fact::Check {
            reminded: r,
            escalated: e,
            ..
        } = &mut noted.fact
        {
            *r = reminded;
            *e = escalated;
        }
        self.facts
            .record_fact(&self.operator.id, &noted.month, &noted.fact)
            .await?;
        Ok(())
    }

    /// Counts `member` into the report at `at` (joined again: 「再開」), by pseudonym,
    /// with the demographics they gave.
    pub(crate) async fn count_joined(
        &self,
        member: &crate::member::Member,
        at: jiff::Timestamp,
    ) -> Result<(), AppError> {
        let token = crate::member::pseudonym(&self.operator.id, member);
        let fact = crate::report::Fact::joined(&token, at, member.age_band, member.gender);
        self.record_fact(at, &fact).await
    }

    /// Counts `member` out of the report at `at` (left, erased, or checks ended).
    pub(crate) async fn count_left(&self, member: &crate::member::Member, at: jiff::Timestamp) -> Result<(), AppError> {
        let token = crate::member::pseudonym(&self.operator.id, member);
        let fact = crate::report::Fact::left(&token, at, member.age_band, member.gender);
        self.record_fact(at, &fact).await
    }

    /// The report's fact that `check` went through `flag`, under its month (a check
    /// belongs to the month of its scheduled time, operator time).
    pub(crate) fn check_fact(
        &self,
        member: &crate::member::Member,
        check: jiff::Timestamp,
        flag: crate::report::CheckFlag,
    ) -> crate::report::Recorded {
        let token = crate::member::pseudonym(&self.operator.id, member);
        let fact = crate::report::Fact::check(&token, check, flag);
        crate::report::Recorded {
            month: crate::report::month_of(check, &self.operator.zone),
            fact,
        }
    }

    /// This app seen from the operator `id`, or an error if this deployment does not
    /// serve it (a payload from another deployment, or a forged one).
    pub fn serving(&self, id: &OperatorId) -> Result<App, AppError> {
        if &self.operator.id == id {
            return Ok(self.clone());
        }
        let served = self
            .operators
            .iter()
            .find(|s| &s.operator.id == id)
            .ok_or_else(|| AppError::Malformed(format!("operator {id} is not served by this deployment")))?;
        Ok(self.seen_from(served))
    }

    /// Every operator this deployment serves, each as its own app.
    pub fn each_operator(&self) -> impl Iterator<Item = App> + '_ {
        self.operators.iter().map(|s| self.seen_from(s))
    }

    /// How this operator's logs name a person or a group: never by their LINE id.
    pub fn pseudonym(&self, id: &impl std::fmt::Display) -> Pseudonym {
        self.secrets.pseudonyms.of(id)
    }

    /// The same in the logs of operator `op` (this one's when it is not served, which
    /// the handler reports as malformed anyway).
    pub fn pseudonym_in(&self, op: &OperatorId, id: &impl std::fmt::Display) -> Pseudonym {
        self.operators
            .iter()
            .find(|s| &s.operator.id == op)
            .map_or(&self.secrets, |s| &s.secrets)
            .pseudonyms
            .of(id)
    }

    fn seen_from(&self, served: &Served) -> App {
        App {
            operator: served.operator.clone(),
            secrets: served.secrets.clone(),
            line: served.line.clone(),
            ..self.clone()
        }
    }
}

/// From when the watchdog looks at a member something of whose fell `due`: an hour's
/// grace and Scheduler's precision later.
pub(crate) fn expected_from(due: jiff::Timestamp) -> jiff::Timestamp {
    due + watchdog::GRACE + crate::schedule::SCHEDULER_PRECISION
}

/// How many times a handler re-reads and re-plans when a conditional write finds that
/// another invocation changed the record first.
pub(crate) const ATTEMPTS: usize = 4;
