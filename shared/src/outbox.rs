//! Pushes as recorded intents: each carries the key that makes it happen at most once.
//!
//! A push is written to the outbox together with the state change that caused it,
//! performed with an `X-Line-Retry-Key` derived from its key, then marked sent. A retry
//! that finds it still pending pushes again with the same key, which LINE answers 409.

use crate::ids::{OperatorId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Namespace for retry keys (a fixed random UUID; changing it would re-send pending pushes).
const RETRY_KEY_NAMESPACE: Uuid = Uuid::from_u128(0x6d69_6d61_6d6f_7269_8a3c_51e2_07b4_c9d1);

/// What a push is for; part of its key and of the reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushKind {
    Check,
    Reminder,
    /// A scheduled check that fell due while an earlier one was still open.
    Repeat,
    Alert,
    AllClear,
    Notice,
    /// An untaken case announced again, or taken to the next escalation level.
    FollowUp,
}

impl PushKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Check => "check",
            Self::Reminder => "reminder",
            Self::Repeat => "repeat",
            Self::Alert => "alert",
            Self::AllClear => "all_clear",
            Self::Notice => "notice",
            Self::FollowUp => "follow_up",
        }
    }
}

/// One push to one chat, with the key that identifies it across retries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Push {
    /// Unique within the member: `<check>#<kind>#<recipient>`.
    pub key: String,
    pub kind: PushKind,
    /// A user or group id.
    pub to: String,
    pub messages: Vec<Value>,
}

impl Push {
    /// A push of an untaken case's follow-up number `step`.
    pub fn follow_up(check_key: &str, step: u32, to: &str, messages: Vec<Value>) -> Self {
        Self {
            key: format!("{check_key}#follow_up{step}#{to}"),
            kind: PushKind::FollowUp,
            to: to.to_owned(),
            messages,
        }
    }

    pub fn new(check_key: &str, kind: PushKind, to: &str, messages: Vec<Value>) -> Self {
        Self {
            key: format!("{check_key}#{}#{to}", kind.as_str()),
            kind,
            to: to.to_owned(),
            messages,
        }
    }

    /// The `X-Line-Retry-Key`: the same for every attempt of this push, different for
    /// every other push.
    pub fn retry_key(&self, operator: &OperatorId, member: &UserId) -> Uuid {
        Uuid::new_v5(
            &RETRY_KEY_NAMESPACE,
            format!("{operator}/{member}/{}", self.key).as_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_key_is_stable_per_push_and_distinct_across_pushes() {
        let op = OperatorId::new("op").unwrap();
        let m = UserId::new(format!("U{}", "1".repeat(32))).unwrap();
        let a = Push::new("1", PushKind::Check, m.as_str(), vec![]);
        let b = Push::new("1", PushKind::Reminder, m.as_str(), vec![]);
        assert_eq!(a.retry_key(&op, &m), a.clone().retry_key(&op, &m));
        assert_ne!(a.retry_key(&op, &m), b.retry_key(&op, &m));
        assert_eq!(a.retry_key(&op, &m).get_version_num(), 5);
    }
}
