//! Creates one isolated set of the service's resources on the emulator: the table and
//! queues as `template.yaml` defines them, the schedule group and the SSM secrets, all
//! under a unique prefix so tests never share state.

use crate::template::TemplateSpec;
use crate::{LocalError, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_ssm::types::ParameterType;
use std::collections::HashMap;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "ap-northeast-1";

/// The secrets the local stack puts in SSM (and the LINE simulator uses).
pub struct LocalSecrets {
    pub channel_secret: String,
    pub access_token: String,
    pub staff_room_code: String,
    /// The key of the logs' pseudonyms.
    pub log_key: String,
}

impl Default for LocalSecrets {
    fn default() -> Self {
        Self {
            channel_secret: "local-channel-secret".into(),
            access_token: "local-access-token".into(),
            staff_room_code: "local-staff-code".into(),
            log_key: "local-log-key-0123456789abcdef0123456789abcdef".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Resources {
    pub prefix: String,
    pub table: String,
    pub queue_urls: HashMap<String, String>,
    pub queue_arns: HashMap<String, String>,
    pub schedule_group: String,
    pub check_function_arn: String,
    pub deadline_function_arn: String,
    pub scheduler_role_arn: String,
    pub params: HashMap<&'static str, String>,
    /// The staff pager's topic (SNS), and the queue subscribed to it that stands in for
    /// the staff's e-mail inbox.
    pub pager_topic_arn: String,
    pub staff_inbox_url: String,
}

fn err(what: &'static str) -> impl Fn(String) -> LocalError {
    move |e| LocalError(format!("creating {what}: {e}"))
}

impl Resources {
    pub async fn create(
        aws: &aws_config::SdkConfig,
        spec: &TemplateSpec,
        prefix: &str,
        secrets: &LocalSecrets,
        watchdog: bool,
    ) -> Result<Self> {
        let ddb = aws_sdk_dynamodb::Client::new(aws);
        let mut create = ddb
            .create_table()
            .table_name(prefix)
            .billing_mode(BillingMode::PayPerRequest);
        for (name, kind) in &spec.table.attributes {
            let def = AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::from(kind.as_str()))
                .build()
                .map_err(|e| err("table")(e.to_string()))?;
            create = create.attribute_definitions(def);
        }
        for (name, kind) in &spec.table.key_schema {
            let key = KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(KeyType::from(kind.as_str()))
                .build()
                .map_err(|e| err("table")(e.to_string()))?;
            create = create.key_schema(key);
        }
        create
            .send()
            .await
            .map_err(|e| err("table")(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()))?;
        if let Some(ttl) = &spec.table.ttl_attribute {
            let ttl = TimeToLiveSpecification::builder()
                .attribute_name(ttl)
                .enabled(true)
                .build()
                .map_err(|e| err("ttl")(e.to_string()))?;
            ddb.update_time_to_live()
                .table_name(prefix)
                .time_to_live_specification(ttl)
                .send()
                .await
                .map_err(|e| err("ttl")(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()))?;
        }

        // Dead-letter queues first, so the queues that point at them can.
        let sqs = aws_sdk_sqs::Client::new(aws);
        let mut queue_urls = HashMap::new();
        let mut queue_arns = HashMap::new();
        let mut ordered = spec.queues.clone();
        ordered.sort_by_key(|q| q.dead_letter.is_some());
        for q in &ordered {
            let name = format!("{prefix}-{}", q.logical_id);
            let mut req = sqs.create_queue().queue_name(&name);
            if let Some(v) = q.visibility_timeout {
                req = req.attributes(QueueAttributeName::VisibilityTimeout, v.to_string());
            }
            if let Some(v) = q.retention_seconds {
                req = req.attributes(QueueAttributeName::MessageRetentionPeriod, v.to_string());
            }
            if let Some((dlq, max)) = &q.dead_letter {
                let arn = queue_arns.get(dlq).ok_or_else(|| {
                    LocalError(format!("queue {} names unknown dead-letter queue {dlq}", q.logical_id))
                })?;
                let policy = serde_json::json!({ "deadLetterTargetArn": arn, "maxReceiveCount": max }).to_string();
                req = req.attributes(QueueAttributeName::RedrivePolicy, policy);
            }
            let url = req
                .send()
                .await
                .map_err(|e| err("queue")(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?
                .queue_url
                .ok_or_else(|| LocalError::new("queue without url"))?;
            queue_arns.insert(q.logical_id.clone(), format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"));
            queue_urls.insert(q.logical_id.clone(), url);
        }

        let (pager_topic_arn, staff_inbox_url) = create_pager(aws, &sqs, prefix).await?;

        let scheduler = aws_sdk_scheduler::Client::new(aws);
        scheduler
            .create_schedule_group()
            .name(prefix)
            .send()
            .await
            .map_err(|e| err("schedule group")(aws_sdk_scheduler::error::DisplayErrorContext(&e).to_string()))?;

        let ssm = aws_sdk_ssm::Client::new(aws);
        let mut params = HashMap::new();
        for (var, name, value) in [
            (
                "LINE_CHANNEL_SECRET_PARAM",
                "line/channel-secret",
                &secrets.channel_secret,
            ),
            (
                "LINE_CHANNEL_ACCESS_TOKEN_PARAM",
                "line/channel-access-token",
                &secrets.access_token,
            ),
            ("STAFF_ROOM_CODE_PARAM", "staff-room-code", &secrets.staff_room_code),
            ("LOG_KEY_PARAM", "log-key", &secrets.log_key),
        ] {
            let full = format!("/{prefix}/{name}");
            ssm.put_parameter()
                .name(&full)
                .value(value)
                .r#type(ParameterType::SecureString)
                .overwrite(true)
                .send()
                .await
                .map_err(|e| err("ssm parameter")(aws_sdk_ssm::error::DisplayErrorContext(&e).to_string()))?;
            params.insert(var, full);
        }

        let function = |name: &str| format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{prefix}-{name}");
        // The template's own schedules (the hourly watchdog), when asked for.
        for sched in spec.schedules.iter().filter(|_| watchdog) {
            let arn = match sched.target.as_str() {
                "CheckFunction" => function("check"),
                "DeadlineFunction" => function("deadline"),
                other => return Err(err("schedule")(format!("unknown target {other}"))),
            };
            let target = aws_sdk_scheduler::types::Target::builder()
                .arn(arn)
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{prefix}-scheduler"))
                .input(&sched.input)
                .build()
                .map_err(|e| err("schedule")(e.to_string()))?;
            let window = aws_sdk_scheduler::types::FlexibleTimeWindow::builder()
                .mode(aws_sdk_scheduler::types::FlexibleTimeWindowMode::Off)
                .build()
                .map_err(|e| err("schedule")(e.to_string()))?;
            scheduler
                .create_schedule()
                .name(format!("{prefix}-{}", sched.logical_id))
                .group_name(prefix)
                .schedule_expression(&sched.expression)
                .schedule_expression_timezone(&sched.zone)
                .flexible_time_window(window)
                .target(target)
                .send()
                .await
                .map_err(|e| err("schedule")(aws_sdk_scheduler::error::DisplayErrorContext(&e).to_string()))?;
        }
        Ok(Self {
            prefix: prefix.to_owned(),
            table: prefix.to_owned(),
            queue_urls,
            queue_arns,
            schedule_group: prefix.to_owned(),
            check_function_arn: function("check"),
            deadline_function_arn: function("deadline"),
            scheduler_role_arn: format!("arn:aws:iam::{ACCOUNT}:role/{prefix}-scheduler"),
            params,
            pager_topic_arn,
            staff_inbox_url,
        })
    }

    pub fn queue_url(&self, logical_id: &str) -> Result<&str> {
        self.queue_urls
            .get(logical_id)
            .map(String::as_str)
            .ok_or_else(|| LocalError(format!("template has no queue {logical_id}")))
    }

    /// The environment the functions get in AWS from the template, pointed at the emulators.
    pub fn env(&self, operator: &str, aws_endpoint: &str, line_base: &str) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = [
            ("TABLE_NAME", self.table.clone()),
            ("OPERATOR_ID", operator.to_owned()),
            ("SCHEDULE_GROUP", self.schedule_group.clone()),
            ("SCHEDULER_ROLE_ARN", self.scheduler_role_arn.clone()),
            ("CHECK_FUNCTION_ARN", self.check_function_arn.clone()),
            ("DEADLINE_FUNCTION_ARN", self.deadline_function_arn.clone()),
            (
                "SCHEDULER_DLQ_ARN",
                self.queue_arns
                    .get("SchedulerDeadLetterQueue")
                    .cloned()
                    .unwrap_or_default(),
            ),
            (
                "ESCALATION_QUEUE_URL",
                self.queue_urls.get("EscalationQueue").cloned().unwrap_or_default(),
            ),
            ("STAFF_PAGER_TOPIC_ARN", self.pager_topic_arn.clone()),
            ("LINE_API_BASE", line_base.to_owned()),
            ("PRIVACY_POLICY_URL", "https://example.org/mimamori/privacy".to_owned()),
            ("AWS_ENDPOINT_URL", aws_endpoint.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        vars.extend(self.params.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        vars
    }
}

/// The template's `StaffPagerTopic`, with a queue subscribed to it in place of the staff's
/// e-mail or SMS: SNS delivers each page to it as AWS would to a subscriber.
async fn create_pager(
    aws: &aws_config::SdkConfig,
    sqs: &aws_sdk_sqs::Client,
    prefix: &str,
) -> Result<(String, String)> {
    let sns = aws_sdk_sns::Client::new(aws);
    let topic_arn = sns
        .create_topic()
        .name(format!("{prefix}-StaffPagerTopic"))
        .send()
        .await
        .map_err(|e| err("pager topic")(aws_sdk_sns::error::DisplayErrorContext(&e).to_string()))?
        .topic_arn
        .ok_or_else(|| LocalError::new("pager topic without arn"))?;
    let inbox = format!("{prefix}-staff-inbox");
    let inbox_url = sqs
        .create_queue()
        .queue_name(&inbox)
        .send()
        .await
        .map_err(|e| err("staff inbox")(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?
        .queue_url
        .ok_or_else(|| LocalError::new("staff inbox without url"))?;
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{inbox}"))
        .send()
        .await
        .map_err(|e| err("pager subscription")(aws_sdk_sns::error::DisplayErrorContext(&e).to_string()))?;
    Ok((topic_arn, inbox_url))
}
