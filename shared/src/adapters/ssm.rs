//! Secrets from SSM Parameter Store (SecureString), read once per cold start.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::DisplayErrorContext;

#[derive(Debug, thiserror::Error)]
#[error("SSM parameter {name} could not be read: {message}")]
pub struct SecretError {
    pub name: String,
    pub message: String,
}

pub use crate::secret::Secret;

pub async fn read_secret(client: &Client, name: &str) -> Result<Secret, SecretError> {
    let out = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| SecretError {
            name: name.to_owned(),
            message: DisplayErrorContext(&e).to_string(),
        })?;
    out.parameter
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty())
        .map(Secret::new)
        .ok_or_else(|| SecretError {
            name: name.to_owned(),
            message: "empty".into(),
        })
}
