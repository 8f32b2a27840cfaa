//! mimamori: a LINE safety-check (見守り・安否確認) service for people who live alone.
//!
//! The domain modules come first and do no I/O: they take inputs carrying `now` and
//! return decisions. `ports` names the I/O the service needs, `adapters` implements it
//! on AWS and LINE, and `app` carries out the decisions for each Lambda function.

pub mod case;
pub mod check;
pub mod contact;
pub mod escalation;
pub mod ids;
pub mod member;
pub mod outbox;
pub mod policy;
pub mod report;
pub mod schedule;

pub mod line;

pub mod adapters;
pub mod app;
pub mod clock;
pub mod config;
pub mod logging;
pub mod ports;
