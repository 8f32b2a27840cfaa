//! The LINE layer, above the domain: the texts members read, the message objects that
//! carry them, the staff room's views, the buttons' postbacks and the webhook's events.
//! The domain never imports this layer; `app` uses it to render what the domain planned.

pub mod messages;
pub mod postback;
pub mod render;
pub mod texts;
pub mod views;
pub mod webhook;
