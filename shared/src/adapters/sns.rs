//! The staff pager on SNS: one topic per deployment, which staff subscribe to by e-mail
//! or SMS (`StaffPagerEmail`, `StaffPagerPhone` in the template).

use crate::ports::{Pager, PagerError};
use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::error::DisplayErrorContext;

#[derive(Clone)]
pub struct SnsPager {
    client: Client,
    topic_arn: String,
}

impl SnsPager {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

#[async_trait]
impl Pager for SnsPager {
    async fn page(&self, subject: &str, body: &str) -> Result<(), PagerError> {
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject)
            .message(body)
            .send()
            .await
            .map_err(|e| PagerError(DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }
}
