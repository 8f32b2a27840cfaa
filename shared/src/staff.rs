//! The staff room (the operator's LINE chat where staff receive alerts) and the people in it.

use crate::ids::{ChatId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The operator's staff room: the LINE chat where staff receive alerts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRoom {
    pub chat_id: ChatId,
    pub registered_at: Timestamp,
}

/// A person in the staff room (registered by joining it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub user_id: UserId,
    pub display_name: String,
    pub since: Timestamp,
}
