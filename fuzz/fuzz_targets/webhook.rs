//! The webhook's input path, as LINE's requests reach it: the signature check, the
//! body, each event, what it asks of the service (text commands included) and every
//! button's postback data. Whatever the bytes, nothing may panic.
//!
//! An input is a request: its first line is the `x-line-signature` header and the rest
//! the body; when the first byte is even, the body is signed with the channel secret
//! instead, so the fuzzer gets past the signature to the parsers.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori::line::postback::Postback;
use mimamori::line::webhook::{parse_body, sign, verify_signature};
use std::collections::HashMap;

const SECRET: &[u8] = b"fuzz-channel-secret";

fuzz_target!(|input: &[u8]| {
    let (header, body) = match input.iter().position(|b| *b == b'\n') {
        Some(at) => (&input[..at], &input[at + 1..]),
        None => (&[][..], input),
    };
    let signed = input.first().is_some_and(|b| b % 2 == 0);
    let signature = match signed {
        true => Some(sign(SECRET, body)),
        false => std::str::from_utf8(header).ok().map(str::to_owned),
    };
    let verified = verify_signature(SECRET, body, signature.as_deref());
    assert!(!signed || verified.is_ok(), "a body signed with the secret verifies");
    if verified.is_err() {
        return;
    }
    let now = jiff::Timestamp::from_second(1_795_600_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let Ok(events) = parse_body(body) else {
        return;
    };
    for event in events.into_iter().flatten() {
        let _ = event.intent_at(now);
    }
    // The same bytes as a button's data, with and without a picker's answer.
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = Postback::parse(text, &HashMap::new());
        let params = HashMap::from([
            ("time".to_owned(), text.to_owned()),
            ("date".to_owned(), text.to_owned()),
        ]);
        if let Some(button) = Postback::parse(text, &params) {
            // What is read back is what was written.
            let again = Postback::parse(&button.encode(), &params);
            assert!(again.is_some(), "{button:?} reads back");
        }
    }
});
