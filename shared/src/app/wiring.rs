//! Building an `App` from the environment at cold start: the AWS clients (which honour
//! `AWS_ENDPOINT_URL` outside AWS), the secrets from SSM, and the configuration.

use super::{App, Secrets, Served};
use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::line::{LineClient, LineConfig};
use crate::adapters::scheduler::EventBridgeScheduler;
use crate::adapters::ssm::{SecretError, read_secrets};
use crate::alerts::EscalationMessage;
use crate::check::Deadline;
use crate::clock::{Clock, SystemClock};
use crate::config::{ConfigError, Env, SchedulerConfig};
use crate::ids::{OperatorId, Watched};
use crate::member::Lang;
use crate::operator::Operator;
use crate::ports::{Line, LineError, Pager, PagerError, Queue, QueueError, Scheduler, SchedulerError};
use crate::schedule::CheckSchedule;
use async_trait::async_trait;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("LINE client: {0}")]
    Line(#[from] LineError),
}

/// Which ports and secrets a function uses; the others are left unconfigured, so a
/// function needs only its own variables.
#[derive(Clone, Copy, Debug, Default)]
pub struct Needs {
    pub scheduler: bool,
    pub queue: bool,
    /// The staff pager (SNS): the functions that tell the staff room of cases.
    pub pager: bool,
    pub channel_secret: bool,
    pub staff_room_code: bool,
}

/// The AWS clients, from one shared configuration.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub scheduler: aws_sdk_scheduler::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub sns: aws_sdk_sns::Client,
}

/// Attempts at an SSM call. The secrets are read once per cold start, and at 09:00 many
/// functions start at once against GetParameters' 40 requests a second: rather wait
/// (the standard backoff: about 1, 2, 4, 8 s at most) than fail the start.
const SSM_ATTEMPTS: u32 = 5;

fn ssm_config(aws: &aws_config::SdkConfig) -> aws_sdk_ssm::config::Builder {
    let retry = aws
        .retry_config()
        .cloned()
        .unwrap_or_else(aws_config::retry::RetryConfig::standard)
        .with_max_attempts(SSM_ATTEMPTS);
    aws_sdk_ssm::config::Builder::from(aws).retry_config(retry)
}

impl AwsClients {
    pub fn new(aws: &aws_config::SdkConfig) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(aws),
            scheduler: aws_sdk_scheduler::Client::new(aws),
            sqs: aws_sdk_sqs::Client::new(aws),
            ssm: aws_sdk_ssm::Client::from_conf(ssm_config(aws).build()),
            sns: aws_sdk_sns::Client::new(aws),
        }
    }

    /// The same clients with an interceptor on every call (the local stack counts calls).
    pub fn with_interceptor(
        aws: &aws_config::SdkConfig,
        interceptor: aws_sdk_dynamodb::config::SharedInterceptor,
    ) -> Self {
        Self {
            dynamodb: aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(aws)
                    .interceptor(interceptor.clone())
                    .build(),
            ),
            scheduler: aws_sdk_scheduler::Client::from_conf(
                aws_sdk_scheduler::config::Builder::from(aws)
                    .interceptor(interceptor.clone())
                    .build(),
            ),
            sqs: aws_sdk_sqs::Client::from_conf(
                aws_sdk_sqs::config::Builder::from(aws)
                    .interceptor(interceptor.clone())
                    .build(),
            ),
            sns: aws_sdk_sns::Client::from_conf(
                aws_sdk_sns::config::Builder::from(aws)
                    .interceptor(interceptor.clone())
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(ssm_config(aws).interceptor(interceptor).build()),
        }
    }
}

/// Builds the app from `env` with the given clock (the system clock in AWS).
pub async fn build(env: &Env, needs: Needs, clock: Arc<dyn Clock>) -> Result<App, WiringError> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    build_with(env, needs, clock, &AwsClients::new(&aws)).await
}

pub async fn build_with(env: &Env, needs: Needs, clock: Arc<dyn Clock>, aws: &AwsClients) -> Result<App, WiringError> {
    let ssm = &aws.ssm;
    // One call for every secret this function needs.
    let mut names = vec![
        env.required("LINE_CHANNEL_ACCESS_TOKEN_PARAM")?,
        env.required("LOG_KEY_PARAM")?,
    ];
    if needs.channel_secret {
        names.push(env.required("LINE_CHANNEL_SECRET_PARAM")?);
    }
    if needs.staff_room_code {
        names.push(env.required("STAFF_ROOM_CODE_PARAM")?);
    }
    let mut secrets = read_secrets(ssm, &names).await?.into_iter();
    let mut next = |needed: bool| needed.then(|| secrets.next()).flatten();
    let not_returned = |i: usize| SecretError {
        name: names[i].to_owned(),
        message: "not returned".into(),
    };
    let access_token = next(true).ok_or_else(|| not_returned(0))?;
    let log_key = next(true).ok_or_else(|| not_returned(1))?;
    let channel_secret = next(needs.channel_secret);
    let staff_room_code = next(needs.staff_room_code);
    let store = Arc::new(DynamoStore::new(aws.dynamodb.clone(), env.required("TABLE_NAME")?));
    let line = LineClient::new(LineConfig {
        timeout: env.line_timeout()?,
        backoff: env.line_backoff()?,
        ..LineConfig::new(env.line_api_base(), access_token.expose())
    })?;
    let scheduler: Arc<dyn Scheduler> = match needs.scheduler {
        true => Arc::new(EventBridgeScheduler::new(
            aws.scheduler.clone(),
            SchedulerConfig::from_env(env)?,
        )),
        false => Arc::new(Unconfigured),
    };
    let queue: Arc<dyn Queue> = match needs.queue {
        true => Arc::new(crate::adapters::queue::SqsQueue::new(
            aws.sqs.clone(),
            env.required("ESCALATION_QUEUE_URL")?,
        )),
        false => Arc::new(Unconfigured),
    };
    let pager: Arc<dyn Pager> = match needs.pager {
        true => Arc::new(crate::adapters::sns::SnsPager::new(
            aws.sns.clone(),
            env.required("STAFF_PAGER_TOPIC_ARN")?,
        )),
        false => Arc::new(Unconfigured),
    };
    let operator = Arc::new(operator_from_env(env, needs)?);
    let secrets = Secrets {
        channel_secret,
        staff_room_code,
        pseudonyms: crate::pseudonym::Pseudonyms::new(&log_key),
    };
    let line: Arc<dyn Line> = Arc::new(line);
    Ok(App {
        operators: Arc::from([Served {
            operator: operator.clone(),
            secrets: secrets.clone(),
            line: line.clone(),
        }]),
        operator,
        secrets,
        line,
        events: store.clone(),
        members: store.clone(),
        checks: store.clone(),
        contacts: store.clone(),
        cases: store.clone(),
        staff: store.clone(),
        facts: store.clone(),
        erasure: store,
        scheduler,
        queue,
        pager,
        clock,
    })
}

/// The operator `OPERATOR_ID` with the settings the environment gives.
fn operator_from_env(env: &Env, needs: Needs) -> Result<Operator, WiringError> {
    Ok(Operator {
        id: env.operator()?,
        zone: jiff::tz::TimeZone::get(crate::schedule::DEFAULT_ZONE).map_err(|e| ConfigError::Invalid {
            name: "the operator's time zone",
            reason: e.to_string(),
        })?,
        staff_lang: Lang::Ja,
        timing: env.check_timing()?,
        case_follow_up: env.case_follow_up_policy()?,
        checkin_window: env.checkin_window()?,
        check_window: env.check_window()?,
        privacy_url: match needs.channel_secret {
            true => env.privacy_url()?,
            false => String::new(),
        },
        erasure_grace: env.erasure_grace()?,
        default_schedule: CheckSchedule::daily_at(env.default_check_hour()?).map_err(|e| ConfigError::Invalid {
            name: "DEFAULT_CHECK_HOUR",
            reason: e.to_string(),
        })?,
    })
}

/// The system clock, for functions in AWS.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Stands in for a port a function does not use; using it is a wiring bug, reported as
/// an error rather than a panic.
struct Unconfigured;

#[async_trait]
impl Scheduler for Unconfigured {
    async fn put_check_schedule(&self, _: &OperatorId, _: &Watched, _: &CheckSchedule) -> Result<(), SchedulerError> {
        Err(SchedulerError {
            operation: "CreateSchedule",
            message: "this function has no scheduler configured".into(),
        })
    }
    async fn delete_check_schedule(&self, _: &OperatorId, _: &Watched) -> Result<(), SchedulerError> {
        Err(SchedulerError {
            operation: "DeleteSchedule",
            message: "this function has no scheduler configured".into(),
        })
    }
    async fn delete_deadline(&self, _: &OperatorId, _: &Watched, _: &Deadline) -> Result<(), SchedulerError> {
        Err(SchedulerError {
            operation: "DeleteSchedule",
            message: "this function has no scheduler configured".into(),
        })
    }
    async fn set_deadline(&self, _: &OperatorId, _: &Watched, _: &Deadline) -> Result<(), SchedulerError> {
        Err(SchedulerError {
            operation: "CreateSchedule",
            message: "this function has no scheduler configured".into(),
        })
    }
}

#[async_trait]
impl Queue for Unconfigured {
    async fn send(&self, _: &EscalationMessage) -> Result<(), QueueError> {
        Err(QueueError("this function has no escalation queue configured".into()))
    }
    async fn retry_after(&self, _: &str, _: std::time::Duration) -> Result<(), QueueError> {
        Err(QueueError("this function has no escalation queue configured".into()))
    }
}

#[async_trait]
impl Pager for Unconfigured {
    async fn page(&self, _: &str, _: &str) -> Result<(), PagerError> {
        Err(PagerError("this function has no staff pager configured".into()))
    }
}
