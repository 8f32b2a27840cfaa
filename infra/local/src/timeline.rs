//! A readable timeline of what each person saw on LINE, for the demo.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use line_simulator::{Delivery, Via};
use std::collections::HashMap;

pub struct Timeline {
    names: HashMap<String, String>,
    shown: usize,
    zone: TimeZone,
}

impl Timeline {
    pub fn new(zone: TimeZone) -> Self {
        Self {
            names: HashMap::new(),
            shown: 0,
            zone,
        }
    }

    pub fn name(&mut self, id: &str, name: &str) {
        self.names.insert(id.to_owned(), name.to_owned());
    }

    fn who(&self, id: &str) -> String {
        self.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.chars().take(8).collect())
    }

    pub fn stamp(&self, at: Timestamp) -> String {
        at.to_zoned(self.zone.clone()).strftime("%a %m/%d %H:%M").to_string()
    }

    /// A line for something a person did.
    pub fn action(&self, at: Timestamp, who: &str, what: &str) -> String {
        format!("{}  {:<14} → {}", self.stamp(at), self.who(who), what)
    }

    /// Lines for deliveries not shown yet.
    pub fn new_deliveries(&mut self, all: &[Delivery]) -> Vec<String> {
        let fresh = &all[self.shown.min(all.len())..];
        self.shown = all.len();
        fresh
            .iter()
            .map(|d| {
                let via = match d.via {
                    Via::Push => "push ",
                    Via::Reply => "reply",
                };
                let text = d
                    .messages
                    .iter()
                    .map(|m| {
                        m["text"]
                            .as_str()
                            .or(m["template"]["text"].as_str())
                            .or(m["altText"].as_str())
                            .unwrap_or("(message)")
                    })
                    .collect::<Vec<_>>()
                    .join(" / ")
                    .replace('\n', " ");
                let short: String = text.chars().take(70).collect();
                let more = if text.chars().count() > 70 { "…" } else { "" };
                format!("{}  {:<14} ← {via} {short}{more}", self.stamp(d.at), self.who(&d.to))
            })
            .collect()
    }
}
