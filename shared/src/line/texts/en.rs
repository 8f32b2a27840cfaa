//! The English catalogue, for members who choose English.

use super::Text;
use crate::case::{CallKind, Outcome};
use crate::member::{AgeBand, Gender};
use crate::page::{StaffPage, Unreached};

pub(super) fn render(t: &Text) -> String {
    match t {
        Text::Welcome { schedule } => format!(
            "Thank you for adding us. This is the safety-check service.\n\n{schedule} we will ask \"Are you well?\". Tapping the button is your answer.\n\nIf you do not answer, we ask once more. If there is still no answer, we tell your contacts and our staff.\n\nTo register a family member or friend as a contact, tap \"Add contact\" below.\nIf you received an invitation code, please send it."
        ),
        Text::Check => "This is the safety-check service. Are you well?\nIf so, please tap the button below.".into(),
        Text::Reminder => "We have not heard back from our last check.\nIf you are well, please tap the button below.\nWithout an answer we will tell your contacts and our staff.".into(),
        Text::Repeat => "We still have not heard from you. Are you well?\nIf so, please tap the button below.".into(),
        Text::OkLabel => "I'm fine".into(),
        Text::OkDisplay => "I'm fine".into(),
        Text::AckThanks => "Thank you for answering. We are glad you are well.".into(),
        Text::SignOfLifeThanks => "Thank you for your message. We have noted that you are well.".into(),
        Text::RegisterContactLabel => "Add contact".into(),
        Text::InviteForMember { code, until } => format!(
            "Your contact invitation code is {code} (valid until {until}, once).\nPlease forward the next message to the person you would like as your contact."
        ),
        Text::InviteForContact { code } => format!(
            "Please be a contact for the safety-check service.\nAdd this LINE official account as a friend and send the invitation code {code}.\nYou will be told if there is no answer."
        ),
        Text::ContactLinkedToContact { member } => format!(
            "You are now a contact of {member}.\nWe will tell you here if {member} does not answer."
        ),
        Text::ContactLinkedToMember { contact } => format!("{contact} is now one of your contacts."),
        Text::CodeInvalid => "This invitation code is wrong or has expired.\nPlease check it again.".into(),
        Text::CodeThrottled => "Too many wrong codes in a row.\nPlease try again in about an hour.".into(),
        Text::ContactLimit => "You can register up to 5 contacts.".into(),
        Text::ContactOfSelf => "This is your own invitation code. Please forward it to your contact.".into(),
        Text::ContactOnlyHelp => "This account sends you notices as a contact.".into(),
        Text::NotAMemberForInvite => "Contacts can be registered by people who are watched over.".into(),
        Text::CaseEndedToContact { member } => format!(
            "[Safety check] Our staff have finished looking after {member}'s case.\nThank you for your help. Our staff will tell you more."
        ),
        Text::OwnChecksQuestion { member } => format!(
            "You are now a contact of {member}. We will tell you here if {member} does not answer.\nShall we go on sending safety checks to you as well?"
        ),
        Text::OwnChecksKeepLabel => "Go on".into(),
        Text::OwnChecksStopLabel => "Contact only".into(),
        Text::OwnChecksKept => "Certainly. We will go on sending safety checks to you as well.".into(),
        Text::OwnChecksStopped => "Certainly. We will not send safety checks to you any more.\nYou will still hear from us as a contact.".into(),
        Text::AlertToContact { member, since } => format!(
            "[Safety check] {member} has not answered the check of {since}.\nCould you call or visit to see how they are? Our staff will contact you too."
        ),
        Text::AlertToStaff { case_number, member, member_short, since, last_sign_of_life, contacts } => format!(
            "[Action needed #{case_number}] {member} (ID ending {member_short})\nNo answer to the check of {since} (reminded).\nLast answer: {last_sign_of_life}\nContacts: {contacts}"
        ),
        Text::AllClearToContact { member, missed } => format!(
            "[Safety check] {member} is safe.\nChecks without an answer: {missed}. Thank you for your help."
        ),
        Text::AllClearToStaff { case_number, member, missed } => format!(
            "[Resolved #{case_number}] {member} is safe (answered).\nChecks without an answer: {missed}."
        ),
        Text::StaffRoomRegistered => "This group is now the staff room. Members who do not answer will be reported here.".into(),
        Text::StaffCodeWrong => "The staff registration code is wrong.".into(),
        Text::StaffRoomMovedAway => "The staff room has moved to another group. This group no longer receives alerts.".into(),
        Text::StaffRoomAlready => "This group is already the staff room.".into(),
        Text::StaffRoomElsewhere => "Another group is already the staff room. To move it, send \"スタッフルーム移動\" in that group.".into(),
        Text::StaffRoomAttempted => "Another group tried to register as the staff room. It was refused.\nIf nobody here knows why, please tell the operator.".into(),
        Text::StaffCodeTooManyTries => "Too many wrong codes. Please try again in about an hour.".into(),
        Text::StaffRoomMoveCode { code, until } => format!("The code that moves the staff room (valid once, until {until}).\nIn the group that should become the staff room, send \"スタッフ登録 {code}\"."),
        Text::ChatJoined => "This is the safety-check service. To make this group the staff room, send \"スタッフ登録 CODE\".".into(),
        Text::ButtonNoLongerValid => "This button can no longer be used.".into(),
        Text::Never => "none yet".into(),
        Text::NoContacts => "none".into(),
        Text::SettingsSummary { schedule, zone, next, pause, contacts } => format!(
            "[Your settings]\nChecks: {schedule} ({zone})\nNext check: {next}\nPause: {pause}\nContacts: {contacts}"
        ),
        Text::NotPaused => "none".into(),
        Text::PausedUntil { resume_on } => format!("resuming {resume_on}"),
        Text::ChangeScheduleLabel => "Change time".into(),
        Text::PauseLabel => "Take a break".into(),
        Text::AskCadence => "How often shall we check on you?".into(),
        Text::CadenceDay => "Every day".into(),
        Text::CadenceDays { n } => format!("Every {n} days"),
        Text::CadenceWeek => "Once a week".into(),
        Text::AskWeekday => "On which day of the week?".into(),
        Text::AskTime => "At what time? Please tap \"Pick a time\" below.".into(),
        Text::PickTimeLabel => "Pick a time".into(),
        Text::ScheduleChanged { schedule, next } => format!("Your checks are now: {schedule}.\nThe next check is {next}."),
        Text::AskPause => "How long will you be away? We send no checks while you are away.".into(),
        Text::PauseDaysLabel { days: 7 } => "1 week".into(),
        Text::PauseDaysLabel { days: 14 } => "2 weeks".into(),
        Text::PauseDaysLabel { days } => format!("{days} days"),
        Text::PickDateLabel => "Pick return date".into(),
        Text::EndPauseLabel => "End the break".into(),
        Text::Paused { last_day, resume_on } => format!(
            "No checks until {last_day}. They resume by themselves on {resume_on}.\nTake care."
        ),
        Text::PauseEnded => "Your break is over. Checks start again today.".into(),
        Text::PauseEndedByMember { next } => format!("Your break has ended. The next check is {next}."),
        Text::PauseDateInvalid => "Please choose a return date from tomorrow up to 90 days from now.".into(),
        Text::ZoneChanged { zone, next } => format!("Your time zone is now {zone}.\nThe next check is {next} local time."),
        Text::OnlyForMembers => "This is for people who are watched over.".into(),
        Text::CheckInThanks => "Thank you. We have noted that you are well.".into(),
        Text::CheckInAhead { next } => format!("Thank you. We have noted that you are well.\nWe will not send the next check ({next})."),
        Text::MenuCheckInLabel => "I'm fine".into(),
        Text::MenuSettingsLabel => "Settings".into(),
        Text::MenuBarText => "Menu".into(),
        Text::TakeCasePrompt { case_number } => format!("Case #{case_number} needs someone. Whoever takes it, please tap below."),
        Text::TakeCaseLabel => "I'll take it".into(),
        Text::CaseTaken { case_number, by } => format!("{by} is taking case #{case_number}."),
        Text::CaseAlreadyTaken { case_number, by } => format!("{by} is already taking case #{case_number}."),
        Text::CaseAlreadyResolved { case_number } => format!("Case #{case_number} is resolved (the member answered)."),
        Text::StaffOnly => "This button works only in the registered staff room.".into(),
        Text::StaffUnidentified { command } => format!("LINE did not say who pressed this (LINE for PC, for instance).\nPlease send 「{command}」 instead."),
        Text::MemberErased => "(a member who has left)".into(),
        Text::ProfileThanks => "Thank you.".into(),
        Text::LeftWithOpenCase { case_number, member } => format!("[Left] #{case_number} {member} left the service, and the case was erased with their records. If you do not know how they are, keep checking with their family."),
        Text::BlockedMark => " (blocked the account on LINE: not alerted)".into(),
        Text::ContactBlockedToMember { contact } => format!("Your contact {contact} blocked this account on LINE, so they will not hear from us. You can register someone else as a contact too."),
        Text::MemberBlocked { member, member_short, unanswered, days } => format!(
            "[Blocked] {member} (ID ending {member_short}) blocked the account: LINE can no longer reach them (their record is erased in {days} days). {}Please check on them by phone or in person.",
            if *unanswered { "A check was unanswered when they blocked. " } else { "" }
        ),
        Text::ChecksMissed { count, lines } => format!("[Missed checks] The checks below, {count} in all, were never sent (a system fault). Their schedules have been recreated. Please check on them to be safe.\n{lines}"),
        Text::SystemIncident { count, lines } => format!("[System fault] {count} checks due in the last hour were never sent. So many at once means the system itself has failed; the operator has been alarmed. The schedules have been recreated. Until it is fixed, please check directly on those you worry about most.\n{lines}"),
        Text::MissedLine { member, member_short, slot } => format!("- {member} (ID ending {member_short}) {slot}"),
        Text::AndOthers { count } => format!("and {count} more"),
        Text::CheckMissed { member, member_short, slot } => format!("[Missed check] The check of {slot} was never sent to {member} (ID ending {member_short}): a system fault. Their schedule has been recreated. Please check on them to be safe."),
        Text::ClearPhoneLabel => "Remove the number".into(),
        Text::ContactPhoneCleared { contact } => format!("{contact}'s phone number is removed."),
        Text::CaseOverForContact => "Thank you. Our staff have already closed this matter.".into(),
        Text::ReportMonthInvalid => "Write the month like this: 月次レポート 2026-11".into(),
        Text::CallPrompt { case_number } => format!("Record each call or visit for #{case_number} with the buttons below. Tap \"Close\" when it is over."),
        Text::CallLabel(k) => match k { CallKind::ReachedMember => "Talked to member: OK", CallKind::NoAnswer => "No answer/voicemail", CallKind::ReachedContact => "Talked to a contact", CallKind::Dispatched => "Visit/police asked" }.into(),
        Text::CloseLabel => "Close".into(),
        Text::CallRecorded { case_number, call, by } => format!("Recorded on #{case_number}: {call} ({by})"),
        Text::ConfirmClose { case_number, outcome } => format!("Closing #{case_number} as \"{outcome}\" stops all of this person's checks. Are you sure?"),
        Text::ConfirmCloseLabel => "Yes, close it".into(),
        Text::BackLabel => "Choose again".into(),
        Text::AskOutcome { case_number } => format!("Closing #{case_number}. Choose how it ended."),
        Text::OutcomeLabel(o) => match o { Outcome::Answered => "Member answered", Outcome::ConfirmedByContact => "Contact said safe", Outcome::Safe => "Safe", Outcome::Hospitalised => "Hospitalised", Outcome::Deceased => "Deceased", Outcome::Other => "Other" }.into(),
        Text::CaseClosed { case_number, outcome, by } => format!("#{case_number} is closed (outcome: {outcome}, by {by}).\nAdd a note by sending \"メモ #{case_number} your note\"."),
        Text::CaseAlreadyClosed { case_number, outcome } => format!("#{case_number} is already closed (outcome: {outcome})."),
        Text::UnreachedReason(why) => match why {
            Unreached::NoStaffRoom => "no staff room is registered",
            Unreached::QuotaExhausted => "LINE's monthly message quota is used up",
            Unreached::TokenRefused => "LINE refuses the access token",
            Unreached::RoomRefused => "LINE refused the push to the staff room",
        }
        .into(),
        Text::StaffPage(StaffPage::Case { case, member_short, why, .. }) => format!(
            "[mimamori] Case #{case} (member ID {member_short}) has not reached the staff room ({}). Please follow it up, for instance by calling the member's contacts.{}",
            Text::UnreachedReason(*why).render(crate::member::Lang::En),
            match why {
                Unreached::QuotaExhausted => format!(" Send 「案件 #{case}」 in the staff room to see it (replies still work)."),
                _ => String::new(),
            }
        ),
        Text::StaffPage(StaffPage::StaffRoomLost { .. }) => "[mimamori] The bot was removed from the staff room. Until one is registered again, staff are not told of members who do not answer. Invite the bot to a group and send the staff-room code.".into(),
        Text::ChecksResumed { case_number, member, next } => format!("The death recorded for #{case_number} is withdrawn and {member}'s checks start again. The next check is {next}."),
        Text::ChecksResumeNotDeceased { case_number } => format!("#{case_number} was not closed as deceased: there is nothing to start again."),
        Text::ChecksResumeMemberGone { case_number } => format!("The member of #{case_number} has been erased already, so their checks cannot start again. They need to join again."),
        Text::DeceasedUndoHint { case_number } => format!("Checks to this member have stopped. If this was a mistake, send \"再開 #{case_number}\" to start them again."),
        Text::CaseNotTaken { case_number } => format!("Nobody has taken #{case_number} yet. Tap \"Take it\" first."),
        Text::CaseUnknown { case_number } => format!("There is no case #{case_number}."),
        Text::NoteRecorded { case_number } => format!("Note added to #{case_number}."),
        Text::CaseHistory { case_number, member, contacts, lines } => format!("Case #{case_number}: {member}\nContacts: {contacts}\n{lines}"),
        Text::Reannounce { case_number, member, since } => format!("[Reminder] #{case_number} {member}: no answer since {since}, and nobody has taken the case yet."),
        Text::MentionOnDuty { case_number } => format!("{{duty}} please see to #{case_number}: nobody has taken it yet."),
        Text::RemindTaker { case_number, member } => format!("{{taker}} how is #{case_number} {member} going? When it is done, record the result with 「終了」."),
        Text::ReleasedNotClosed { case_number, member, by } => format!("[Reminder] #{case_number} {member}: {by} took the case but it has not been closed. Could someone take it?"),
        Text::ReleasedTakerLeft { case_number, member, by } => format!("[Reminder] #{case_number} {member}: {by}, who had the case, left the staff room. Could someone take it?"),
        Text::AlertToContactAgain { member } => format!("[Safety check] We still cannot reach {member}. If you have checked on them, please tell us with the button below."),
        Text::SafeLabel => "They are safe".into(),
        Text::ConfirmedSafeToContact { member, by } => format!("[Safety check] {by} has confirmed that {member} is safe."),
        Text::ConfirmedSafeToStaff { case_number, member, by } => format!("[Resolved] #{case_number} {member}: {by} confirmed they are safe."),
        Text::SafeThanks => "Thank you. We have told everyone.".into(),
        Text::OnDutySet { name } => format!("{name} is now on duty and will be mentioned here about untaken cases."),
        Text::StaffJoined { name } => format!("{name} is now registered as staff."),
        Text::AskAgeBand => "If you do not mind, what is your age group? (Used only for the operator's statistics.)".into(),
        Text::AgeBandLabel(a) => match a { AgeBand::Under60 => "Under 60", AgeBand::Sixties => "60s", AgeBand::Seventies => "70s", AgeBand::Eighties => "80s", AgeBand::NinetyPlus => "90 or over" }.into(),
        Text::AskGender => "And your gender, if you do not mind?".into(),
        Text::GenderLabel(g) => match g { Gender::Female => "Female", Gender::Male => "Male", Gender::Other => "Other" }.into(),
        Text::SkipLabel => "Skip".into(),
        Text::AskContactPhone { contact } => format!("Please send {contact}'s phone number (e.g. 090-1234-5678). Staff use it only in an emergency."),
        Text::ConfirmContactPhone { contact, phone } => format!("Is {contact}'s phone number {phone}?"),
        Text::ContactPhoneSaved { contact } => format!("{contact}'s phone number is saved. Only staff can see it."),
        Text::PhoneInvalid => "That does not look like a phone number. Please send digits and hyphens (e.g. 090-1234-5678).".into(),
        Text::PhoneLabel { name } => format!("Phone: {name}"),
        Text::YesLabel => "Yes".into(),
        Text::NoLabel => "No".into(),
        Text::ContactsList { contacts, count } => format!("Contacts ({count}): {contacts}\nTo remove one, choose below."),
        Text::RemoveContactLabel { name } => format!("Remove {name}"),
        Text::AddContactLabel => "Add contact".into(),
        Text::ContactsLabel => "Contacts".into(),
        Text::ContactRemoved { contact } => format!("{contact} is no longer one of your contacts."),
        Text::RemovedFromContacts { member } => format!("[Safety check] You are no longer a contact of {member}. You will not receive their notices."),
        Text::LanguageSet => "We will write to you in English from now on.".into(),
        Text::Introduction => "Thank you for adding us. This is the safety-check service.\nAt a set time we ask \"Are you well?\"; tapping the button is your answer.\nIf you do not answer, we ask once more, and then tell your contacts and our staff.".into(),
        Text::Consent { url } => format!("We keep your name (your LINE display name) and your answers, only to watch over you.\nDetails: {url}\nDo you agree?"),
        Text::ConsentYesLabel => "I agree".into(),
        Text::ConsentNoLabel => "I do not agree".into(),
        Text::ConsentThanks => "Thank you, you are registered.\nHow often shall we check on you? (You can change it later in Settings.)".into(),
        Text::Declined => "Understood. Nothing has been registered.\nSend \"start\" whenever you would like to begin.".into(),
        Text::OfferContact => "Would you like to register a family member or friend to be told if you do not answer?".into(),
        Text::LaterLabel => "Later".into(),
        Text::OnboardingDone { schedule } => format!("All set. {schedule} we will ask \"Are you well?\".\nThe \"I'm fine\" button in the menu below works any time."),
        Text::LeaveConfirm => "If you leave, the checks stop and everything you registered is erased.\nYour contacts will be told. Do you want to leave?".into(),
        Text::LeaveYesLabel => "Leave".into(),
        Text::LeaveNoLabel => "Stay".into(),
        Text::LeaveDone => "You have left, and everything you registered has been erased.\nThank you. Add us as a friend again any time to start over.".into(),
        Text::LeaveCancelled => "You are staying with us. We will keep watching over you.".into(),
        Text::MemberLeftToContact { member } => format!("[Safety check] The safety checks for {member} have ended, and your registration as their contact has been erased.\nThank you for your help."),
        Text::ContactLeftToMember { contact } => format!("{contact} is no longer one of your contacts."),
        Text::ZoneUnknown => "We did not recognise that time zone. Please send, for example, \"timezone America/Los_Angeles\".".into(),
    }
}
