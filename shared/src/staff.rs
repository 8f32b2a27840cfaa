//! The staff room (the operator's LINE chat where staff receive alerts) and the people in it.

use crate::ids::{ChatId, UserId};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a code the staff room issues to move itself (「スタッフルーム移動」) is valid.
pub const MOVE_CODE_VALID: SignedDuration = SignedDuration::from_hours(1);
/// How long a code the operator's tool issues is valid.
pub const ISSUED_CODE_VALID: SignedDuration = SignedDuration::from_hours(24);
/// Wrong registration codes a chat may send in an hour; then even a right one waits.
pub const MAX_CODE_TRIES_PER_HOUR: u32 = 5;

/// What a registration code is kept by, never the code itself: the SHA-256 of the code
/// as typed, without the spaces around it, in hex.
pub fn code_digest(code: &str) -> String {
    Sha256::digest(code.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What 「スタッフ登録 <code>」 from a chat comes to, once the code is known for what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
    /// The chat becomes the staff room (`from`: the room it replaces, which is told).
    Register { from: Option<ChatId> },
    /// The chat is the staff room already: nothing changes.
    AlreadyHere,
    /// Another chat is the staff room and the code does not move it: refused, and that
    /// room is told of the attempt.
    Refused { room: ChatId },
    /// The code is not one (the registered room, if any, is told of the attempt).
    Wrong { room: Option<ChatId> },
    /// Too many wrong codes from this chat this hour.
    Throttled,
}

/// The kind of code a registration carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// One issued by the staff room or the operator's tool, unused and in time: it may
    /// register or move the room.
    Issued,
    /// The deployment's own code (SSM), never used: it registers the first room only.
    Initial,
    /// The deployment's code, already used once.
    InitialUsed,
    /// Not a code.
    Wrong,
}

/// Decides a registration from `chat` while `room` is the staff room (if any).
pub fn registration(room: Option<&StaffRoom>, chat: &ChatId, code: CodeKind, wrong_tries: u32) -> Registration {
    let room = room.map(|r| r.chat_id.clone());
    if room.as_ref() == Some(chat) {
        return Registration::AlreadyHere;
    }
    if wrong_tries >= MAX_CODE_TRIES_PER_HOUR {
        return Registration::Throttled;
    }
    match (code, room) {
        (CodeKind::Issued, from) => Registration::Register { from },
        (CodeKind::Initial, None) => Registration::Register { from: None },
        (CodeKind::Initial | CodeKind::InitialUsed, Some(room)) => Registration::Refused { room },
        (CodeKind::InitialUsed | CodeKind::Wrong, None) => Registration::Wrong { room: None },
        (CodeKind::Wrong, Some(room)) => Registration::Wrong { room: Some(room) },
    }
}

/// The operator's staff room: the LINE chat where staff receive alerts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRoom {
    pub chat_id: ChatId,
    pub registered_at: Timestamp,
}

/// A person in the staff room. Being there makes them staff pending approval: only an
/// approved one (the first: whoever registered the room) takes, records and closes
/// cases, and approves others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub user_id: UserId,
    pub display_name: String,
    pub since: Timestamp,
    /// Staff enrolled before approval existed were trusted as staff: they stay so.
    #[serde(default = "enrolled_before_approval")]
    pub approved: bool,
}

fn enrolled_before_approval() -> bool {
    true
}

#[cfg(test)]
mod registration_tests {
    use super::*;

    fn chat(n: u8) -> ChatId {
        ChatId::new(format!("C{n:032x}")).unwrap()
    }

    fn room(n: u8) -> StaffRoom {
        StaffRoom {
            chat_id: chat(n),
            registered_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn only_an_issued_code_moves_a_registered_room_and_every_other_attempt_is_told_to_it() {
        use CodeKind::{Initial, InitialUsed, Issued};
        use Registration::*;
        assert_eq!(registration(None, &chat(1), Initial, 0), Register { from: None });
        assert_eq!(registration(None, &chat(1), Issued, 0), Register { from: None });
        assert_eq!(registration(None, &chat(1), InitialUsed, 0), Wrong { room: None });
        let r = room(1);
        assert_eq!(registration(Some(&r), &chat(1), Initial, 0), AlreadyHere);
        assert_eq!(registration(Some(&r), &chat(2), Initial, 0), Refused { room: chat(1) });
        assert_eq!(
            registration(Some(&r), &chat(2), InitialUsed, 0),
            Refused { room: chat(1) }
        );
        assert_eq!(
            registration(Some(&r), &chat(2), CodeKind::Wrong, 0),
            Wrong { room: Some(chat(1)) }
        );
        assert_eq!(
            registration(Some(&r), &chat(2), Issued, 0),
            Register { from: Some(chat(1)) }
        );
        assert_eq!(
            registration(Some(&r), &chat(2), Issued, MAX_CODE_TRIES_PER_HOUR),
            Throttled
        );
        assert_eq!(
            registration(None, &chat(2), Initial, MAX_CODE_TRIES_PER_HOUR),
            Throttled
        );
    }

    #[test]
    fn a_code_is_kept_by_its_digest_whatever_the_spaces_around_it() {
        assert_eq!(code_digest(" K7PQ-2XWZ "), code_digest("K7PQ-2XWZ"));
        assert_ne!(code_digest("K7PQ-2XWZ"), code_digest("K7PQ-2XWY"));
        assert!(!code_digest("K7PQ-2XWZ").contains("K7PQ"));
    }
}
