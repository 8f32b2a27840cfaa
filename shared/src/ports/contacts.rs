//! Contacts, the invitations that link them, and wrong codes tried.

use super::{StoreError, Written};
use crate::contact::{Contact, Invitation, InviteCode};
use crate::ids::{OperatorId, UserId};
use async_trait::async_trait;
use jiff::Timestamp;

#[async_trait]
pub trait Contacts: Send + Sync {
    async fn create_invitation(&self, op: &OperatorId, invitation: &Invitation) -> Result<Written, StoreError>;
    /// Marks the code as redeemed by `by` and returns it; `None` if there is no such code
    /// or someone else redeemed it (single use). The same person redeeming again gets it
    /// again, so a retried webhook finishes what the first attempt started.
    async fn redeem_invitation(
        &self,
        op: &OperatorId,
        code: &InviteCode,
        by: &UserId,
    ) -> Result<Option<Invitation>, StoreError>;
    /// Gives back a code `by` redeemed but could not use (their own, or the member's
    /// contacts are full): it stays good for whom it was meant for.
    async fn release_invitation(&self, op: &OperatorId, code: &InviteCode, by: &UserId) -> Result<(), StoreError>;
    /// Counts a try of a code by `who` (the person's pseudonym: nothing with their LINE
    /// id is stored before they consent) in this hour, unless they have had `max` (then
    /// `false`: throttled). One conditional write, so tries in parallel cannot pass it.
    async fn take_code_try(&self, op: &OperatorId, who: &str, now: Timestamp, max: u32) -> Result<bool, StoreError>;
    /// Gives back the try of a code that was good: only wrong codes use tries up.
    async fn give_back_code_try(&self, op: &OperatorId, who: &str, now: Timestamp) -> Result<(), StoreError>;
    async fn link_contact(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &Contact,
        max: u8,
    ) -> Result<Written, StoreError>;
    async fn contacts(&self, op: &OperatorId, member: &UserId) -> Result<Vec<Contact>, StoreError>;
    /// Removes the link between a member and one of their contacts, on both sides.
    async fn unlink_contact(&self, op: &OperatorId, member: &UserId, contact: &UserId) -> Result<Written, StoreError>;
    /// Sets (or, with `None`, removes) a linked contact's phone number; `Conflict` if they
    /// are not linked.
    async fn set_contact_phone(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &UserId,
        phone: Option<&str>,
    ) -> Result<Written, StoreError>;
    async fn is_contact(&self, op: &OperatorId, user: &UserId) -> Result<bool, StoreError>;
    /// Records that `contact` blocked the account (`since`) or is back (`None`), on their
    /// link with `member`.
    async fn set_contact_blocked(
        &self,
        op: &OperatorId,
        member: &UserId,
        contact: &UserId,
        since: Option<Timestamp>,
    ) -> Result<Written, StoreError>;
    /// The members this user is a contact of.
    async fn watched_members(&self, op: &OperatorId, user: &UserId) -> Result<Vec<UserId>, StoreError>;
}
