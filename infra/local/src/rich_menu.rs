//! Installs the members' rich menu on a LINE channel (the real one or the simulator):
//! create the menu, upload its picture, make it every user's default. The two areas
//! match `assets/rich-menu.png`: 「元気です」 (the free check-in) and 「設定」.

use crate::{LocalError, Result};
use mimamori::line::postback::Postback;
use mimamori::line::texts::Text;
use mimamori::member::Lang;
use serde_json::{Value, json};

/// The picture, committed (drawn by `assets/make-rich-menu.sh`).
pub const IMAGE: &[u8] = include_bytes!("../../../assets/rich-menu.png");

pub fn definition() -> Value {
    let lang = Lang::Ja;
    let area = |x: u32, width: u32, label: Text, data: &str| {
        let label = label.render(lang);
        json!({
            "bounds": { "x": x, "y": 0, "width": width, "height": 843 },
            "action": { "type": "postback", "label": label, "data": data, "displayText": label }
        })
    };
    json!({
        "size": { "width": 2500, "height": 843 },
        "selected": true,
        "name": "mimamori-main",
        "chatBarText": Text::MenuBarText.render(lang),
        "areas": [
            area(0, 1666, Text::MenuCheckInLabel, &Postback::CheckIn.encode()),
            area(1666, 834, Text::MenuSettingsLabel, &Postback::Settings.encode()),
        ]
    })
}

/// Creates, uploads and sets the default menu; returns its id. `api` serves the
/// Messaging API (https://api.line.me), `data_api` the content endpoints
/// (https://api-data.line.me).
pub async fn install(api: &str, data_api: &str, token: &str) -> Result<String> {
    let http = reqwest::Client::new();
    let fail = |what: &str, e: String| LocalError(format!("rich menu: {what}: {e}"));
    let created = http
        .post(format!("{api}/v2/bot/richmenu"))
        .bearer_auth(token)
        .json(&definition())
        .send()
        .await
        .map_err(|e| fail("create", e.to_string()))?;
    let status = created.status();
    let body: Value = created.json().await.map_err(|e| fail("create", e.to_string()))?;
    let id = body["richMenuId"]
        .as_str()
        .ok_or_else(|| fail("create", format!("{status}: {body}")))?
        .to_owned();
    let upload = http
        .post(format!("{data_api}/v2/bot/richmenu/{id}/content"))
        .bearer_auth(token)
        .header("content-type", "image/png")
        .body(IMAGE.to_vec())
        .send()
        .await
        .map_err(|e| fail("upload", e.to_string()))?;
    if !upload.status().is_success() {
        return Err(fail(
            "upload",
            format!("{}: {}", upload.status(), upload.text().await.unwrap_or_default()),
        ));
    }
    let default = http
        .post(format!("{api}/v2/bot/user/all/richmenu/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| fail("set default", e.to_string()))?;
    if !default.status().is_success() {
        return Err(fail(
            "set default",
            format!("{}: {}", default.status(), default.text().await.unwrap_or_default()),
        ));
    }
    Ok(id)
}
