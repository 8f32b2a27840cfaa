//! mimamori: a LINE safety-check (見守り・安否確認) service for people who live alone.
//!
//! The domain modules come first and do no I/O: they take inputs carrying `now` and
//! return decisions. `ports` names the I/O the service needs, `adapters` implements it
//! on AWS and LINE, and `app` carries out the decisions for each Lambda function.

pub mod alerts;
pub mod case;
pub mod check;
pub mod contact;
pub mod ids;
pub mod member;
pub mod operator;
pub mod outbox;
pub mod page;
pub mod pseudonym;
pub mod report;
pub mod schedule;
pub mod secret;
pub mod staff;
pub mod timing;

pub mod line;

pub mod adapters;
pub mod app;
pub mod clock;
pub mod config;
pub mod logging;
pub mod ports;

/// The layers keep to their order: the domain imports nothing that renders LINE
/// messages, talks to AWS or LINE, or carries out use cases, and no domain module
/// imports another that imports it back.
#[cfg(test)]
mod layering {
    use std::collections::{BTreeMap, BTreeSet};

    const DOMAIN: [(&str, &str); 16] = [
        ("alerts", include_str!("alerts.rs")),
        ("case", include_str!("case.rs")),
        ("check", include_str!("check.rs")),
        ("clock", include_str!("clock.rs")),
        ("contact", include_str!("contact.rs")),
        ("ids", include_str!("ids.rs")),
        ("member", include_str!("member.rs")),
        ("operator", include_str!("operator.rs")),
        ("outbox", include_str!("outbox.rs")),
        ("page", include_str!("page.rs")),
        ("pseudonym", include_str!("pseudonym.rs")),
        ("timing", include_str!("timing.rs")),
        ("report", include_str!("report.rs")),
        ("schedule", include_str!("schedule.rs")),
        ("secret", include_str!("secret.rs")),
        ("staff", include_str!("staff.rs")),
    ];

    /// The crate modules a source file names (`crate::x`), itself left out.
    fn imports(name: &str, src: &str) -> BTreeSet<String> {
        src.match_indices("crate::")
            .map(|(i, _)| {
                src[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .filter(|m| m != name)
            .collect()
    }

    #[test]
    fn the_domain_imports_only_the_domain() {
        let domain: BTreeSet<&str> = DOMAIN.iter().map(|(n, _)| *n).collect();
        for (name, src) in DOMAIN {
            for m in imports(name, src) {
                assert!(domain.contains(m.as_str()), "domain module {name} imports crate::{m}");
            }
        }
    }

    #[test]
    fn the_domain_draws_no_randomness_and_reads_no_clock() {
        for (name, src) in DOMAIN.iter().filter(|(n, _)| *n != "clock") {
            let code = src.split("#[cfg(test)]").next().unwrap_or(src);
            for effect in ["getrandom", "new_v4", "Timestamp::now", "SystemTime", "Zoned::now"] {
                assert!(
                    !code.contains(effect),
                    "domain module {name} uses {effect}: take it from the caller"
                );
            }
        }
    }

    #[test]
    fn the_domain_has_no_cycle() {
        let graph: BTreeMap<&str, BTreeSet<String>> = DOMAIN.iter().map(|(n, s)| (*n, imports(n, s))).collect();
        // Peel off modules whose imports are all peeled; what is left is in a cycle.
        let mut done: BTreeSet<String> = BTreeSet::new();
        while done.len() < graph.len() {
            let ready: Vec<&str> = graph
                .iter()
                .filter(|(n, deps)| !done.contains(**n) && deps.iter().all(|d| done.contains(d)))
                .map(|(n, _)| *n)
                .collect();
            assert!(
                !ready.is_empty(),
                "a cycle among {:?}",
                graph.keys().filter(|n| !done.contains(**n)).collect::<Vec<_>>()
            );
            done.extend(ready.into_iter().map(str::to_owned));
        }
    }

    /// The use cases, all but `wiring.rs`, which builds the adapters.
    const USE_CASES: [(&str, &str); 11] = [
        ("cases.rs", include_str!("app/cases.rs")),
        ("check.rs", include_str!("app/check.rs")),
        ("deadline.rs", include_str!("app/deadline.rs")),
        ("deliver.rs", include_str!("app/deliver.rs")),
        ("escalation.rs", include_str!("app/escalation.rs")),
        ("handled.rs", include_str!("app/handled.rs")),
        ("leave.rs", include_str!("app/leave.rs")),
        ("mod.rs", include_str!("app/mod.rs")),
        ("settings.rs", include_str!("app/settings.rs")),
        ("watchdog.rs", include_str!("app/watchdog.rs")),
        ("webhook.rs", include_str!("app/webhook.rs")),
    ];

    #[test]
    fn only_the_wiring_builds_adapters() {
        for (file, src) in USE_CASES {
            assert!(
                !imports(file, src).contains("adapters"),
                "app/{file} imports crate::adapters"
            );
        }
    }

    #[test]
    fn the_check_test_sees_an_import_of_the_line_layer() {
        let planted = "use crate::line::messages;\nuse crate::ids::UserId;";
        assert_eq!(
            imports("check", planted),
            BTreeSet::from(["line".to_owned(), "ids".to_owned()])
        );
    }
}
