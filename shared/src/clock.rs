//! Where "now" comes from: the system clock in AWS, a virtual clock in local runs and tests.

use jiff::Timestamp;
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to; clones share the same time.
#[derive(Clone)]
pub struct VirtualClock(Arc<Mutex<Timestamp>>);

impl VirtualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }
    pub fn set(&self, t: Timestamp) {
        *self.0.lock().expect("clock lock") = t;
    }
    pub fn advance(&self, by: jiff::SignedDuration) {
        let mut t = self.0.lock().expect("clock lock");
        *t += by;
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().expect("clock lock")
    }
}
