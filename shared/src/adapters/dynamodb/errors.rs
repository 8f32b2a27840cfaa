//! The one place an SDK error becomes a `StoreError`: throttling, a cancelled
//! transaction, a refused (invalid) request and an unavailable service stay apart, and
//! only a failed condition is read as `Written::Conflict`.

use crate::ports::{CancellationReason, StoreError, Written};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use std::error::Error;
use std::fmt::Debug;

/// Classifies an SDK error of operation `op`.
pub(super) fn classify<E, R>(op: &'static str, e: &SdkError<E, R>) -> StoreError
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    // A validation message may quote a key, which holds a LINE id.
    let message = crate::pseudonym::redact_ids(&DisplayErrorContext(e).to_string());
    match e {
        SdkError::ServiceError(se) => match se.err().code() {
            Some("ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded") => {
                StoreError::Throttled { op }
            }
            Some("ValidationException") => StoreError::Invalid { op, message },
            _ => StoreError::Unavailable { op, message },
        },
        SdkError::ConstructionFailure(_) => StoreError::Invalid { op, message },
        _ => StoreError::Unavailable { op, message },
    }
}

/// `map_err` form of `classify`.
pub(super) fn dynamo_error<E, R>(op: &'static str) -> impl FnOnce(SdkError<E, R>) -> StoreError
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    move |e| classify(op, &e)
}

/// A builder refused what we built: a programming error.
pub(super) fn build_error(what: &'static str) -> impl Fn(aws_sdk_dynamodb::error::BuildError) -> StoreError + Copy {
    move |e| StoreError::Invalid {
        op: what,
        message: e.to_string(),
    }
}

/// A single conditional write's outcome: a failed condition is `Conflict`, not an error.
pub(super) fn conditional<T, E, R>(op: &'static str, result: Result<T, SdkError<E, R>>) -> Result<Written, StoreError>
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    match result {
        Ok(_) => Ok(Written::Done),
        Err(e) if e.as_service_error().and_then(|se| se.code()) == Some("ConditionalCheckFailedException") => {
            Ok(Written::Conflict)
        }
        Err(e) => Err(classify(op, &e)),
    }
}

/// A transaction's outcome: `Conflict` only when every item that failed failed its
/// condition; a cancellation for any other reason (a conflicting transaction,
/// throttling, validation) is an error the caller retries.
pub(super) fn transacted<T, R: Debug>(
    op: &'static str,
    result: Result<T, SdkError<TransactWriteItemsError, R>>,
) -> Result<Written, StoreError> {
    let e = match result {
        Ok(_) => return Ok(Written::Done),
        Err(e) => e,
    };
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = e.as_service_error() else {
        return Err(classify(op, &e));
    };
    // DynamoDB gives one reason per item, "None" for the items that did not fail.
    let reasons: Vec<CancellationReason> = cancelled
        .cancellation_reasons()
        .iter()
        .filter_map(|r| r.code())
        .filter(|code| *code != "None")
        .map(CancellationReason::from_code)
        .collect();
    if !reasons.is_empty() && reasons.iter().all(|r| *r == CancellationReason::ConditionalCheckFailed) {
        Ok(Written::Conflict)
    } else {
        Err(StoreError::Cancelled { op, reasons })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    use aws_sdk_dynamodb::types::CancellationReason as Reason;
    use aws_sdk_dynamodb::types::error::{ConditionalCheckFailedException, TransactionCanceledException};

    fn cancelled(codes: &[&str]) -> SdkError<TransactWriteItemsError, ()> {
        let reasons = codes.iter().map(|c| Reason::builder().code(*c).build()).collect();
        let err = TransactionCanceledException::builder()
            .set_cancellation_reasons(Some(reasons))
            .meta(ErrorMetadata::builder().code("TransactionCanceledException").build())
            .build();
        SdkError::service_error(TransactWriteItemsError::TransactionCanceledException(err), ())
    }

    fn cancel(codes: &[&str]) -> Result<Written, StoreError> {
        transacted::<(), _>("TransactWriteItems", Err(cancelled(codes)))
    }

    fn put_failed(code: &str) -> SdkError<PutItemError, ()> {
        SdkError::service_error(PutItemError::generic(ErrorMetadata::builder().code(code).build()), ())
    }

    #[test]
    fn a_transaction_whose_only_failures_are_conditions_is_a_conflict() {
        let outcome = cancel(&["None", "ConditionalCheckFailed", "None"]);
        assert_eq!(outcome.unwrap(), Written::Conflict);
    }

    #[test]
    fn a_transaction_cancelled_by_a_conflicting_one_is_an_error_not_a_conflict() {
        let outcome = cancel(&["ConditionalCheckFailed", "TransactionConflict"]);
        match outcome {
            Err(StoreError::Cancelled { reasons, .. }) => assert_eq!(
                reasons,
                vec![
                    CancellationReason::ConditionalCheckFailed,
                    CancellationReason::TransactionConflict
                ]
            ),
            other => panic!("expected Cancelled, got {other:?}"),
        }
    }

    #[test]
    fn a_throttled_transaction_is_an_error_with_its_reasons() {
        match cancel(&["ThrottlingError", "ValidationError", "Odd"]) {
            Err(StoreError::Cancelled { reasons, .. }) => assert_eq!(
                reasons,
                vec![
                    CancellationReason::ThrottlingError,
                    CancellationReason::ValidationError,
                    CancellationReason::Other("Odd".into())
                ]
            ),
            other => panic!("expected Cancelled, got {other:?}"),
        }
    }

    #[test]
    fn a_cancellation_without_reasons_is_not_read_as_a_conflict() {
        assert!(matches!(cancel(&[]), Err(StoreError::Cancelled { .. })));
    }

    #[test]
    fn a_failed_condition_is_a_conflict() {
        let err = ConditionalCheckFailedException::builder()
            .meta(ErrorMetadata::builder().code("ConditionalCheckFailedException").build())
            .build();
        let result: Result<(), _> = Err(SdkError::<_, ()>::service_error(
            PutItemError::ConditionalCheckFailedException(err),
            (),
        ));
        assert_eq!(conditional("PutItem", result).unwrap(), Written::Conflict);
    }

    #[test]
    fn throttling_is_classified_once_whatever_its_code() {
        for code in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
        ] {
            assert!(matches!(
                conditional::<(), _, _>("PutItem", Err(put_failed(code))),
                Err(StoreError::Throttled { op: "PutItem" })
            ));
        }
    }

    #[test]
    fn validation_is_invalid_and_other_service_failures_are_unavailable() {
        assert!(matches!(
            classify("PutItem", &put_failed("ValidationException")),
            StoreError::Invalid { op: "PutItem", .. }
        ));
        assert!(matches!(
            classify("PutItem", &put_failed("InternalServerError")),
            StoreError::Unavailable { op: "PutItem", .. }
        ));
        let timeout: SdkError<PutItemError, ()> = SdkError::timeout_error("no answer");
        assert!(matches!(classify("PutItem", &timeout), StoreError::Unavailable { .. }));
        let construction: SdkError<PutItemError, ()> = SdkError::construction_failure("bad request");
        assert!(matches!(classify("PutItem", &construction), StoreError::Invalid { .. }));
    }
}
