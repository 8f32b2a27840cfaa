//! The one real implementation of each port: DynamoDB, LINE, EventBridge Scheduler,
//! SQS, and SSM Parameter Store for secrets.

pub mod dynamodb;
pub mod line;
pub mod queue;
pub mod scheduler;
pub mod ssm;
