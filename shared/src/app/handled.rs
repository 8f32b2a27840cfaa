//! What became of one webhook event: a closed set, each logged by its name.

/// Declares `Handled` with one variant per outcome and its name in the logs.
macro_rules! outcomes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// What handling one webhook event did; `as_str` is its name in the logs.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Handled {
            $($(#[$doc])* $variant,)*
        }

        impl Handled {
            /// Every outcome.
            pub const ALL: &'static [Handled] = &[$(Handled::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Handled::$variant => $name,)*
                }
            }
        }
    };
}

outcomes! {
    /// An event with nothing to do (already filtered before `act`).
    Ignored = "ignored",
    // Joining, leaving and signs of life
    Introduced = "introduced",
    ConsentAgain = "consent_again",
    Declined = "declined",
    MemberJoined = "member_joined",
    MemberWelcomedAgain = "member_welcomed_again",
    MemberReactivated = "member_reactivated",
    OnboardingDone = "onboarding_done",
    MemberBlocked = "member_blocked",
    NonMemberUnfollowed = "non_member_unfollowed",
    LeaveAsked = "leave_asked",
    LeaveCancelled = "leave_cancelled",
    LeaveUnknownUser = "leave_unknown_user",
    Left = "left",
    LeftAndErased = "left_and_erased",
    NotAMember = "not_a_member",
    SignOfLife = "sign_of_life",
    Acknowledged = "acknowledged",
    AllClear = "all_clear",
    CheckedIn = "checked_in",
    CheckedInAhead = "checked_in_ahead",
    CheckInNotMember = "check_in_not_member",
    InvalidButton = "invalid_button",
    StaleOrForeignButton = "stale_or_foreign_button",
    // Contacts and invitations
    InvitationCreated = "invitation_created",
    InviteRefusedNotMember = "invite_refused_not_member",
    OwnCode = "own_code",
    CodeInvalid = "code_invalid",
    CodeThrottled = "code_throttled",
    InviterGone = "inviter_gone",
    ContactLimit = "contact_limit",
    ContactLinked = "contact_linked",
    /// Linked, and asked whether their own checks go on (they had never answered one).
    ContactLinkedOwnChecksAsked = "contact_linked_own_checks_asked",
    OwnChecksKept = "own_checks_kept",
    /// A member who became a contact chose to be a contact only.
    BecameContactOnly = "became_contact_only",
    ContactFollowed = "contact_followed",
    ContactNotLinked = "contact_not_linked",
    ContactRemoved = "contact_removed",
    ContactsListed = "contacts_listed",
    // Settings
    SettingsShown = "settings_shown",
    SettingRefusedNotMember = "setting_refused_not_member",
    AskedCadence = "asked_cadence",
    AskedWeekday = "asked_weekday",
    AskedTime = "asked_time",
    ScheduleChanged = "schedule_changed",
    ZoneChanged = "zone_changed",
    ZoneUnknown = "zone_unknown",
    AgeBandGiven = "age_band_given",
    GenderGiven = "gender_given",
    PhoneAsked = "phone_asked",
    PhoneToConfirm = "phone_to_confirm",
    PhoneSaved = "phone_saved",
    PhoneCleared = "phone_cleared",
    PhoneCancelled = "phone_cancelled",
    LanguageSet = "language_set",
    AskedPause = "asked_pause",
    Paused = "paused",
    PauseDateInvalid = "pause_date_invalid",
    PauseEnded = "pause_ended",
    // The staff room and cases
    JoinedChat = "joined_chat",
    LeftChat = "left_chat",
    /// The account was removed from the registered staff room.
    StaffRoomLost = "staff_room_lost",
    StaffRoomRegistered = "staff_room_registered",
    StaffCodeWrong = "staff_code_wrong",
    /// 「スタッフ登録」 in the staff room itself.
    StaffRoomAlready = "staff_room_already",
    /// 「スタッフ登録」 from another chat while the staff room is registered.
    StaffRoomRefused = "staff_room_refused",
    StaffCodeThrottled = "staff_code_throttled",
    StaffRoomMoveCodeIssued = "staff_room_move_code_issued",
    StaffJoined = "staff_joined",
    StaffApproved = "staff_approved",
    StaffApproveUnknown = "staff_approve_unknown",
    /// A staff action by someone in the staff room not approved yet.
    StaffActionRefusedNotApproved = "staff_action_refused_not_approved",
    StaffLeft = "staff_left",
    ChatMembersJoinedElsewhere = "chat_members_joined_elsewhere",
    ChatMembersLeftElsewhere = "chat_members_left_elsewhere",
    StaffActionRefusedNotStaff = "staff_action_refused_not_staff",
    /// A staff button in the staff room without a `userId`: asked to type it instead.
    StaffActionUnidentified = "staff_action_unidentified",
    OnDutySet = "on_duty_set",
    CaseUnknown = "case_unknown",
    CaseTaken = "case_taken",
    CaseAlreadyTaken = "case_already_taken",
    CaseNotTaken = "case_not_taken",
    CaseShown = "case_shown",
    CaseNoteAdded = "case_note_added",
    CaseCallRecorded = "case_call_recorded",
    CaseCloseAsked = "case_close_asked",
    CaseCloseConfirmAsked = "case_close_confirm_asked",
    CaseClosed = "case_closed",
    CaseAlreadyClosed = "case_already_closed",
    ChecksResumed = "checks_resumed",
    ChecksResumeRefused = "checks_resume_refused",
    ReportShown = "report_shown",
    ReportBadMonth = "report_bad_month",
    CaseConfirmedSafeByContact = "case_confirmed_safe_by_contact",
    SafeNotAContact = "safe_not_a_contact",
    SafeUnknownCase = "safe_unknown_case",
    SafeCaseAlreadyClosed = "safe_case_already_closed",
}

impl std::fmt::Display for Handled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Handled;
    use std::collections::HashSet;

    #[test]
    fn every_outcome_is_logged_by_its_own_name_which_spells_the_variant() {
        let names: HashSet<&str> = Handled::ALL.iter().map(|h| h.as_str()).collect();
        assert_eq!(names.len(), Handled::ALL.len(), "two outcomes share a name");
        for h in Handled::ALL {
            let name = h.as_str();
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
            let camel: String = name.split('_').map(|w| w[..1].to_uppercase() + &w[1..]).collect();
            assert_eq!(format!("{h:?}"), camel);
        }
    }
}
