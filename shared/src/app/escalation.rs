//! The escalation function's work: alert everyone an overdue check concerns, once each,
//! and deliver the pushes recorded for a check (such as the all-clear).

use super::deliver::{Delivered, deliver_pending};
use super::{App, AppError};
use crate::check::CheckState;
use crate::escalation::{EscalationMessage, plan_alerts};
use crate::outbox::PushKind;
use crate::ports::Written;
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscalationOutcome {
    Alerted {
        recorded: u32,
        delivered: Delivered,
    },
    Delivered(Delivered),
    /// The member or check no longer exists (e.g. the member left): nothing to do.
    Gone,
}

impl EscalationOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Alerted { .. } => "alerted",
            Self::Delivered(_) => "delivered",
            Self::Gone => "gone",
        }
    }
}

pub async fn run(app: &App, message: &EscalationMessage) -> Result<EscalationOutcome, AppError> {
    let (op, user, at) = message.parts();
    app.ensure_operator(op)?;
    let Some(member) = app.store.member(op, user).await? else {
        return Ok(EscalationOutcome::Gone);
    };
    let Some(check) = app.store.check(op, user, at).await? else {
        return Ok(EscalationOutcome::Gone);
    };
    if let EscalationMessage::Deliver { .. } = message {
        return Ok(EscalationOutcome::Delivered(deliver_pending(app, op, user, at).await?));
    }
    let mut recorded = 0;
    let mut missing_staff_room = false;
    if check.state == CheckState::Overdue {
        let contacts = app.store.contacts(op, user).await?;
        let room = app.store.staff_room(op).await?;
        missing_staff_room = room.is_none();
        let already: HashSet<String> = app
            .store
            .pushes(op, user, at, Some(PushKind::Alert))
            .await?
            .into_iter()
            .map(|(p, _)| p.key)
            .collect();
        let new: Vec<_> = plan_alerts(&member, &check, &contacts, room.as_ref())
            .into_iter()
            .filter(|p| !already.contains(&p.key))
            .collect();
        if !new.is_empty() {
            match app.store.add_pushes(op, user, at, CheckState::Overdue, &new).await? {
                Written::Done => recorded = new.len() as u32,
                // The member answered meanwhile (the all-clear takes over), or another
                // delivery of this message recorded them first: either way, deliver.
                Written::Conflict => {
                    tracing::info!(member = %user, "alerts_not_recorded_state_changed")
                }
            }
        }
    }
    let delivered = deliver_pending(app, op, user, at).await?;
    if missing_staff_room {
        // The contacts were alerted; without a staff room no one at the operator knows.
        // Fail the message so it ends in the dead-letter queue and raises the alarm.
        return Err(AppError::NoStaffRoom { check: check.key() });
    }
    Ok(EscalationOutcome::Alerted { recorded, delivered })
}
