//! Secrets from SSM Parameter Store (SecureString), read once per cold start, all in one
//! `GetParameters` call: at 09:00 hundreds of functions start at once against the
//! account's 40 requests a second, shared by every `GetParameter*` call.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::DisplayErrorContext;

#[derive(Debug, thiserror::Error)]
#[error("SSM parameter {name} could not be read: {message}")]
pub struct SecretError {
    pub name: String,
    pub message: String,
}

pub use crate::secret::Secret;

/// The parameters named, in order, in one call (at most 10 names, SSM's limit).
pub async fn read_secrets(client: &Client, names: &[&str]) -> Result<Vec<Secret>, SecretError> {
    let all = names.join(", ");
    let out = client
        .get_parameters()
        .set_names(Some(names.iter().map(|n| (*n).to_owned()).collect()))
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| SecretError {
            name: all.clone(),
            message: DisplayErrorContext(&e).to_string(),
        })?;
    if let Some(missing) = out.invalid_parameters.filter(|m| !m.is_empty()) {
        return Err(SecretError {
            name: missing.join(", "),
            message: "no such parameter".into(),
        });
    }
    let found = out.parameters.unwrap_or_default();
    names
        .iter()
        .map(|name| {
            found
                .iter()
                .find(|p| p.name.as_deref() == Some(*name))
                .and_then(|p| p.value.clone())
                .filter(|v| !v.is_empty())
                .map(Secret::new)
                .ok_or_else(|| SecretError {
                    name: (*name).to_owned(),
                    message: "empty".into(),
                })
        })
        .collect()
}

pub async fn read_secret(client: &Client, name: &str) -> Result<Secret, SecretError> {
    let mut read = read_secrets(client, &[name]).await?;
    read.pop().ok_or_else(|| SecretError {
        name: name.to_owned(),
        message: "empty".into(),
    })
}
