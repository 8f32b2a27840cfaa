//! The webhook function: LINE's events arrive here through a Lambda Function URL.

use lambda_http::{Body, Request, Response};
use mimamori::app::webhook::{WebhookResponse, handle, route};
use mimamori::app::{App, AppError};

/// What the webhook function needs besides the table and LINE: everything, since staff
/// and members act on cases and settings from LINE (the pager: the bot removed from the
/// staff room).
pub const NEEDS: mimamori::app::wiring::Needs = mimamori::app::wiring::Needs {
    scheduler: true,
    queue: true,
    pager: true,
    channel_secret: true,
    staff_room_code: true,
};

/// Turns a Function URL request into the answer LINE gets: 200 when every event was
/// handled, 401 for a bad signature, 400 for a body that is not a webhook, 404 for a
/// path that names no operator served here, 503 when another attempt is still
/// processing an event (LINE redelivers), 500 (so LINE redelivers) when an event could
/// not be handled now.
pub async fn handler(app: &App, request: Request) -> Result<Response<Body>, lambda_http::Error> {
    let Some(app) = route(app, request.uri().path()) else {
        tracing::warn!("webhook_unknown_operator");
        return respond(404, "no such webhook".to_owned());
    };
    let app = &app;
    let signature = request.headers().get("x-line-signature").and_then(|v| v.to_str().ok());
    let body: &[u8] = match request.body() {
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    // LINE waits 2 s for the answer: the event's LINE calls share a budget within it.
    let answer_by = std::time::Instant::now() + mimamori::adapters::line::WEBHOOK_LINE_BUDGET;
    let handled = mimamori::adapters::line::answering_by(answer_by, Box::pin(handle(app, body, signature))).await;
    let (status, text) = match handled {
        Ok(WebhookResponse::Ok {
            handled,
            duplicates,
            ignored,
        }) => {
            tracing::info!(handled = handled.len(), duplicates, ignored, "webhook_ok");
            (200, "ok".to_owned())
        }
        Ok(WebhookResponse::InFlight { in_flight }) => {
            tracing::warn!(in_flight, "webhook_in_flight");
            (503, "being processed; try again".to_owned())
        }
        Ok(WebhookResponse::Unauthorized(e)) => {
            tracing::warn!(reason = %e, "webhook_unauthorized");
            (401, e.to_string())
        }
        Ok(WebhookResponse::BadRequest(e)) => {
            tracing::warn!(reason = %e, "webhook_bad_request");
            (400, "body is not a LINE webhook".to_owned())
        }
        Err(e @ AppError::Misconfigured(_)) => {
            tracing::error!(error = %e, "webhook_misconfigured");
            (500, "internal error".to_owned())
        }
        Err(e) => {
            tracing::error!(error = %e, "webhook_failed");
            (500, "try again".to_owned())
        }
    };
    respond(status, text)
}

fn respond(status: u16, text: String) -> Result<Response<Body>, lambda_http::Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(Body::from(text))?)
}
