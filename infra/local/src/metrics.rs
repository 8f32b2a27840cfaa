//! Counting what the functions ask of AWS, through an interceptor on the real clients.

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Every AWS request sent, as "Service.Operation", in order (an SDK retry counts again).
#[derive(Clone, Debug, Default)]
pub struct AwsCalls(Arc<Mutex<Vec<String>>>);

impl AwsCalls {
    pub fn all(&self) -> Vec<String> {
        self.0.lock().expect("calls lock").clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().expect("calls lock").len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The calls made since `mark` (a previous `len()`), counted by operation.
    pub fn since(&self, mark: usize) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for call in self.all().into_iter().skip(mark) {
            *counts.entry(call).or_insert(0) += 1;
        }
        counts
    }
}

impl Intercept for AwsCalls {
    fn name(&self) -> &'static str {
        "AwsCalls"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        // JSON protocols name the operation in X-Amz-Target ("DynamoDB_20120810.GetItem");
        // Scheduler's REST protocol names it by method and path.
        let call = match request.headers().get("x-amz-target") {
            Some(target) => {
                let (service, op) = target.split_once('.').unwrap_or(("aws", target));
                let service = service
                    .split('_')
                    .next()
                    .unwrap_or(service)
                    .trim_start_matches("Amazon");
                format!("{service}.{op}")
            }
            None => {
                let path = request.uri().split('?').next().unwrap_or_default();
                let op = match (request.method(), path.contains("/schedules/")) {
                    ("POST", true) => "CreateSchedule",
                    ("PUT", true) => "UpdateSchedule",
                    ("DELETE", true) => "DeleteSchedule",
                    ("GET", true) => "GetSchedule",
                    ("GET", false) => "ListSchedules",
                    _ => "Other",
                };
                format!("Scheduler.{op}")
            }
        };
        self.0.lock().expect("calls lock").push(call);
        Ok(())
    }
}
