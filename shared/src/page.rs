//! The second channel to staff: a page by e-mail or SMS (an SNS topic the operator's
//! staff subscribe to) for when LINE cannot reach the staff room — none registered, the
//! bot removed from it, the month's message quota used up, the access token refused, or
//! LINE refusing pushes to the room. Without it, the staff would learn of a member who
//! stopped answering only from the operator's alarm e-mail, which says that someone may
//! not have been alerted but not who.
//!
//! A page travels outside LINE, so it names a case by its number and a member by the
//! short handle staff already see in the room (the last four digits of the LINE id),
//! never by name. 「案件 #1042」 in the staff room answers the rest by reply, which
//! costs nothing against the quota.

use crate::ids::OperatorId;
use serde::{Deserialize, Serialize};

/// Why the staff room could not be told of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreached {
    /// No staff room is registered (never, or the bot was removed from it).
    NoStaffRoom,
    /// The channel's monthly message quota is used up: nothing is pushed until the plan
    /// is raised or the month ends.
    QuotaExhausted,
    /// LINE refuses the channel access token (reissued, expired or revoked).
    TokenRefused,
    /// LINE refused the push to the staff room for good (a 4xx).
    RoomRefused,
}

impl Unreached {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NoStaffRoom => "no_staff_room",
            Self::QuotaExhausted => "quota_exhausted",
            Self::TokenRefused => "token_refused",
            Self::RoomRefused => "room_refused",
        }
    }
}

/// What staff are paged about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffPage {
    /// A case whose alert or follow-up could not reach the staff room.
    Case {
        operator: OperatorId,
        case: u64,
        member_short: String,
        why: Unreached,
    },
    /// The bot was removed from the staff room: until one is registered again, cases
    /// reach the contacts only.
    StaffRoomLost { operator: OperatorId },
}

impl StaffPage {
    /// The subject of the e-mail: SNS takes ASCII only, under 100 characters, and it
    /// names no one.
    pub fn subject(&self) -> String {
        match self {
            Self::Case { operator, case, .. } => {
                format!("mimamori {operator}: case #{case} has not reached the staff room")
            }
            Self::StaffRoomLost { operator } => format!("mimamori {operator}: the staff room was lost"),
        }
    }

    /// How it is logged: the kind and the reason, never the member.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Case { why, .. } => why.as_str(),
            Self::StaffRoomLost { .. } => "staff_room_lost",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_ascii_under_100_characters_and_name_no_one() {
        let operator = OperatorId::new("abiko-city-welfare").unwrap();
        let case = |why| StaffPage::Case {
            operator: operator.clone(),
            case: u64::MAX,
            member_short: "ab12".into(),
            why,
        };
        let pages = [
            case(Unreached::NoStaffRoom),
            case(Unreached::QuotaExhausted),
            case(Unreached::TokenRefused),
            case(Unreached::RoomRefused),
            StaffPage::StaffRoomLost {
                operator: operator.clone(),
            },
        ];
        for page in pages {
            let subject = page.subject();
            assert!(subject.is_ascii() && subject.len() < 100, "{subject}");
            assert!(!subject.contains("ab12"), "{subject}");
        }
    }
}
