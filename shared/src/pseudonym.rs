//! Keyed pseudonyms for log lines. A LINE user or group id is personal data as soon as
//! it can be linked to a person, so logs name people by `HMAC-SHA256(operator's log key,
//! id)`, cut to 64 bits: the same person always has the same pseudonym in one
//! operator's logs, so an incident can be followed line by line, but nobody holding the
//! logs (or the LINE id) can compute or reverse it without the key, which lives in SSM
//! beside the channel's secrets.

use crate::secret::Secret;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// Makes the pseudonyms of one operator's logs.
#[derive(Clone)]
pub struct Pseudonyms {
    mac: Hmac<Sha256>,
}

impl Pseudonyms {
    pub fn new(key: &Secret) -> Self {
        Self {
            // HMAC takes a key of any length; `new_from_slice` fails on none.
            mac: Hmac::<Sha256>::new_from_slice(key.expose().as_bytes()).unwrap_or_else(|_| unreachable!()),
        }
    }

    /// The pseudonym of a LINE id (a member, a contact, staff, a group), as logged.
    pub fn of(&self, id: &impl fmt::Display) -> Pseudonym {
        let mut mac = self.mac.clone();
        mac.update(id.to_string().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut short = [0u8; 8];
        short.copy_from_slice(&digest[..8]);
        Pseudonym(short)
    }
}

impl fmt::Debug for Pseudonyms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonyms(***)")
    }
}

/// Sixteen hex digits, printed in place of an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pseudonym([u8; 8]);

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// `text` with every word shaped like a LINE user, group or room id (`U`, `C` or `R`
/// and 32 hex digits) cut to its first letter and `…`: for the messages of AWS and HTTP
/// errors, which name the resource they failed on (`Schedule chk-op-U… does not
/// exist`, a request URL), before they can reach a log.
pub fn redact_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let id_shaped =
            word.len() == 33 && word.starts_with(['U', 'C', 'R']) && word[1..].bytes().all(|b| b.is_ascii_hexdigit());
        match id_shaped {
            true => {
                out.push_str(&word[..1]);
                out.push('…');
            }
            false => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_lose_the_line_ids_they_name_and_nothing_else() {
        assert_eq!(
            redact_ids(&format!("Schedule chk-op-{HANAKO} does not exist.")),
            "Schedule chk-op-U… does not exist."
        );
        assert_eq!(
            redact_ids(
                "url (http://x/v2/bot/group/C7a000000000000000000000000000007/member/U2b000000000000000000000000000002)"
            ),
            "url (http://x/v2/bot/group/C…/member/U…)"
        );
        let plain = "DynamoDB PutItem failed: Rate exceeded (key U123, 550e8400-e29b)";
        assert_eq!(redact_ids(plain), plain);
    }

    const HANAKO: &str = "U1a000000000000000000000000000001";

    #[test]
    fn one_person_has_one_pseudonym_per_key_and_it_shows_nothing_of_the_id() {
        let logs = Pseudonyms::new(&Secret::new("key of operator a"));
        let p = logs.of(&HANAKO);
        assert_eq!(p, logs.of(&HANAKO.to_owned()));
        let shown = p.to_string();
        assert_eq!(shown.len(), 16);
        assert!(shown.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(!HANAKO.contains(&shown) && !shown.contains("U1a"));
        assert_ne!(p, logs.of(&"U2b000000000000000000000000000002"));
    }

    #[test]
    fn another_key_gives_another_pseudonym() {
        let a = Pseudonyms::new(&Secret::new("key of operator a"));
        let b = Pseudonyms::new(&Secret::new("key of operator b"));
        assert_ne!(a.of(&HANAKO), b.of(&HANAKO));
        assert_eq!(format!("{a:?}"), "Pseudonyms(***)");
    }
}
