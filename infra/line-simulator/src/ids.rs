//! Random identifiers in the shapes LINE uses: ULID event ids, hex tokens, numeric message ids.

use base64::Engine as _;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    buf
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A ULID (26 chars of Crockford base32) whose time part is `now`, as LINE's `webhookEventId`.
pub(crate) fn ulid(now: jiff::Timestamp) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis = u128::try_from(now.as_millisecond()).unwrap_or(0) & ((1 << 48) - 1);
    let mut value = millis << 80;
    for (i, byte) in random_bytes::<10>().iter().enumerate() {
        value |= u128::from(*byte) << (8 * (9 - i));
    }
    let mut out = [0u8; 26];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// 32 lowercase hex characters, the shape of reply tokens.
pub(crate) fn hex32() -> String {
    hex(&random_bytes::<16>())
}

/// A fresh UUID string, used for `x-line-request-id`.
pub(crate) fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An 18-digit decimal id, the shape of LINE message ids.
pub(crate) fn message_id() -> String {
    let n = u64::from_le_bytes(random_bytes::<8>());
    format!("{}", 100_000_000_000_000_000 + n % 900_000_000_000_000_000)
}

/// An opaque token in the shape of a LINE `quoteToken`.
pub(crate) fn quote_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<48>())
}

pub(crate) fn rich_menu_id() -> String {
    format!("richmenu-{}", hex32())
}

/// True for the hex UUID form LINE requires in `X-Line-Retry-Key` (8-4-4-4-12).
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulid_is_26_crockford_chars_and_sorts_by_time() {
        let early = ulid(jiff::Timestamp::from_millisecond(1_718_000_000_000).expect("valid"));
        let late = ulid(jiff::Timestamp::from_millisecond(1_718_000_000_001).expect("valid"));
        assert_eq!(early.len(), 26);
        assert!(early.chars().all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)));
        assert!(early < late);
    }

    #[test]
    fn retry_keys_must_be_hex_uuids() {
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
        assert!(!is_uuid("123e4567-e89b-12d3-a456-42661417400z"));
        assert!(!is_uuid("retry-1"));
    }

    #[test]
    fn message_ids_have_18_digits() {
        let id = message_id();
        assert_eq!(id.len(), 18);
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
    }
}
