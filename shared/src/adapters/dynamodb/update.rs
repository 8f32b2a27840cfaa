//! The one way an item is updated: `ItemUpdate` names the key, the expression, the
//! condition and the placeholders once, and is written alone (`DynamoStore::update`,
//! `update_returning`) or as one item of a transaction (`in_transaction`).

use super::DynamoStore;
use super::codec::{Item, s};
use super::errors::{build_error, conditional, dynamo_error};
use crate::ports::{StoreError, Written};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};
use std::collections::HashMap;

/// An update of one item.
#[derive(Clone, Debug)]
pub(super) struct ItemUpdate {
    pk: String,
    sk: String,
    expression: String,
    condition: Option<String>,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

impl ItemUpdate {
    /// Updates the item at `pk`/`sk` with `expression` (`SET …`, `ADD …`, `REMOVE …`).
    pub fn new(pk: impl Into<String>, sk: impl Into<String>, expression: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            expression: expression.into(),
            condition: None,
            names: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Only if `condition` holds; otherwise the write is `Written::Conflict`.
    pub fn when(mut self, condition: impl Into<String>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// `#placeholder` stands for `attribute` (for reserved words such as `status`).
    pub fn name(mut self, placeholder: &'static str, attribute: &'static str) -> Self {
        self.names.push((placeholder, attribute));
        self
    }

    /// `:placeholder` is `value`.
    pub fn value(mut self, placeholder: &'static str, value: AttributeValue) -> Self {
        self.values.push((placeholder, value));
        self
    }

    /// As one item of a transaction; `what` names the record in a build error.
    pub fn in_transaction(self, table: &str, what: &'static str) -> Result<TransactWriteItem, StoreError> {
        let (names, values) = (self.names(), self.values());
        let update = Update::builder()
            .table_name(table)
            .key("pk", s(self.pk))
            .key("sk", s(self.sk))
            .update_expression(self.expression)
            .set_condition_expression(self.condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .build()
            .map_err(build_error(what))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| {
            self.names
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        })
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }
}

impl DynamoStore {
    fn update_item(
        &self,
        u: ItemUpdate,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        let (names, values) = (u.names(), u.values());
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(u.pk))
            .key("sk", s(u.sk))
            .update_expression(u.expression)
            .set_condition_expression(u.condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
    }

    /// Writes the update alone; a failed condition is `Conflict`.
    pub(super) async fn update(&self, u: ItemUpdate) -> Result<Written, StoreError> {
        conditional("UpdateItem", self.update_item(u).send().await)
    }

    /// Writes the update and returns the item as it is afterwards, or `None` if its
    /// condition failed.
    pub(super) async fn update_returning(&self, u: ItemUpdate) -> Result<Option<Item>, StoreError> {
        let conditioned = u.condition.is_some();
        match self.update_item(u).return_values(ReturnValue::AllNew).send().await {
            Ok(out) => Ok(Some(out.attributes.unwrap_or_default())),
            Err(e)
                if conditioned
                    && e.as_service_error()
                        .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(dynamo_error("UpdateItem")(e)),
        }
    }
}
