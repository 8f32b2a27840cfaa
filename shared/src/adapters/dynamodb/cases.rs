//! Cases: the case record, its number and its append-only events.

use super::*;
use crate::ports::Cases;

#[async_trait]
impl Cases for DynamoStore {
    async fn next_case_number(&self, op: &OperatorId) -> Result<u64, StoreError> {
        let counter = ItemUpdate::new(
            keys::operator(op),
            keys::CASE_COUNTER,
            "SET n = if_not_exists(n, :base) + :one",
        )
        .value(":base", n(FIRST_CASE_NUMBER))
        .value(":one", n(1));
        self.update_returning(counter)
            .await?
            .and_then(|a| a.get("n").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()))
            .ok_or_else(|| corrupt("case counter")("no number returned"))
    }

    async fn open_case(&self, op: &OperatorId, case: &crate::case::Case) -> Result<Written, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                "case",
                keys::case(op, case.number),
                keys::CASE.into(),
                case,
                None,
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error("case"))?;
        let opened = CaseEvent::Opened { check: case.check };
        let change = TransactWriteItem::builder().put(put).build();
        self.case_change(
            "TransactWriteItems(open_case)",
            op,
            case.number,
            change,
            &[opened],
            case.opened(),
        )
        .await
    }

    async fn case(&self, op: &OperatorId, number: u64) -> Result<Option<crate::case::Case>, StoreError> {
        self.get(keys::case(op, number), keys::CASE)
            .await?
            .map(|i| read("case", i))
            .transpose()
    }

    async fn change_taker(
        &self,
        op: &OperatorId,
        number: u64,
        change: &TakerChange,
        at: Timestamp,
    ) -> Result<Written, StoreError> {
        let (pk, sk) = (keys::case(op, number), keys::CASE);
        let (update, by, next) = match change {
            TakerChange::Take { by, next } => (
                ItemUpdate::new(
                    pk,
                    sk,
                    "SET taken_by = :by, taken_by_name = :name, taken_at = :at, next_follow_up = :next \
                     REMOVE taker_reminded_at",
                )
                .when("attribute_exists(pk) AND attribute_not_exists(taken_by)")
                .value(":name", s(&by.name))
                .value(":at", attr("case", &at)?),
                by,
                next,
            ),
            TakerChange::Remind { by, next } => (
                ItemUpdate::new(pk, sk, "SET taker_reminded_at = :at, next_follow_up = :next")
                    .when(
                        "taken_by = :by AND attribute_not_exists(outcome) AND attribute_not_exists(taker_reminded_at)",
                    )
                    .value(":at", attr("case", &at)?),
                by,
                next,
            ),
            TakerChange::Release { by, next, .. } => (
                ItemUpdate::new(
                    pk,
                    sk,
                    "SET next_follow_up = :next REMOVE taken_by, taken_by_name, taken_at, taker_reminded_at",
                )
                .when("taken_by = :by AND attribute_not_exists(outcome)"),
                by,
                next,
            ),
        };
        let update = update
            .value(":by", s(by.id.as_str()))
            .value(":next", attr("case", next)?)
            .in_transaction(&self.table, "case")?;
        self.case_change(
            "TransactWriteItems(change_taker)",
            op,
            number,
            update,
            &[change.event()],
            at,
        )
        .await
    }

    async fn close_case(
        &self,
        op: &OperatorId,
        number: u64,
        outcome: Outcome,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Written, StoreError> {
        let change = ItemUpdate::new(
            keys::case(op, number),
            keys::CASE,
            "SET outcome = :outcome REMOVE next_follow_up",
        )
        .when("attribute_exists(pk) AND attribute_not_exists(outcome)")
        .value(":outcome", attr("outcome", &outcome)?)
        .in_transaction(&self.table, "case")?;
        let closed = CaseEvent::Closed {
            outcome,
            by: by.cloned(),
        };
        self.case_change("TransactWriteItems(close_case)", op, number, change, &[closed], at)
            .await
    }

    async fn advance_follow_up(
        &self,
        op: &OperatorId,
        number: u64,
        step: &FollowUpStep,
        events: &[CaseEvent],
        at: Timestamp,
    ) -> Result<Written, StoreError> {
        let (pk, sk) = (keys::case(op, number), keys::CASE);
        let update = match step.next {
            Some(next) => ItemUpdate::new(
                pk,
                sk,
                "SET follow_ups = :to, levels_done = :levels, next_follow_up = :next",
            )
            .value(":next", attr("case", &next)?),
            None => ItemUpdate::new(
                pk,
                sk,
                "SET follow_ups = :to, levels_done = :levels REMOVE next_follow_up",
            ),
        };
        let change = update
            .when(
                "attribute_exists(pk) AND follow_ups = :from AND attribute_not_exists(taken_by) \
                 AND attribute_not_exists(outcome)",
            )
            .value(":from", n(step.from))
            .value(":to", n(step.to))
            .value(":levels", n(step.levels_done))
            .in_transaction(&self.table, "case")?;
        self.case_change("TransactWriteItems(advance_follow_up)", op, number, change, events, at)
            .await
    }

    async fn record_case_event(
        &self,
        op: &OperatorId,
        number: u64,
        at: Timestamp,
        event: &CaseEvent,
        key: Option<&str>,
    ) -> Result<(), StoreError> {
        self.mention(op, &event.people(), None, &keys::case(op, number), "")
            .await?;
        let Some(key) = key else {
            self.put(self.case_event_item(op, number, at, event)?).await?;
            return Ok(());
        };
        // With a key: a marker written once, in the same transaction as the event, so a
        // redelivery finds the marker and records nothing.
        let marker = Put::builder()
            .table_name(&self.table)
            .item("pk", s(keys::case(op, number)))
            .item("sk", s(keys::case_event_key(key)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(build_error("case event"))?;
        let items = vec![
            TransactWriteItem::builder().put(marker).build(),
            self.case_event_put(op, number, at, event)?,
        ];
        // `Conflict`: recorded before.
        self.transact("TransactWriteItems(record_case_event)", items)
            .await
            .map(|_| ())
    }

    async fn case_history(&self, op: &OperatorId, number: u64) -> Result<Vec<(Timestamp, CaseEvent)>, StoreError> {
        self.query_prefix(keys::case(op, number), keys::CASE_EVENTS)
            .await?
            .into_iter()
            .map(|i| read::<CaseEventRecord>("case event", i).map(|r| (r.at, r.event)))
            .collect()
    }
}
