//! Identities: who an operator, a LINE user and a LINE group are, validated at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("operator id must be 1-20 characters of a-z, 0-9 and '-'")]
    Operator,
    #[error("LINE user id must be 'U' followed by 32 hex digits")]
    User,
    #[error("LINE chat id must be 'C' (group chat) or 'R' (room) followed by 32 hex digits")]
    Chat,
    #[error("a check watches either a member or a group: give exactly one of \"member\" and \"group\"")]
    Watched,
}

fn is_line_id(s: &str, prefixes: &[char]) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if prefixes.contains(&c)) && s.len() == 33 && chars.all(|c| c.is_ascii_hexdigit())
}

/// The organisation (運営団体) whose members, staff and data a record belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct OperatorId(String);

impl OperatorId {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= 20
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok { Ok(Self(s)) } else { Err(IdError::Operator) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id erased people are replaced by in other people's records.
pub const ERASED_USER: &str = "U00000000000000000000000000000000";

/// A LINE user, as LINE identifies them to this channel.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        if is_line_id(&s, &['U']) {
            Ok(Self(s))
        } else {
            Err(IdError::User)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// What a record that named someone who was erased names instead: no LINE user has
    /// it (LINE's ids are random), so nothing is ever sent to it.
    pub fn erased() -> Self {
        Self(ERASED_USER.to_owned())
    }
    pub fn is_erased(&self) -> bool {
        self.0 == ERASED_USER
    }
    /// A short, non-identifying handle staff can read aloud (the last four hex digits).
    pub fn short(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

/// A LINE chat of several people: a group chat (`C…`) or a room (`R…`), such as the
/// staff room. ("Group" is kept for the つながり group the service watches over.)
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChatId(String);

impl ChatId {
    pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
        let s = s.into();
        if is_line_id(&s, &['C', 'R']) {
            Ok(Self(s))
        } else {
            Err(IdError::Chat)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// A multi-person chat (`R…`, a "room") rather than a group (`C…`).
    pub fn is_room(&self) -> bool {
        self.0.starts_with('R')
    }
}

macro_rules! string_id {
    ($($t:ident),*) => {$(
        impl TryFrom<String> for $t {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> { Self::new(s) }
        }
        impl From<$t> for String {
            fn from(id: $t) -> String { id.0 }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
    )*};
}
string_id!(OperatorId, UserId, ChatId);

/// Whom a check watches over: a member, or (the つながり service) a LINE group whose
/// people confirm for each other. Schedules, deadlines and their payloads name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Watched {
    Member(UserId),
    Group(ChatId),
}

impl Watched {
    /// From a payload's `member` and `group` fields, exactly one of which is given.
    pub fn from_fields(member: Option<UserId>, group: Option<ChatId>) -> Result<Self, IdError> {
        match (member, group) {
            (Some(user), None) => Ok(Self::Member(user)),
            (None, Some(chat)) => Ok(Self::Group(chat)),
            _ => Err(IdError::Watched),
        }
    }

    /// The payload's `member` and `group` fields.
    pub fn into_fields(self) -> (Option<UserId>, Option<ChatId>) {
        match self {
            Self::Member(user) => (Some(user), None),
            Self::Group(chat) => (None, Some(chat)),
        }
    }

    /// The LINE id of the member or the group.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Member(user) => user.as_str(),
            Self::Group(chat) => chat.as_str(),
        }
    }

    /// The payload field that names it: `member` or `group`.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Member(_) => "member",
            Self::Group(_) => "group",
        }
    }
}

impl From<&UserId> for Watched {
    fn from(user: &UserId) -> Self {
        Self::Member(user.clone())
    }
}

impl fmt::Display for Watched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's identity: the time it was scheduled for (one check per member and time).
/// Its key, the epoch second, is how records, buttons and push keys name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckId(pub jiff::Timestamp);

impl CheckId {
    pub fn at(self) -> jiff::Timestamp {
        self.0
    }
    pub fn key(self) -> String {
        self.0.as_second().to_string()
    }
    /// The check a key names; only keys as `key` writes them (no sign, no leading zero).
    pub fn parse(key: &str) -> Option<Self> {
        let second = key.parse::<i64>().ok()?;
        let id = Self(jiff::Timestamp::from_second(second).ok()?);
        (id.key() == key).then_some(id)
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_watches_exactly_one_member_or_group() {
        let user = UserId::new(format!("U{}", "a".repeat(32))).unwrap();
        let chat = ChatId::new(format!("C{}", "b".repeat(32))).unwrap();
        let member = Watched::from_fields(Some(user.clone()), None).unwrap();
        assert_eq!(member, Watched::Member(user.clone()));
        assert_eq!(member.clone().into_fields(), (Some(user.clone()), None));
        assert_eq!((member.field(), member.as_str()), ("member", user.as_str()));
        let group = Watched::from_fields(None, Some(chat.clone())).unwrap();
        assert_eq!((group.field(), group.to_string()), ("group", chat.to_string()));
        assert_eq!(Watched::from_fields(None, None), Err(IdError::Watched));
        assert_eq!(Watched::from_fields(Some(user), Some(chat)), Err(IdError::Watched));
    }

    #[test]
    fn line_ids_are_validated() {
        assert!(UserId::new(format!("U{}", "a".repeat(32))).is_ok());
        assert_eq!(UserId::new("U123"), Err(IdError::User));
        assert_eq!(UserId::new(format!("C{}", "a".repeat(32))), Err(IdError::User));
        assert!(ChatId::new(format!("C{}", "0".repeat(32))).is_ok());
        assert!(ChatId::new(format!("R{}", "0".repeat(32))).is_ok());
        assert_eq!(OperatorId::new("Bad_Op"), Err(IdError::Operator));
        assert!(OperatorId::new("npo-tokyo").is_ok());
    }

    #[test]
    fn a_check_id_reads_back_only_from_its_own_key() {
        let id = CheckId(jiff::Timestamp::from_second(1_764_028_800).unwrap());
        assert_eq!(CheckId::parse(&id.key()), Some(id));
        for bad in ["", "x", "+1764028800", "01764028800", "99999999999999999999"] {
            assert_eq!(CheckId::parse(bad), None, "{bad}");
        }
    }
}
