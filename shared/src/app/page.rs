//! Paging staff outside LINE when LINE cannot reach the staff room (see `crate::page`):
//! once per case, recorded in the case's history.

use super::{App, AppError};
use crate::case::CaseEvent;
use crate::check::Check;
use crate::ids::UserId;
use crate::line::texts::Text;
use crate::page::{StaffPage, Unreached};

/// The key of a case's `StaffPaged` event: a case is paged once, whatever else fails.
const PAGED: &str = "staff_paged";

/// Pages staff about the check's case, unless they were paged about it before. Paged
/// first and recorded after: a crash between the two pages twice, never not at all.
pub(crate) async fn page_case(app: &App, check: &Check, member: &UserId, why: Unreached) -> Result<(), AppError> {
    let op = &app.operator.id;
    let Some(number) = check.case_number else {
        return Ok(());
    };
    let history = app.cases.case_history(op, number).await?;
    if history.iter().any(|(_, e)| matches!(e, CaseEvent::StaffPaged { .. })) {
        return Ok(());
    }
    let page = StaffPage::Case {
        operator: op.clone(),
        case: number,
        member_short: member.short().to_owned(),
        why,
    };
    send(app, &page).await?;
    app.cases
        .record_case_event(op, number, app.clock.now(), &CaseEvent::StaffPaged { why }, Some(PAGED))
        .await?;
    tracing::warn!(case = number, why = why.as_str(), "staff_paged");
    Ok(())
}

/// Sends a page in the staff's language.
pub(crate) async fn send(app: &App, page: &StaffPage) -> Result<(), AppError> {
    let body = Text::StaffPage(page.clone()).render(app.operator.staff_lang);
    app.pager.page(&page.subject(), &body).await?;
    Ok(())
}
