//! Cases: the case record, its number and its append-only events.

use super::*;
use crate::ports::Cases;

#[async_trait]
impl Cases for DynamoStore {
    async fn next_case_number(&self, op: &OperatorId) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::operator(op)))
            .key("sk", s(keys::CASE_COUNTER))
            .update_expression("SET n = if_not_exists(n, :base) + :one")
            .expression_attribute_values(":base", n(FIRST_CASE_NUMBER))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(dynamo_error("UpdateItem"))?;
        out.attributes
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

    async fn take_case(&self, op: &OperatorId, number: u64, by: &Actor, at: Timestamp) -> Result<Written, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::case(op, number)))
            .key("sk", s(keys::CASE))
            .update_expression("SET taken_by = :by, taken_by_name = :name")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(taken_by)")
            .expression_attribute_values(":by", s(by.id.as_str()))
            .expression_attribute_values(":name", s(&by.name))
            .build()
            .map_err(build_error("case"))?;
        let taken = CaseEvent::Taken { by: by.clone() };
        let change = TransactWriteItem::builder().update(update).build();
        self.case_change("TransactWriteItems(take_case)", op, number, change, &[taken], at)
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
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::case(op, number)))
            .key("sk", s(keys::CASE))
            .update_expression("SET outcome = :outcome REMOVE next_follow_up")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(outcome)")
            .expression_attribute_values(":outcome", attr("outcome", &outcome)?)
            .build()
            .map_err(build_error("case"))?;
        let closed = CaseEvent::Closed {
            outcome,
            by: by.cloned(),
        };
        let change = TransactWriteItem::builder().update(update).build();
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
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::case(op, number)))
            .key("sk", s(keys::CASE))
            .condition_expression(
                "attribute_exists(pk) AND follow_ups = :from AND attribute_not_exists(taken_by) \
                 AND attribute_not_exists(outcome)",
            )
            .expression_attribute_values(":from", n(step.from))
            .expression_attribute_values(":to", n(step.to))
            .expression_attribute_values(":levels", n(step.levels_done));
        update = match step.next {
            Some(next) => update
                .update_expression("SET follow_ups = :to, levels_done = :levels, next_follow_up = :next")
                .expression_attribute_values(":next", attr("case", &next)?),
            None => update.update_expression("SET follow_ups = :to, levels_done = :levels REMOVE next_follow_up"),
        };
        let change = TransactWriteItem::builder()
            .update(update.build().map_err(build_error("case"))?)
            .build();
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
