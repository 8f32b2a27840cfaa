//! Secrets from SSM Parameter Store (SecureString), read once per cold start.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::DisplayErrorContext;

#[derive(Debug, thiserror::Error)]
#[error("SSM parameter {name} could not be read: {message}")]
pub struct SecretError {
    pub name: String,
    pub message: String,
}

/// A secret value; its Debug output never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

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
        .map(Secret)
        .ok_or_else(|| SecretError {
            name: name.to_owned(),
            message: "empty".into(),
        })
}
