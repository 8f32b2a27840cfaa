//! The one real implementation of each port: DynamoDB, LINE, EventBridge Scheduler,
//! SQS, SSM Parameter Store for secrets, and SNS for paging staff outside LINE.

pub mod dynamodb;
pub mod line;
pub mod queue;
pub mod scheduler;
pub mod sns;
pub mod ssm;
