//! Contacts (緊急連絡先): one-time invitation codes, how a code is found in what a
//! person typed, and the rules for linking a contact to a member.

use crate::ids::UserId;
use crate::member::Member;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

pub const MAX_CONTACTS: u8 = 5;
pub const CODE_VALIDITY: SignedDuration = SignedDuration::from_hours(24);
/// Wrong codes one sender may try per hour before being told to wait.
pub const MAX_CODE_TRIES_PER_HOUR: u32 = 5;

/// 32 symbols without 0/O and 1/I, which elderly readers (and fonts) confuse.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// An invitation code, `XXXX-XXXX`: 40 random bits, single use, valid 24 hours.
/// With 5 wrong tries an hour allowed, guessing one live code takes about 10^7 years.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InviteCode(String);

impl InviteCode {
    /// The code spelled by eight random bytes (drawn by the caller: the domain draws no
    /// randomness).
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let mut s = String::with_capacity(9);
        for (i, b) in bytes.iter().enumerate() {
            if i == 4 {
                s.push('-');
            }
            s.push(ALPHABET[usize::from(b % 32)] as char);
        }
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Finds a code in a message, however it was typed: full-width characters, lower
    /// case, a long dash, or the whole forwarded invitation around it.
    pub fn find_in(text: &str) -> Option<Self> {
        let normalised: Vec<char> = text
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                'ー' | '−' | '‐' | '―' | '–' | '—' => '-',
                _ => c,
            })
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let symbol = |c: &char| c.is_ascii() && ALPHABET.contains(&(*c as u8));
        normalised.windows(9).find_map(|w| {
            let fits = w[..4].iter().all(symbol) && w[4] == '-' && w[5..].iter().all(symbol);
            fits.then(|| Self(w.iter().collect()))
        })
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::find_in(s).filter(|c| c.0.len() == s.trim().len())
    }
}

/// A code waiting to be redeemed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub code: InviteCode,
    pub member: UserId,
    pub created_at: Timestamp,
    pub valid_until: Timestamp,
}

impl Invitation {
    pub fn new(code: InviteCode, member: UserId, now: Timestamp) -> Self {
        Self {
            code,
            member,
            created_at: now,
            valid_until: now + CODE_VALIDITY,
        }
    }
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        now < self.valid_until
    }
}

/// What redeeming a valid code leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redemption {
    Link {
        /// The redeeming person is watched over but shows no sign of wanting it: ask
        /// whether their own checks go on (they are never stopped without asking).
        ask_own_checks: bool,
    },
    OwnCode,
    MemberHasFullContacts,
    MemberGone,
}

/// A person who befriended the account only to enter a code is a contact, not a member.
/// One who also consented to be watched but shows no sign of it (no check answered,
/// none answered ahead with the free button, none open) is asked whether their own
/// checks go on. Someone who answers checks stays a member as well as a contact.
pub fn redeem(inviter: Option<&Member>, redeemer: &UserId, redeemer_membership: Option<&Member>) -> Redemption {
    let Some(inviter) = inviter.filter(|m| m.is_active()) else {
        return Redemption::MemberGone;
    };
    if &inviter.user_id == redeemer {
        return Redemption::OwnCode;
    }
    if inviter.contact_count >= MAX_CONTACTS {
        return Redemption::MemberHasFullContacts;
    }
    // Only someone with no trace of being watched over: never answered a check, never
    // checked in ahead with the free button, and no check waiting for an answer.
    let ask_own_checks = redeemer_membership
        .is_some_and(|m| m.acknowledged_checks == 0 && m.checked_in_for.is_none() && m.open_check.is_none());
    Redemption::Link { ask_own_checks }
}

/// A member's contact as the member's records hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub user_id: UserId,
    pub display_name: String,
    pub linked_at: Timestamp,
    /// Given by the member (optional, confirmed first); shown only in the staff room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Since when the contact has blocked the account: LINE accepts pushes to them and
    /// delivers nothing, so they are not alerted, and staff are told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_since: Option<Timestamp>,
    /// The language the contact reads (theirs as a member, else Japanese), known since
    /// 2026-12-04; `None` on older links, which are written to in the member's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<crate::member::Lang>,
}

impl Contact {
    /// Whether LINE can reach them.
    pub fn reachable(&self) -> bool {
        self.blocked_since.is_none()
    }
}

/// Reads a phone number as people type it (full-width digits, hyphens of any width,
/// spaces, brackets): 10 or 11 digits starting with 0, or `+` and 10 to 13 digits.
/// Returns it in ASCII, with the hyphens the person used; `None` if it is not one.
pub fn parse_phone(text: &str) -> Option<String> {
    let mut out = String::new();
    for c in text.trim().chars() {
        match c {
            '0'..='9' | '+' => out.push(c),
            '０'..='９' => out.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            '＋' => out.push('+'),
            '-' | '‐' | '－' | 'ー' | '−' | '–' => out.push('-'),
            ' ' | '　' | '(' | ')' | '（' | '）' => {}
            _ => return None,
        }
    }
    let out = out.trim_matches('-').to_owned();
    let digits = out.chars().filter(char::is_ascii_digit).count();
    let plus = out.matches('+').count();
    let ok = match plus {
        0 => out.starts_with('0') && (10..=11).contains(&digits),
        1 => out.starts_with('+') && (10..=13).contains(&digits),
        _ => false,
    };
    (ok && !out.contains("--")).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OperatorId;
    use crate::schedule::CheckSchedule;

    #[test]
    fn only_someone_with_no_trace_of_being_watched_stops_being_a_member_on_becoming_a_contact() {
        let t0: Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        let join = |n: u8| {
            let user = UserId::new(format!("U{}{n:02}", "0".repeat(30))).unwrap();
            Member::join(
                OperatorId::new("op").unwrap(),
                user,
                "x".into(),
                CheckSchedule::daily_at(9).unwrap(),
                t0,
                "token".into(),
            )
        };
        let inviter = join(1);
        let newcomer = join(2);
        let ends = |m: &Member| {
            matches!(
                redeem(Some(&inviter), &m.user_id, Some(m)),
                Redemption::Link { ask_own_checks: true }
            )
        };
        assert!(ends(&newcomer));
        let mut answers = join(3);
        answers.acknowledged_checks = 4;
        assert!(!ends(&answers));
        let mut checks_in_with_the_free_button = join(4);
        checks_in_with_the_free_button.checked_in_for = Some(t0);
        assert!(!ends(&checks_in_with_the_free_button));
        let mut has_a_check_waiting = join(5);
        has_a_check_waiting.open_check = Some(t0);
        assert!(!ends(&has_a_check_waiting));
    }

    #[test]
    fn phone_numbers_are_read_as_people_type_them() {
        assert_eq!(parse_phone("090-1234-5678").as_deref(), Some("090-1234-5678"));
        assert_eq!(
            parse_phone("０９０ー１２３４ー５６７８").as_deref(),
            Some("090-1234-5678")
        );
        assert_eq!(parse_phone("(03) 1234 5678").as_deref(), Some("0312345678"));
        assert_eq!(parse_phone("+81 90 1234 5678").as_deref(), Some("+819012345678"));
        for bad in [
            "元気です",
            "1234",
            "090-1234-56789",
            "12-3456-7890",
            "+81+90",
            "",
            "0901234567８9",
        ] {
            assert_eq!(parse_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn generated_codes_have_the_shape_and_are_different() {
        let a = InviteCode::from_random(*b"\x00\x01\x1f\x20\x3f\x40\x7f\xff");
        let b = InviteCode::from_random([7; 8]);
        assert_eq!(a.as_str(), "23Z2-Z2ZZ", "each byte picks one of 32 letters");
        assert_eq!(InviteCode::parse(a.as_str()), Some(a.clone()));
        assert_eq!(b.as_str(), "9999-9999");
    }

    #[test]
    fn codes_are_found_however_they_were_typed() {
        let want = InviteCode::parse("K7QF-2M9X").unwrap();
        for typed in [
            "K7QF-2M9X",
            "k7qf-2m9x",
            "ｋ７ｑｆ－２ｍ９ｘ",
            "K7QFー2M9X",
            "招待コード K7QF-2M9X を送ってください",
        ] {
            assert_eq!(InviteCode::find_in(typed), Some(want.clone()), "{typed}");
        }
        for not in ["元気です", "OK", "THANKYOU", "K7QF2M9X", "K0QF-2M9X"] {
            assert_eq!(InviteCode::find_in(not), None, "{not}");
        }
    }

    fn member(id: char, acks: u32) -> Member {
        let mut m = Member::join(
            OperatorId::new("op").unwrap(),
            UserId::new(format!("U{}", id.to_string().repeat(32))).unwrap(),
            "x".into(),
            CheckSchedule::daily_at(9).unwrap(),
            Timestamp::UNIX_EPOCH,
            "token".into(),
        );
        m.acknowledged_checks = acks;
        m
    }

    #[test]
    fn a_person_who_never_answered_a_check_is_asked_whether_their_own_checks_go_on() {
        let inviter = member('a', 3);
        let newcomer = member('b', 0);
        assert_eq!(
            redeem(Some(&inviter), &newcomer.user_id, Some(&newcomer)),
            Redemption::Link { ask_own_checks: true }
        );
        let watched = member('c', 2);
        assert_eq!(
            redeem(Some(&inviter), &watched.user_id, Some(&watched)),
            Redemption::Link { ask_own_checks: false }
        );
        assert_eq!(
            redeem(Some(&inviter), &inviter.user_id, Some(&inviter)),
            Redemption::OwnCode
        );
        let mut full = inviter.clone();
        full.contact_count = 5;
        assert_eq!(
            redeem(Some(&full), &newcomer.user_id, None),
            Redemption::MemberHasFullContacts
        );
        assert_eq!(redeem(None, &newcomer.user_id, None), Redemption::MemberGone);
    }
}
