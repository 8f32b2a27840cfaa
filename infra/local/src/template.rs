//! Reads the resource definitions the local stack needs out of `template.yaml`, so the
//! local table and queues are the template's own and cannot drift from it.

use crate::{LocalError, Result};
use serde_norway::Value;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// (attribute, HASH|RANGE)
    pub key_schema: Vec<(String, String)>,
    /// (attribute, S|N|B)
    pub attributes: Vec<(String, String)>,
    pub ttl_attribute: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueSpec {
    pub logical_id: String,
    pub visibility_timeout: Option<i64>,
    pub retention_seconds: Option<i64>,
    /// (logical id of the dead-letter queue, maxReceiveCount)
    pub dead_letter: Option<(String, i64)>,
}

/// A schedule the template itself declares (the watchdog).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleSpec {
    pub logical_id: String,
    pub expression: String,
    pub zone: String,
    pub input: String,
    /// Logical id of the function it invokes.
    pub target: String,
}

/// How Lambda handles a function's asynchronous invocations (its `EventInvokeConfig`;
/// AWS's defaults where the template says nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsyncInvokeSpec {
    /// Retries after the first attempt (0–2; Lambda's default is 2).
    pub retries: u32,
    /// How long Lambda keeps an event for retries (60–21600 s; default 6 hours).
    pub max_event_age_secs: i64,
    /// Logical id of the queue failed events go to; none: they are dropped.
    pub on_failure: Option<String>,
}

impl Default for AsyncInvokeSpec {
    fn default() -> Self {
        Self {
            retries: 2,
            max_event_age_secs: 21_600,
            on_failure: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct TemplateSpec {
    pub table: TableSpec,
    pub queues: Vec<QueueSpec>,
    pub schedules: Vec<ScheduleSpec>,
    /// Each function's asynchronous-invoke handling, by logical id.
    pub async_invoke: Vec<(String, AsyncInvokeSpec)>,
}

impl TemplateSpec {
    /// The asynchronous-invoke handling of the function `logical_id`.
    pub fn async_invoke(&self, logical_id: &str) -> AsyncInvokeSpec {
        self.async_invoke
            .iter()
            .find(|(id, _)| id == logical_id)
            .map(|(_, spec)| spec.clone())
            .unwrap_or_default()
    }
}

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn i(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The logical id a `!GetAtt X.Arn` / `Fn::GetAtt: [X, Arn]` / `!Ref X` points at.
fn referenced(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => s(&t.value).map(|r| r.split('.').next().unwrap_or_default().to_owned()),
        Value::Mapping(m) => m
            .get("Fn::GetAtt")
            .and_then(|g| g.as_sequence().and_then(|q| q.first()).and_then(s))
            .or_else(|| m.get("Ref").and_then(s)),
        _ => None,
    }
}

pub fn load(path: &Path) -> Result<TemplateSpec> {
    let text = std::fs::read_to_string(path).map_err(|e| LocalError(format!("reading {}: {e}", path.display())))?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<TemplateSpec> {
    let doc: Value = serde_norway::from_str(text).map_err(|e| LocalError(format!("template.yaml: {e}")))?;
    let resources = doc
        .get("Resources")
        .and_then(Value::as_mapping)
        .ok_or_else(|| LocalError::new("template has no Resources"))?;
    let mut table = None;
    let mut queues = Vec::new();
    let mut schedules = Vec::new();
    let mut async_invoke = Vec::new();
    for (id, resource) in resources {
        let id = s(id).unwrap_or_default();
        let props = resource.get("Properties").cloned().unwrap_or(Value::Null);
        match resource.get("Type").and_then(Value::as_str) {
            Some("AWS::DynamoDB::Table") => {
                let pairs = |list: &str, a: &str, b: &str| -> Vec<(String, String)> {
                    props
                        .get(list)
                        .and_then(Value::as_sequence)
                        .map(|seq| {
                            seq.iter()
                                .filter_map(|e| Some((s(e.get(a)?)?, s(e.get(b)?)?)))
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let ttl = props
                    .get("TimeToLiveSpecification")
                    .filter(|t| t.get("Enabled").and_then(Value::as_bool) == Some(true));
                table = Some(TableSpec {
                    key_schema: pairs("KeySchema", "AttributeName", "KeyType"),
                    attributes: pairs("AttributeDefinitions", "AttributeName", "AttributeType"),
                    ttl_attribute: ttl.and_then(|t| t.get("AttributeName")).and_then(s),
                });
            }
            Some("AWS::SQS::Queue") => {
                let redrive = props.get("RedrivePolicy");
                queues.push(QueueSpec {
                    logical_id: id,
                    visibility_timeout: props.get("VisibilityTimeout").and_then(i),
                    retention_seconds: props.get("MessageRetentionPeriod").and_then(i),
                    dead_letter: redrive.and_then(|r| {
                        Some((
                            referenced(r.get("deadLetterTargetArn")?)?,
                            i(r.get("maxReceiveCount")?)?,
                        ))
                    }),
                });
            }
            Some("AWS::Serverless::Function" | "AWS::Lambda::Function") => {
                let config = props.get("EventInvokeConfig");
                let default = AsyncInvokeSpec::default();
                async_invoke.push((
                    id,
                    AsyncInvokeSpec {
                        retries: config
                            .and_then(|c| c.get("MaximumRetryAttempts"))
                            .and_then(i)
                            .map_or(default.retries, |n| n.clamp(0, 2) as u32),
                        max_event_age_secs: config
                            .and_then(|c| c.get("MaximumEventAgeInSeconds"))
                            .and_then(i)
                            .unwrap_or(default.max_event_age_secs),
                        on_failure: config
                            .and_then(|c| c.get("DestinationConfig"))
                            .and_then(|d| d.get("OnFailure"))
                            .and_then(|f| f.get("Destination"))
                            .and_then(referenced),
                    },
                ));
            }
            Some("AWS::Scheduler::Schedule") => {
                let target = props.get("Target");
                schedules.push(ScheduleSpec {
                    logical_id: id,
                    expression: props.get("ScheduleExpression").and_then(s).unwrap_or_default(),
                    zone: props
                        .get("ScheduleExpressionTimezone")
                        .and_then(s)
                        .unwrap_or_else(|| "UTC".into()),
                    input: target.and_then(|t| t.get("Input")).and_then(s).unwrap_or_default(),
                    target: target
                        .and_then(|t| t.get("Arn"))
                        .and_then(referenced)
                        .unwrap_or_default(),
                });
            }
            _ => {}
        }
    }
    let table = table.ok_or_else(|| LocalError::new("template declares no DynamoDB table"))?;
    if table.key_schema.is_empty() {
        return Err(LocalError::new("the table in template.yaml has no KeySchema"));
    }
    Ok(TemplateSpec {
        table,
        queues,
        schedules,
        async_invoke,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_table_and_queues_with_tags() {
        let spec = parse(
            r#"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: sk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
      TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}
  Dlq:
    Type: AWS::SQS::Queue
  Q:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 360
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 5
"#,
        )
        .unwrap();
        assert_eq!(spec.table.key_schema[1], ("sk".into(), "RANGE".into()));
        assert_eq!(spec.table.ttl_attribute.as_deref(), Some("expires_at"));
        let q = spec.queues.iter().find(|q| q.logical_id == "Q").unwrap();
        assert_eq!(q.dead_letter, Some(("Dlq".into(), 5)));
        assert_eq!(q.visibility_timeout, Some(360));
    }

    #[test]
    fn the_projects_template_declares_what_the_local_stack_needs() {
        let spec = load(&crate::workspace_root().join("template.yaml")).unwrap();
        assert_eq!(spec.table.ttl_attribute.as_deref(), Some("expires_at"));
        let escalation = spec.queues.iter().find(|q| q.logical_id == "EscalationQueue").unwrap();
        assert_eq!(
            escalation.dead_letter.as_ref().map(|d| d.0.as_str()),
            Some("EscalationDeadLetterQueue")
        );
        assert!(spec.queues.iter().any(|q| q.logical_id == "SchedulerDeadLetterQueue"));
        let watchdog = spec
            .schedules
            .iter()
            .find(|s| s.logical_id == "WatchdogSchedule")
            .unwrap();
        assert_eq!(watchdog.target, "CheckFunction");
        assert!(
            watchdog
                .expression
                .parse::<mimamori::schedule::ScheduleExpression>()
                .is_ok()
        );
        assert!(watchdog.input.contains("<aws.scheduler.scheduled-time>"));
        // What Scheduler invokes is invoked asynchronously: failures are kept, not dropped.
        for function in ["CheckFunction", "DeadlineFunction"] {
            let invoke = spec.async_invoke(function);
            assert_eq!(invoke.retries, 2, "{function}");
            assert_eq!(invoke.on_failure.as_deref(), Some("InvokeFailureQueue"), "{function}");
            assert!(spec.queues.iter().any(|q| q.logical_id == "InvokeFailureQueue"));
        }
    }

    #[test]
    fn a_function_without_event_invoke_config_gets_lambdas_defaults() {
        let spec = parse(
            r#"
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Plain:
    Type: AWS::Serverless::Function
  Kept:
    Type: AWS::Serverless::Function
    Properties:
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        MaximumEventAgeInSeconds: 60
        DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}}
"#,
        )
        .unwrap();
        assert_eq!(spec.async_invoke("Plain"), AsyncInvokeSpec::default());
        assert_eq!(
            spec.async_invoke("Kept"),
            AsyncInvokeSpec {
                retries: 0,
                max_event_age_secs: 60,
                on_failure: Some("Failed".into())
            }
        );
    }
}
