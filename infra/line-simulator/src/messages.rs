//! Validation of message objects and actions against the limits in LINE-API.md section 3.

use serde::Serialize;
use serde_json::Value;

/// One entry of an error body's `details`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Detail {
    pub message: String,
    pub property: String,
}

/// Collects every problem in a request body, as LINE reports them all at once.
#[derive(Default)]
pub(crate) struct Checker {
    pub details: Vec<Detail>,
}

/// LINE's limits are in characters and its counting is unconfirmed; UTF-16 units is the strict reading.
fn length(s: &str) -> usize {
    s.encode_utf16().count()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[derive(Clone, Copy)]
enum Label {
    Required(usize),
    Optional(usize),
}

impl Checker {
    pub fn fail(&mut self, property: impl Into<String>, message: impl Into<String>) {
        self.details.push(Detail {
            message: message.into(),
            property: property.into(),
        });
    }

    /// A string field; reports missing (when required), wrong type, empty and over-long values.
    pub fn string<'a>(&mut self, obj: &'a Value, key: &str, path: &str, required: bool, max: usize) -> Option<&'a str> {
        let property = join(path, key);
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.fail(property, "must be specified");
                }
                None
            }
            Some(Value::String(s)) => {
                if required && s.is_empty() {
                    self.fail(property, "may not be empty");
                } else if length(s) > max {
                    self.fail(property, format!("Length must be between 0 and {max}"));
                }
                Some(s)
            }
            Some(_) => {
                self.fail(property, "must be a string");
                None
            }
        }
    }

    /// An array field with a size range; `min > 0` makes it required.
    pub fn array<'a>(&mut self, obj: &'a Value, key: &str, path: &str, min: usize, max: usize) -> Option<&'a [Value]> {
        let property = join(path, key);
        match obj.get(key) {
            None | Some(Value::Null) => {
                if min > 0 {
                    self.fail(property, "must be specified");
                }
                None
            }
            Some(Value::Array(items)) => {
                if items.len() < min || items.len() > max {
                    self.fail(property, format!("Size must be between {min} and {max}"));
                }
                Some(items)
            }
            Some(_) => {
                self.fail(property, "must be an array");
                None
            }
        }
    }

    fn object<'a>(&mut self, obj: &'a Value, key: &str, path: &str) -> Option<&'a Value> {
        let property = join(path, key);
        match obj.get(key) {
            Some(v @ Value::Object(_)) => Some(v),
            None | Some(Value::Null) => {
                self.fail(property, "must be specified");
                None
            }
            Some(_) => {
                self.fail(property, "must be an object");
                None
            }
        }
    }

    /// `messages`: 1 to 5 message objects.
    pub fn messages(&mut self, body: &Value) {
        if let Some(messages) = self.array(body, "messages", "", 1, 5) {
            for (i, message) in messages.iter().enumerate() {
                self.message(message, &format!("messages[{i}]"));
            }
        }
    }

    fn message(&mut self, m: &Value, path: &str) {
        if !m.is_object() {
            self.fail(path, "must be an object");
            return;
        }
        match self.string(m, "type", path, true, 20) {
            Some("text" | "textV2") => {
                self.string(m, "text", path, true, 5000);
            }
            Some("template") => self.template_message(m, path),
            Some("flex") => self.flex_message(m, path),
            Some("image") => {
                self.string(m, "originalContentUrl", path, true, 2000);
                self.string(m, "previewImageUrl", path, true, 2000);
            }
            Some("video") => {
                self.string(m, "originalContentUrl", path, true, 2000);
                self.string(m, "previewImageUrl", path, true, 2000);
            }
            Some("audio") => {
                self.string(m, "originalContentUrl", path, true, 2000);
                self.require(m, "duration", path);
            }
            Some("location") => {
                self.string(m, "title", path, true, 100);
                self.string(m, "address", path, true, 100);
                self.require(m, "latitude", path);
                self.require(m, "longitude", path);
            }
            Some("sticker") => {
                self.string(m, "packageId", path, true, 100);
                self.string(m, "stickerId", path, true, 100);
            }
            Some("imagemap") => {
                self.string(m, "altText", path, true, 400);
                self.string(m, "baseUrl", path, true, 2000);
            }
            Some(_) => self.fail(join(path, "type"), "invalid message type"),
            None => {}
        }
        if let Some(sender) = m.get("sender") {
            let sender_path = join(path, "sender");
            self.string(sender, "name", &sender_path, false, 20);
            self.string(sender, "iconUrl", &sender_path, false, 2000);
        }
        if m.get("quickReply").is_some() {
            self.quick_reply(m, path);
        }
    }

    fn require(&mut self, obj: &Value, key: &str, path: &str) {
        if obj.get(key).is_none_or(Value::is_null) {
            self.fail(join(path, key), "must be specified");
        }
    }

    fn quick_reply(&mut self, m: &Value, path: &str) {
        let Some(qr) = self.object(m, "quickReply", path) else {
            return;
        };
        let qr_path = join(path, "quickReply");
        let Some(items) = self.array(qr, "items", &qr_path, 1, 13) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{qr_path}.items[{i}]");
            if self.string(item, "type", &item_path, true, 20) != Some("action") {
                self.fail(join(&item_path, "type"), "must be \"action\"");
            }
            self.string(item, "imageUrl", &item_path, false, 2000);
            if let Some(action) = self.object(item, "action", &item_path) {
                self.action(action, &join(&item_path, "action"), Label::Required(20), true);
            }
        }
    }

    fn template_message(&mut self, m: &Value, path: &str) {
        self.string(m, "altText", path, true, 400);
        let Some(t) = self.object(m, "template", path) else {
            return;
        };
        let path = join(path, "template");
        match self.string(t, "type", &path, true, 20) {
            Some("buttons") => {
                let decorated = t.get("title").is_some() || t.get("thumbnailImageUrl").is_some();
                self.string(t, "title", &path, false, 40);
                self.string(t, "text", &path, true, if decorated { 60 } else { 160 });
                self.string(t, "thumbnailImageUrl", &path, false, 2000);
                self.actions(t, &path, 1, 4, Label::Required(20));
                if let Some(default) = t.get("defaultAction") {
                    let default_path = join(&path, "defaultAction");
                    self.action(default, &default_path, Label::Optional(20), false);
                }
            }
            Some("confirm") => {
                self.string(t, "text", &path, true, 240);
                self.actions(t, &path, 2, 2, Label::Required(20));
            }
            Some("carousel") => {
                let Some(columns) = self.array(t, "columns", &path, 1, 10) else {
                    return;
                };
                for (i, column) in columns.iter().enumerate() {
                    let column_path = format!("{path}.columns[{i}]");
                    let decorated = column.get("title").is_some() || column.get("thumbnailImageUrl").is_some();
                    self.string(column, "title", &column_path, false, 40);
                    let max = if decorated { 60 } else { 120 };
                    self.string(column, "text", &column_path, true, max);
                    self.actions(column, &column_path, 1, 3, Label::Required(20));
                }
            }
            Some("image_carousel") => {
                let Some(columns) = self.array(t, "columns", &path, 1, 10) else {
                    return;
                };
                for (i, column) in columns.iter().enumerate() {
                    let column_path = format!("{path}.columns[{i}]");
                    self.string(column, "imageUrl", &column_path, true, 2000);
                    if let Some(action) = self.object(column, "action", &column_path) {
                        let action_path = join(&column_path, "action");
                        self.action(action, &action_path, Label::Optional(12), false);
                    }
                }
            }
            Some(_) => self.fail(join(&path, "type"), "invalid template type"),
            None => {}
        }
    }

    /// A rich menu area's action: the template rules, with the label optional.
    pub fn area_action(&mut self, a: &Value, path: &str) {
        self.action(a, path, Label::Optional(20), false);
    }

    fn actions(&mut self, obj: &Value, path: &str, min: usize, max: usize, label: Label) {
        if let Some(actions) = self.array(obj, "actions", path, min, max) {
            for (i, action) in actions.iter().enumerate() {
                self.action(action, &format!("{path}.actions[{i}]"), label, false);
            }
        }
    }

    fn action(&mut self, a: &Value, path: &str, label: Label, in_quick_reply: bool) {
        if !a.is_object() {
            self.fail(path, "must be an object");
            return;
        }
        match label {
            Label::Required(max) => self.string(a, "label", path, true, max),
            Label::Optional(max) => self.string(a, "label", path, false, max),
        };
        match self.string(a, "type", path, true, 20) {
            Some("postback") => {
                self.string(a, "data", path, true, 300);
                let display = self.string(a, "displayText", path, in_quick_reply, 300);
                let text = self.string(a, "text", path, false, 300);
                if display.is_some() && text.is_some() {
                    self.fail(join(path, "text"), "cannot be used with displayText");
                }
                self.string(a, "fillInText", path, false, 300);
            }
            Some("message") => {
                self.string(a, "text", path, true, 300);
            }
            Some("uri") => {
                self.string(a, "uri", path, true, 1000);
            }
            Some("datetimepicker") => {
                self.string(a, "data", path, true, 300);
                if let Some(mode) = self.string(a, "mode", path, true, 20)
                    && !matches!(mode, "date" | "time" | "datetime")
                {
                    self.fail(join(path, "mode"), "must be one of date, time, datetime");
                }
            }
            Some("richmenuswitch") if in_quick_reply => {
                self.fail(join(path, "type"), "not allowed in a quick reply");
            }
            Some("camera" | "cameraRoll" | "location") if !in_quick_reply => {
                self.fail(join(path, "type"), "only allowed in a quick reply");
            }
            Some("camera" | "cameraRoll" | "location" | "richmenuswitch" | "clipboard") => {}
            Some(_) => self.fail(join(path, "type"), "invalid action type"),
            None => {}
        }
    }

    fn flex_message(&mut self, m: &Value, path: &str) {
        // The altText limit for flex is unconfirmed; 400 matches templates (LINE-API.md 3).
        self.string(m, "altText", path, true, 400);
        let Some(contents) = self.object(m, "contents", path) else {
            return;
        };
        let path = join(path, "contents");
        match self.string(contents, "type", &path, true, 20) {
            Some("bubble") => self.flex_actions(contents, &path),
            Some("carousel") => {
                if let Some(bubbles) = self.array(contents, "contents", &path, 1, 12) {
                    for (i, bubble) in bubbles.iter().enumerate() {
                        self.flex_actions(bubble, &format!("{path}.contents[{i}]"));
                    }
                }
            }
            Some(_) => self.fail(join(&path, "type"), "must be bubble or carousel"),
            None => {}
        }
    }

    /// Flex layout rules are not modelled; only the actions inside are checked, since their
    /// `data` is what the bot later receives.
    fn flex_actions(&mut self, node: &Value, path: &str) {
        match node {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_path = join(path, key);
                    if key == "action" {
                        self.action(child, &child_path, Label::Optional(40), false);
                    } else {
                        self.flex_actions(child, &child_path);
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    self.flex_actions(child, &format!("{path}[{i}]"));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(messages: Value) -> Vec<String> {
        let mut c = Checker::default();
        c.messages(&json!({ "messages": messages }));
        c.details.into_iter().map(|d| d.property).collect()
    }

    #[test]
    fn accepts_the_reference_examples() {
        let buttons = json!({"type":"template","altText":"Safety check: are you safe?","template":{"type":"buttons","title":"Safety check","text":"Are you safe?","actions":[
            {"type":"postback","label":"I'm safe","data":"ans=safe&ev=42"},
            {"type":"postback","label":"Need help","data":"ans=help&ev=42"}]}});
        let quick = json!({"type":"text","text":"Are you safe?","quickReply":{"items":[
            {"type":"action","action":{"type":"postback","label":"I'm safe","data":"ans=safe&ev=42","displayText":"I'm safe"}},
            {"type":"action","action":{"type":"message","label":"Need help","text":"Need help"}},
            {"type":"action","action":{"type":"datetimepicker","label":"Set reminder","data":"ev=42&k=remind","mode":"datetime"}}]}});
        let flex = json!({"type":"flex","altText":"Safety check","contents":{"type":"bubble",
            "body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"Are you safe?","wrap":true}]},
            "footer":{"type":"box","layout":"vertical","contents":[{"type":"button","style":"primary","action":{"type":"postback","label":"I'm safe","data":"ans=safe&ev=42"}}]}}});
        assert!(problems(json!([buttons, quick, flex])).is_empty());
    }

    #[test]
    fn reports_each_broken_limit_with_its_property() {
        let long_label = "x".repeat(21);
        let got = problems(json!([
            {"type":"text","text":""},
            {"type":"template","altText":"a","template":{"type":"confirm","text":"?","actions":[
                {"type":"postback","label":long_label,"data":"d"}]}},
            {"type":"text","text":"t","quickReply":{"items":[
                {"type":"action","action":{"type":"postback","label":"ok","data":"d"}}]}},
        ]));
        assert_eq!(
            got,
            [
                "messages[0].text",
                "messages[1].template.actions",
                "messages[1].template.actions[0].label",
                "messages[2].quickReply.items[0].action.displayText",
            ]
        );
    }

    #[test]
    fn buttons_text_limit_drops_to_60_with_a_title() {
        let text = "x".repeat(61);
        let got = problems(json!([{"type":"template","altText":"a","template":{"type":"buttons",
            "title":"t","text":text,"actions":[{"type":"message","label":"l","text":"t"}]}}]));
        assert_eq!(got, ["messages[0].template.text"]);
    }

    #[test]
    fn six_messages_are_too_many() {
        let m = json!({"type":"text","text":"hi"});
        let got = problems(json!([m, m, m, m, m, m]));
        assert_eq!(got, ["messages"]);
    }
}
