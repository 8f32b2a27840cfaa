//! The service's log lines while local stacks run, written as the functions write them in
//! AWS (the same JSON lines, the same level of every other crate), and a scan of them for
//! personal data: LINE ids, names, phone numbers, invitation codes, message texts and
//! secrets. Every stack scans the lines written while it ran when it is dropped, so every
//! scenario test is also a test that nothing personal reached a log.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use tracing_subscriber::filter::LevelFilter;

type Buffer = Arc<Mutex<Vec<u8>>>;

/// The process's captured lines; `None` when something else (a runner's own logging)
/// was the process's subscriber first.
static CAPTURED: OnceLock<Option<Buffer>> = OnceLock::new();

#[derive(Clone)]
struct Sink(Buffer);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buffer) = self.0.lock() {
            buffer.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing the service's lines, at its most verbose level, once per process.
/// Returns where the lines written from now on start, or `None` when this process logs
/// elsewhere.
pub fn start() -> Option<usize> {
    let buffer = CAPTURED.get_or_init(|| {
        let buffer: Buffer = Arc::default();
        let sink = Sink(buffer.clone());
        // What the functions log at RUST_LOG=trace; the harness's own lines (the LINE
        // simulator, the local stack) are not the service's and are left out.
        let filter = mimamori::logging::filter(Some("trace"))
            .with_target("line_simulator", LevelFilter::OFF)
            .with_target("mimamori_local", LevelFilter::OFF);
        let subscriber = mimamori::logging::subscriber(filter, move || sink.clone());
        tracing::subscriber::set_global_default(subscriber)
            .ok()
            .map(|()| buffer)
    });
    let buffer = buffer.as_ref()?;
    buffer.lock().ok().map(|b| b.len())
}

/// The lines written since `mark`, and where the next ones will start.
pub fn since(mark: usize) -> (Vec<String>, usize) {
    let Some(Some(buffer)) = CAPTURED.get() else {
        return (Vec::new(), mark);
    };
    let Ok(buffer) = buffer.lock() else {
        return (Vec::new(), mark);
    };
    let text = String::from_utf8_lossy(buffer.get(mark..).unwrap_or_default());
    (text.lines().map(str::to_owned).collect(), buffer.len())
}

/// Something personal found in a log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub what: &'static str,
    pub found: String,
    pub line: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({:?}) in: {}", self.what, self.found, self.line)
    }
}

/// The terms to look for, from what the people of a stack are and typed: ids and names
/// as they are; a text whole when it is more than a one-word command; and from each text
/// the phone numbers (also as the digits the service keeps) and invitation codes in it.
pub fn terms(personal: &[(&'static str, String)], secrets: &[String]) -> Vec<(&'static str, String)> {
    let mut terms = Vec::new();
    for (what, value) in personal {
        if *what != "a message text" {
            terms.push((*what, value.clone()));
            continue;
        }
        if !value.is_ascii() || value.contains(char::is_whitespace) || value.len() >= 12 {
            terms.push((*what, value.clone()));
        }
        for token in value.split(char::is_whitespace).filter(|t| !t.is_empty()) {
            let digits = ascii_digits(token);
            let phone_like = token.chars().all(|c| c.is_numeric() || "-ー－‐".contains(c));
            if phone_like && digits.len() >= 10 {
                terms.push(("a phone number", token.to_owned()));
                terms.push(("a phone number", digits));
            } else if is_invitation_code(token) {
                terms.push(("an invitation code", token.to_owned()));
            }
        }
    }
    terms.extend(secrets.iter().map(|s| ("a secret", s.clone())));
    terms.retain(|(_, t)| t.chars().count() >= 2);
    terms.sort();
    terms.dedup();
    terms
}

/// Every finding in `lines`: the `terms`, and anything shaped like a LINE id or a
/// Japanese phone number whoever it belongs to.
pub fn scan(lines: &[String], terms: &[(&'static str, String)]) -> Vec<Finding> {
    let mut found = Vec::new();
    for line in lines {
        let mut add = |what: &'static str, term: &str| {
            found.push(Finding {
                what,
                found: term.to_owned(),
                line: line.clone(),
            })
        };
        for (what, term) in terms {
            if occurs(line, term) {
                add(what, term);
            }
        }
        for id in line_ids(line) {
            add("something shaped like a LINE id", id);
        }
        for phone in phone_numbers(line) {
            add("something shaped like a phone number", phone);
        }
    }
    found
}

/// Whether `term` occurs in `line`, as a whole word when it is ASCII (so that `2026`
/// typed is not found in a timestamp, nor a code inside a longer key).
fn occurs(line: &str, term: &str) -> bool {
    if !term.is_ascii() {
        return line.contains(term);
    }
    let bytes = line.as_bytes();
    line.match_indices(term).any(|(at, _)| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(at + term.len());
        !before.is_some_and(u8::is_ascii_alphanumeric) && !after.is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// The digits of `text` as ASCII, full-width ones included (`０９０` is `090`).
fn ascii_digits(text: &str) -> String {
    text.chars()
        .filter_map(|c| c.to_digit(10))
        .filter_map(|d| char::from_digit(d, 10))
        .collect()
}

/// `XXXX-XXXX` of capitals and digits.
fn is_invitation_code(token: &str) -> bool {
    let (a, b) = token.split_once('-').unwrap_or_default();
    [a, b]
        .iter()
        .all(|half| half.len() == 4 && half.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
}

/// Words that are a LINE user, group or room id: `U`, `C` or `R`, then 32 hex digits.
fn line_ids(line: &str) -> impl Iterator<Item = &str> {
    words(line).filter(|w| {
        w.len() == 33 && matches!(w.as_bytes()[0], b'U' | b'C' | b'R') && w[1..].bytes().all(|c| c.is_ascii_hexdigit())
    })
}

/// Words of digits and hyphens that are a Japanese phone number: 10 or 11 digits from
/// a leading 0.
fn phone_numbers(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with('0') && w.bytes().all(|c| c.is_ascii_digit() || c == b'-'))
        .filter(|w| (10..=11).contains(&w.bytes().filter(u8::is_ascii_digit).count()))
}

/// The line's maximal runs of ASCII letters and digits.
fn words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|l| (*l).to_owned()).collect()
    }

    #[test]
    fn finds_ids_names_phones_codes_texts_and_secrets_and_nothing_else() {
        let personal = vec![
            ("a LINE user id", "U1a000000000000000000000000000001".to_owned()),
            ("a display name", "花子".to_owned()),
            ("a message text", "電話番号 ０９０ー１２３４ー５６７８".to_owned()),
            ("a message text", "招待コード K7PQ-2XWZ".to_owned()),
            ("a message text", "月次レポート 2026-12".to_owned()),
            ("a message text", "status".to_owned()),
        ];
        let terms = terms(&personal, &["local-log-key".to_owned()]);
        let clean = lines(&[
            r#"{"level":"INFO","fields":{"member":"3f9a1c0b7d2e4f61","month":"2026-12","status":200,"message":"pushed"}}"#,
            r#"{"fields":{"retry_key":"550e8400-e29b-41d4-a716-446655440000","check":"2026-11-30T00:00:00Z"}}"#,
        ]);
        assert_eq!(scan(&clean, &terms), Vec::new());
        let leaky = lines(&[
            r#"{"fields":{"member":"U1a000000000000000000000000000001"}}"#,
            r#"{"fields":{"error":"schedule chk-op-U2b000000000000000000000000000002 not found"}}"#,
            r#"{"fields":{"name":"花子"}}"#,
            r#"{"fields":{"phone":"09012345678"}}"#,
            r#"{"fields":{"phone":"03-1234-5678"}}"#,
            r#"{"fields":{"code":"K7PQ-2XWZ"}}"#,
            r#"{"fields":{"text":"月次レポート 2026-12"}}"#,
            r#"{"fields":{"key":"local-log-key"}}"#,
        ]);
        let found = scan(&leaky, &terms);
        for (i, line) in leaky.iter().enumerate() {
            assert!(
                found.iter().any(|f| &f.line == line),
                "line {i} not flagged: {found:#?}"
            );
        }
    }
}
