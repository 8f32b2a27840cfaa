//! EventBridge Scheduler: one recurring schedule per member that invokes the check
//! function, and one-time schedules (deleted after they fire) for check deadlines.

use crate::check::Deadline;
use crate::config::SchedulerConfig;
use crate::ids::{OperatorId, Watched};
use crate::ports::{Scheduler, SchedulerError};
use crate::schedule::{CheckSchedule, ScheduleExpression};
use async_trait::async_trait;
use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::{DisplayErrorContext, SdkError};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState,
    Target,
};
use jiff::tz::TimeZone;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The placeholder Scheduler replaces with the time the invocation was scheduled for.
pub const SCHEDULED_TIME: &str = "<aws.scheduler.scheduled-time>";

/// Scheduler's own retry policy, for an invoke it could not make (the function missing,
/// no permission; a function error is Lambda's to retry, see `EventInvokeConfig`): a
/// check that could not be delivered within a day is dead-lettered (and alarmed on)
/// rather than retried for longer: by then the next check has taken its place.
const MAX_EVENT_AGE_SECONDS: i32 = 86_400;
const MAX_RETRIES: i32 = 185;

#[derive(Clone)]
pub struct EventBridgeScheduler {
    client: Client,
    config: SchedulerConfig,
}

impl EventBridgeScheduler {
    pub fn new(client: Client, config: SchedulerConfig) -> Self {
        Self { client, config }
    }
}

/// `chk-{operator}-{user or group}`: at most 4 + 20 + 1 + 33 = 58 characters (the limit
/// is 64). A member's id starts with `U`, a group's with `C`, so the names never meet.
pub fn check_schedule_name(op: &OperatorId, watched: &Watched) -> String {
    format!("chk-{op}-{watched}")
}

/// `dl-{operator}-{hash of user or group}-{check}-{r|o|e}`, or `…-f{seconds}` for a
/// case's follow-up: unique per check and stage, ≤ 64 characters.
pub fn deadline_schedule_name(op: &OperatorId, watched: &Watched, deadline: &Deadline) -> String {
    let hash = Sha256::digest(watched.as_str().as_bytes());
    let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let stage = match deadline.stage {
        crate::check::Stage::Reminder => 'r',
        crate::check::Stage::Overdue => 'o',
        crate::check::Stage::Erase => 'e',
        // A case has many follow-ups: each is named by its seconds after the check. Two
        // steps are never closer than a minute (`SCHEDULER_PRECISION`), so a step never
        // meets the name of the one that set it, which may still exist while it runs.
        crate::check::Stage::FollowUp => {
            let after = deadline.at.duration_since(deadline.check).as_secs();
            return format!("dl-{op}-{short}-{}-f{after}", crate::ids::CheckId(deadline.check).key());
        }
    };
    format!("dl-{op}-{short}-{}-{stage}", crate::ids::CheckId(deadline.check).key())
}

fn scheduler_error<E: std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> SchedulerError {
    move |e| SchedulerError {
        operation,
        // Scheduler's messages name the schedule, whose name holds the LINE id.
        message: crate::pseudonym::redact_ids(&DisplayErrorContext(&e).to_string()),
    }
}

fn build_error(operation: &'static str) -> impl FnOnce(aws_sdk_scheduler::error::BuildError) -> SchedulerError {
    move |e| SchedulerError {
        operation,
        message: e.to_string(),
    }
}

impl EventBridgeScheduler {
    fn target(&self, operation: &'static str, arn: &str, input: String) -> Result<Target, SchedulerError> {
        let retry = RetryPolicy::builder()
            .maximum_event_age_in_seconds(MAX_EVENT_AGE_SECONDS)
            .maximum_retry_attempts(MAX_RETRIES)
            .build();
        let mut target = Target::builder()
            .arn(arn)
            .role_arn(&self.config.role_arn)
            .input(input)
            .retry_policy(retry);
        if let Some(dlq) = &self.config.dead_letter_arn {
            target = target.dead_letter_config(DeadLetterConfig::builder().arn(dlq).build());
        }
        target.build().map_err(build_error(operation))
    }

    /// Deletes the schedule `name`; one that does not exist (fired, or never made) is fine.
    async fn delete(&self, name: String) -> Result<(), SchedulerError> {
        let result = self
            .client
            .delete_schedule()
            .name(name)
            .group_name(&self.config.group)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(scheduler_error("DeleteSchedule")(e)),
        }
    }

    /// Deadlines fire on their minute: the window is off.
    fn window() -> Result<FlexibleTimeWindow, SchedulerError> {
        FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(build_error("FlexibleTimeWindow"))
    }

    /// A recurring check comes within the deployment's window after its time (members
    /// are told so), which spreads a round hour's burst; off when the window is zero.
    fn check_window(&self) -> Result<FlexibleTimeWindow, SchedulerError> {
        let minutes = self.config.check_window.as_mins();
        if minutes <= 0 {
            return Self::window();
        }
        FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Flexible)
            .maximum_window_in_minutes(i32::try_from(minutes).unwrap_or(30))
            .build()
            .map_err(build_error("FlexibleTimeWindow"))
    }
}

#[async_trait]
impl Scheduler for EventBridgeScheduler {
    async fn put_check_schedule(
        &self,
        op: &OperatorId,
        watched: &Watched,
        schedule: &CheckSchedule,
    ) -> Result<(), SchedulerError> {
        let name = check_schedule_name(op, watched);
        let expression = schedule.expression().to_string();
        let input = json!({ "operator": op, watched.field(): watched.as_str(), "scheduled_time": SCHEDULED_TIME });
        let input = input.to_string();
        let target = self.target("CreateSchedule", &self.config.check_function_arn, input)?;
        let created = self
            .client
            .create_schedule()
            .name(&name)
            .group_name(&self.config.group)
            .schedule_expression(&expression)
            .schedule_expression_timezone(&schedule.zone)
            .flexible_time_window(self.check_window()?)
            .target(target.clone())
            .state(ScheduleState::Enabled)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            // It exists: replace it in one call, so there is never zero and never two.
            Err(e) if e.as_service_error().is_some_and(|se| se.is_conflict_exception()) => {
                self.client
                    .update_schedule()
                    .name(&name)
                    .group_name(&self.config.group)
                    .schedule_expression(&expression)
                    .schedule_expression_timezone(&schedule.zone)
                    .flexible_time_window(self.check_window()?)
                    .target(target)
                    .state(ScheduleState::Enabled)
                    .send()
                    .await
                    .map_err(scheduler_error("UpdateSchedule"))?;
                Ok(())
            }
            Err(e) => Err(scheduler_error("CreateSchedule")(e)),
        }
    }

    async fn delete_check_schedule(&self, op: &OperatorId, watched: &Watched) -> Result<(), SchedulerError> {
        self.delete(check_schedule_name(op, watched)).await
    }

    async fn delete_deadline(
        &self,
        op: &OperatorId,
        watched: &Watched,
        deadline: &Deadline,
    ) -> Result<(), SchedulerError> {
        self.delete(deadline_schedule_name(op, watched, deadline)).await
    }

    async fn set_deadline(
        &self,
        op: &OperatorId,
        watched: &Watched,
        deadline: &Deadline,
    ) -> Result<(), SchedulerError> {
        let input = json!({
            "operator": op,
            watched.field(): watched.as_str(),
            "check": deadline.check,
            "stage": deadline.stage,
        })
        .to_string();
        let target = self.target("CreateSchedule", &self.config.deadline_function_arn, input)?;
        let result = self
            .client
            .create_schedule()
            .name(deadline_schedule_name(op, watched, deadline))
            .group_name(&self.config.group)
            .schedule_expression(ScheduleExpression::at(deadline.at, &TimeZone::UTC).to_string())
            .schedule_expression_timezone("UTC")
            .flexible_time_window(Self::window()?)
            .target(target)
            .action_after_completion(ActionAfterCompletion::Delete)
            .state(ScheduleState::Enabled)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|se| se.is_conflict_exception()) => Ok(()),
            Err(e) => Err(scheduler_error("CreateSchedule")(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Stage;
    use crate::ids::{ChatId, UserId};
    use jiff::Timestamp;

    #[test]
    fn schedule_names_fit_the_64_character_limit_and_a_member_never_meets_a_group() {
        let op = OperatorId::new("a".repeat(20)).unwrap();
        let hex = "f".repeat(32);
        let member = Watched::Member(UserId::new(format!("U{hex}")).unwrap());
        let group = Watched::Group(ChatId::new(format!("C{hex}")).unwrap());
        let d = Deadline {
            check: Timestamp::from_second(4_000_000_000).unwrap(),
            stage: Stage::Overdue,
            at: Timestamp::UNIX_EPOCH,
        };
        // A follow-up a year after its check (the longest a case could stay open unseen).
        let follow_up = Deadline {
            stage: Stage::FollowUp,
            at: d.check + jiff::SignedDuration::from_hours(24 * 366),
            ..d
        };
        for watched in [&member, &group] {
            assert!(check_schedule_name(&op, watched).len() <= 64);
            for d in [&d, &follow_up] {
                let name = deadline_schedule_name(&op, watched, d);
                assert!(name.len() <= 64, "{name}");
                assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            }
        }
        assert_ne!(check_schedule_name(&op, &member), check_schedule_name(&op, &group));
        assert_ne!(
            deadline_schedule_name(&op, &member, &d),
            deadline_schedule_name(&op, &group, &d)
        );
    }
}
