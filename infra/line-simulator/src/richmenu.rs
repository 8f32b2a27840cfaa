//! Rich menu endpoints: create, validate, list, images, default menu, per-user links (LINE-API.md 5).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::http::{ApiResponse, Call, Outcome, finish};
use crate::ids;
use crate::messages::Checker;
use crate::state::RichMenu;

/// Rich menu images may be at most 1 MB [LINE-API.md 5].
const MAX_IMAGE: usize = 1024 * 1024;
const MAX_BULK_USERS: usize = 500;

pub(crate) enum Op {
    Create,
    Validate,
    List,
    Get(String),
    Delete(String),
    Upload(String),
    Download(String),
    SetDefault(String),
    GetDefault,
    ClearDefault,
    Link(String, String),
    LinkedTo(String),
    Unlink(String),
    BulkLink,
    BulkUnlink,
}

impl Op {
    /// `rest` is the path after `/v2/bot/`.
    pub(crate) fn parse(method: &str, rest: &[&str]) -> Option<Op> {
        let s = |v: &&str| (*v).to_owned();
        let op = match (method, rest) {
            ("POST", ["richmenu"]) => Op::Create,
            ("POST", ["richmenu", "validate"]) => Op::Validate,
            ("GET", ["richmenu", "list"]) => Op::List,
            ("POST", ["richmenu", "bulk", "link"]) => Op::BulkLink,
            ("POST", ["richmenu", "bulk", "unlink"]) => Op::BulkUnlink,
            ("GET", ["richmenu", id]) => Op::Get(s(id)),
            ("DELETE", ["richmenu", id]) => Op::Delete(s(id)),
            // Served by api-data.line.me in production; here on the same server.
            ("POST", ["richmenu", id, "content"]) => Op::Upload(s(id)),
            ("GET", ["richmenu", id, "content"]) => Op::Download(s(id)),
            ("POST", ["user", "all", "richmenu", id]) => Op::SetDefault(s(id)),
            ("GET", ["user", "all", "richmenu"]) => Op::GetDefault,
            ("DELETE", ["user", "all", "richmenu"]) => Op::ClearDefault,
            ("POST", ["user", user, "richmenu", id]) => Op::Link(s(user), s(id)),
            ("GET", ["user", user, "richmenu"]) => Op::LinkedTo(s(user)),
            ("DELETE", ["user", user, "richmenu"]) => Op::Unlink(s(user)),
            _ => return None,
        };
        Some(op)
    }
}

pub(crate) fn handle(call: &mut Call<'_>, op: Op) -> Outcome {
    match op {
        Op::Create => {
            let body = call.json_body()?;
            validate(&body)?;
            let id = ids::rich_menu_id();
            call.state.rich_menus.push(RichMenu {
                id: id.clone(),
                body,
                image: None,
            });
            Ok(ApiResponse::ok(json!({ "richMenuId": id })))
        }
        Op::Validate => {
            validate(&call.json_body()?)?;
            Ok(ApiResponse::ok(json!({})))
        }
        Op::List => {
            let menus: Vec<Value> = call.state.rich_menus.iter().map(describe).collect();
            Ok(ApiResponse::ok(json!({ "richmenus": menus })))
        }
        Op::Get(id) => Ok(ApiResponse::ok(describe(menu(call, &id)?))),
        Op::Delete(id) => {
            menu(call, &id)?;
            let state = &mut *call.state;
            state.rich_menus.retain(|m| m.id != id);
            if state.default_rich_menu.as_deref() == Some(id.as_str()) {
                state.default_rich_menu = None;
            }
            state.user_rich_menus.retain(|_, linked| *linked != id);
            Ok(ApiResponse::ok(json!({})))
        }
        Op::Upload(id) => upload(call, &id),
        Op::Download(id) => {
            let (content_type, bytes) = menu(call, &id)?.image.clone().ok_or_else(ApiResponse::not_found)?;
            Ok(ApiResponse::raw(&content_type, bytes))
        }
        Op::SetDefault(id) => {
            usable(call, &id)?;
            call.state.default_rich_menu = Some(id);
            Ok(ApiResponse::ok(json!({})))
        }
        Op::GetDefault => match &call.state.default_rich_menu {
            Some(id) => Ok(ApiResponse::ok(json!({ "richMenuId": id }))),
            None => Err(ApiResponse::error(StatusCode::NOT_FOUND, "no default richmenu")),
        },
        Op::ClearDefault => {
            call.state.default_rich_menu = None;
            Ok(ApiResponse::ok(json!({})))
        }
        Op::Link(user, id) => {
            usable(call, &id)?;
            call.state.user_rich_menus.insert(user, id);
            Ok(ApiResponse::ok(json!({})))
        }
        Op::LinkedTo(user) => match call.state.user_rich_menus.get(&user) {
            Some(id) => Ok(ApiResponse::ok(json!({ "richMenuId": id }))),
            None => Err(ApiResponse::error(StatusCode::NOT_FOUND, "the user has no richmenu")),
        },
        Op::Unlink(user) => {
            call.state.user_rich_menus.remove(&user);
            Ok(ApiResponse::ok(json!({})))
        }
        Op::BulkLink | Op::BulkUnlink => bulk(call, matches!(op, Op::BulkLink)),
    }
}

fn describe(menu: &RichMenu) -> Value {
    let mut v = menu.body.clone();
    v["richMenuId"] = Value::from(menu.id.as_str());
    v
}

fn menu<'a>(call: &'a Call<'_>, id: &str) -> Result<&'a RichMenu, ApiResponse> {
    call.state.rich_menu(id).ok_or_else(ApiResponse::not_found)
}

/// A menu can be shown to users only once it has an image.
fn usable(call: &Call<'_>, id: &str) -> Result<(), ApiResponse> {
    if menu(call, id)?.image.is_none() {
        return Err(ApiResponse::error(
            StatusCode::BAD_REQUEST,
            "must upload richmenu image before applying it to user",
        ));
    }
    Ok(())
}

fn upload(call: &mut Call<'_>, id: &str) -> Outcome {
    let content_type = call.content_type().to_owned();
    let magic_ok = match content_type.as_str() {
        "image/png" => call.body.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => call.body.starts_with(&[0xFF, 0xD8, 0xFF]),
        _ => {
            return Err(ApiResponse::error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be image/png or image/jpeg",
            ));
        }
    };
    let bad = |message: &str| Err(ApiResponse::error(StatusCode::BAD_REQUEST, message));
    if call.body.len() > MAX_IMAGE {
        return bad("The image must be 1 MB or smaller");
    }
    if !magic_ok {
        return bad("The image does not match its Content-Type");
    }
    let body = call.body.to_vec();
    let menu = call
        .state
        .rich_menus
        .iter_mut()
        .find(|m| m.id == id)
        .ok_or_else(ApiResponse::not_found)?;
    if menu.image.is_some() {
        return bad("An image has already been uploaded to the richmenu");
    }
    menu.image = Some((content_type, body));
    Ok(ApiResponse::ok(json!({})))
}

fn bulk(call: &mut Call<'_>, link: bool) -> Outcome {
    let body = call.json_body()?;
    let mut checker = Checker::default();
    let id = if link {
        checker.string(&body, "richMenuId", "", true, 100).map(str::to_owned)
    } else {
        None
    };
    let users: Vec<String> = checker
        .array(&body, "userIds", "", 1, MAX_BULK_USERS)
        .unwrap_or_default()
        .iter()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect();
    finish(checker)?;
    match id {
        Some(id) => {
            usable(call, &id)?;
            for user in users {
                call.state.user_rich_menus.insert(user, id.clone());
            }
        }
        None => {
            for user in users {
                call.state.user_rich_menus.remove(&user);
            }
        }
    }
    Ok(ApiResponse::json(StatusCode::ACCEPTED, json!({})))
}

/// The limits of LINE-API.md 5; all five top-level fields are required as the docs treat them.
fn validate(body: &Value) -> Result<(), ApiResponse> {
    let mut checker = Checker::default();
    let int = |v: &Value, key: &str| v.get(key).and_then(Value::as_i64);
    let mut size = None;
    match body.get("size") {
        Some(s) => match (int(s, "width"), int(s, "height")) {
            (Some(w), Some(h)) => {
                if !(800..=2500).contains(&w) {
                    checker.fail("size.width", "must be between 800 and 2500");
                }
                if h < 250 {
                    checker.fail("size.height", "must be at least 250");
                } else if (w as f64) / (h as f64) < 1.45 {
                    checker.fail("size", "width/height must be at least 1.45");
                }
                size = Some((w, h));
            }
            _ => checker.fail("size", "must have integer width and height"),
        },
        None => checker.fail("size", "must be specified"),
    }
    if !body.get("selected").is_some_and(Value::is_boolean) {
        checker.fail("selected", "must be a boolean");
    }
    checker.graphemes(body, "name", "", true, 300);
    checker.graphemes(body, "chatBarText", "", true, 14);
    if let Some(areas) = checker.array(body, "areas", "", 0, 20) {
        for (i, area) in areas.iter().enumerate() {
            let path = format!("areas[{i}]");
            let b = area.get("bounds").unwrap_or(&Value::Null);
            match (int(b, "x"), int(b, "y"), int(b, "width"), int(b, "height")) {
                (Some(x), Some(y), Some(w), Some(h)) => {
                    if x < 0 || y < 0 || w < 1 || h < 1 {
                        checker.fail(format!("{path}.bounds"), "x and y must be >= 0, width and height >= 1");
                    } else if let Some((sw, sh)) = size
                        && (x + w > sw || y + h > sh)
                    {
                        checker.fail(format!("{path}.bounds"), "must lie within size");
                    }
                }
                _ => checker.fail(format!("{path}.bounds"), "must have integer x, y, width and height"),
            }
            match area.get("action") {
                Some(action) => checker.area_action(action, &format!("{path}.action")),
                None => checker.fail(format!("{path}.action"), "must be specified"),
            }
        }
    } else if body.get("areas").is_none() {
        checker.fail("areas", "must be specified");
    }
    finish(checker)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menu(name: &str, chat_bar_text: &str) -> Value {
        json!({"size":{"width":2500,"height":843},"selected":false,"name":name,"chatBarText":chat_bar_text,"areas":[
            {"bounds":{"x":0,"y":0,"width":2500,"height":843},"action":{"type":"postback","label":"🌸".repeat(20),"data":"menu"}}]})
    }

    #[test]
    fn name_chat_bar_text_and_labels_count_grapheme_clusters() {
        let family = "👨\u{200d}👩\u{200d}👧";
        assert!(validate(&menu(&"🌸".repeat(300), &family.repeat(14))).is_ok());
        assert!(validate(&menu("m", &family.repeat(15))).is_err());
        assert!(validate(&menu(&"🌸".repeat(301), "メニュー")).is_err());
    }
}
