//! The operator's report tool (`--bin report`): the figures of each month and since the
//! start, from the facts in the table, as a table for the terminal and as CSV.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use mimamori::ids::OperatorId;
use mimamori::ports::{Facts, StoreError};
use mimamori::report::{self, Figures};

/// Every month from the first fact to `now`'s (or only `month`), then `all`: settled
/// months from their roll-ups, as the staff room's 「月次レポート」 reads them.
pub async fn periods(
    store: &dyn Facts,
    operator: &OperatorId,
    month: Option<&str>,
    now: Timestamp,
    zone: &TimeZone,
) -> Result<Vec<(String, Figures)>, StoreError> {
    let months = mimamori::app::report::months(store, operator, now, zone).await?;
    Ok(report::periods_of(&months, month))
}

/// One row per figure, one column per period.
pub fn table(periods: &[(String, Figures)]) -> String {
    let Some((_, first)) = periods.first() else {
        return "no facts recorded yet\n".into();
    };
    let names: Vec<String> = report::rows(first).into_iter().map(|(n, _)| n).collect();
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let mut out = format!("{:width$}", "figure");
    for (period, _) in periods {
        out.push_str(&format!(" {period:>8}"));
    }
    out.push('\n');
    let columns: Vec<Vec<(String, i64)>> = periods.iter().map(|(_, f)| report::rows(f)).collect();
    for (i, name) in names.iter().enumerate() {
        out.push_str(&format!("{name:width$}"));
        for column in &columns {
            out.push_str(&format!(" {:>8}", column[i].1));
        }
        out.push('\n');
    }
    out
}
