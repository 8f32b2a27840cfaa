//! Counting what the functions ask of AWS, through an interceptor on the real clients.

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Every AWS operation called, as "Service.Operation", in order (retries not counted).
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

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let call = match cfg.load::<Metadata>() {
            Some(m) => format!("{}.{}", m.service(), m.name()),
            None => "unknown".to_owned(),
        };
        self.0.lock().expect("calls lock").push(call);
        Ok(())
    }
}
