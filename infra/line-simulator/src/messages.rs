//! Validation of message objects and actions against the limits in LINE-API.md section 3.

use serde::Serialize;
use serde_json::Value;
use unicode_segmentation::UnicodeSegmentation as _;

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

/// How LINE counts a field's characters [LINE-API.md intro; docs text-character-count]:
/// message `text` and `altText` in UTF-16 code units (🍎 is 2); action `label`, `displayText`,
/// message-action `text`, template `title`/`text` and rich-menu `name`/`chatBarText` in extended
/// grapheme clusters (👨‍👩‍👧 is 1). Fields the documents do not name keep the strict UTF-16 count.
#[derive(Clone, Copy)]
pub(crate) enum Count {
    Utf16,
    Graphemes,
}

impl Count {
    fn length(self, s: &str) -> usize {
        match self {
            Count::Utf16 => s.encode_utf16().count(),
            Count::Graphemes => s.graphemes(true).count(),
        }
    }
}

/// Template, Flex and imagemap `altText` allow 1,500 characters [review S3, C].
const ALT_TEXT_MAX: usize = 1500;

/// textV2 limits [LINE-API.md 3, "Mention in textV2"; review C].
const MAX_SUBSTITUTIONS: usize = 100;
const MAX_MENTIONS: usize = 20;
const MAX_EMOJI: usize = 20;
const MAX_KEY: usize = 20;

/// A substitution key: 1 to 20 characters of `[0-9a-zA-Z_]`.
fn is_substitution_key(key: &str) -> bool {
    (1..=MAX_KEY).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The `{key}` placeholders of a textV2 `text`, in order; `{{` and `}}` are literal braces.
/// Unpaired braces and malformed keys are errors.
fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        let (brace, after) = (rest.as_bytes()[at], &rest[at + 1..]);
        if let Some(after_escape) = after.strip_prefix(char::from(brace)) {
            rest = after_escape;
            continue;
        }
        if brace == b'}' {
            return Err("an unpaired } must be escaped as }}".to_owned());
        }
        let Some(end) = after.find(['{', '}']).filter(|&end| after.as_bytes()[end] == b'}') else {
            return Err("an unpaired { must be escaped as {{".to_owned());
        };
        let key = &after[..end];
        if !is_substitution_key(key) {
            return Err(format!("{{{key}}}: keys must be 1 to 20 characters of [0-9a-zA-Z_]"));
        }
        keys.push(key);
        rest = &after[end + 1..];
    }
    Ok(keys)
}

/// A datetime picker value as (year, month, day, hour, minute), comparable within one mode; None
/// if it is not in the mode's format or range. `date` leaves the time 0:00 and `time` the date
/// 1900-01-01.
fn picker_value(mode: &str, s: &str) -> Option<(i16, i8, i8, i8, i8)> {
    fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
        s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse().ok())?
    }
    fn date(s: &str) -> Option<(i16, i8, i8)> {
        let (y, rest) = s.split_at_checked(4)?;
        let (m, d) = rest.strip_prefix('-')?.split_once('-')?;
        if m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (y, m, d) = (number(y)?, number(m)?, number(d)?);
        jiff::civil::Date::new(y, m, d).ok()?;
        (1900..=2100).contains(&y).then_some((y, m, d))
    }
    fn time(s: &str) -> Option<(i8, i8)> {
        let (h, m) = s.split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        let (h, m): (i8, i8) = (number(h)?, number(m)?);
        ((0..=23).contains(&h) && (0..=59).contains(&m)).then_some((h, m))
    }
    match mode {
        "date" => date(s).map(|(y, m, d)| (y, m, d, 0, 0)),
        "time" => time(s).map(|(h, m)| (1900, 1, 1, h, m)),
        _ => {
            let (d, t) = s.split_once(['T', 't'])?;
            let ((y, mo, d), (h, mi)) = (date(d)?, time(t)?);
            Some((y, mo, d, h, mi))
        }
    }
}

/// Who a textV2 mention names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mentionee {
    User(String),
    All,
}

/// Where a request's messages go, as far as the mention rules care.
pub(crate) enum Destination<'a> {
    /// One or more 1:1 chats (push to a user, reply in a 1:1 chat, multicast).
    Users,
    /// A group or room and its current human members.
    Chat(&'a [String]),
}

/// Every mention in already-validated `messages`, with the property that names it.
fn mentions(messages: &[Value]) -> Vec<(String, Mentionee)> {
    let mut out = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        if m.get("type").and_then(Value::as_str) != Some("textV2") {
            continue;
        }
        let Some(subs) = m.get("substitution").and_then(Value::as_object) else {
            continue;
        };
        for (key, sub) in subs {
            if sub.get("type").and_then(Value::as_str) != Some("mention") {
                continue;
            }
            let mentionee = &sub["mentionee"];
            let property = format!("messages[{i}].substitution.{key}.mentionee");
            match mentionee.get("type").and_then(Value::as_str) {
                Some("all") => out.push((property, Mentionee::All)),
                Some("user") => {
                    if let Some(user) = mentionee.get("userId").and_then(Value::as_str) {
                        out.push((join(&property, "userId"), Mentionee::User(user.to_owned())));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The mention rules that depend on the destination, which LINE's validate endpoints cannot
/// check [LINE-API.md 3]: mentions only in a group or room, never of the bot, and every
/// mentioned user a current member of that chat.
pub(crate) fn mention_problems(messages: &[Value], to: &Destination<'_>, bot_user_id: &str) -> Vec<Detail> {
    let mut details = Vec::new();
    for (property, mentionee) in mentions(messages) {
        let message = match (to, &mentionee) {
            (Destination::Users, _) => "mentions are only allowed in a message to a group or room",
            (Destination::Chat(_), Mentionee::User(user)) if user == bot_user_id => "the bot cannot be mentioned",
            (Destination::Chat(members), Mentionee::User(user)) if !members.contains(user) => {
                "the mentioned user is not a member of the group or room"
            }
            (Destination::Chat(_), _) => continue,
        };
        details.push(Detail {
            message: message.to_owned(),
            property,
        });
    }
    details
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

    /// A string field counted in UTF-16 units; reports missing (when required), wrong type, empty
    /// and over-long values.
    pub fn string<'a>(&mut self, obj: &'a Value, key: &str, path: &str, required: bool, max: usize) -> Option<&'a str> {
        self.counted(obj, key, path, required, max, Count::Utf16)
    }

    /// [`Checker::string`] for the fields LINE counts in grapheme clusters.
    pub fn graphemes<'a>(
        &mut self,
        obj: &'a Value,
        key: &str,
        path: &str,
        required: bool,
        max: usize,
    ) -> Option<&'a str> {
        self.counted(obj, key, path, required, max, Count::Graphemes)
    }

    fn counted<'a>(
        &mut self,
        obj: &'a Value,
        key: &str,
        path: &str,
        required: bool,
        max: usize,
        count: Count,
    ) -> Option<&'a str> {
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
                } else if count.length(s) > max {
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
            Some("text") => {
                self.string(m, "text", path, true, 5000);
            }
            Some("textV2") => self.text_v2(m, path),
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
                self.string(m, "altText", path, true, ALT_TEXT_MAX);
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

    /// The rules of the text message (v2) reference that can be checked without knowing the
    /// destination: placeholders, braces, keys and substitution objects. Whether mentions fit the
    /// destination is [`mention_problems`]'s job.
    fn text_v2(&mut self, m: &Value, path: &str) {
        let text = self.string(m, "text", path, true, 5000);
        let subs_path = join(path, "substitution");
        let subs = match m.get("substitution") {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(_) => {
                self.fail(&subs_path, "must be an object");
                return;
            }
        };
        if let Some(subs) = subs {
            if subs.len() > MAX_SUBSTITUTIONS {
                self.fail(&subs_path, format!("Size must be between 0 and {MAX_SUBSTITUTIONS}"));
            }
            let (mut mentions, mut emoji) = (0, 0);
            for (key, sub) in subs {
                let sub_path = join(&subs_path, key);
                if !is_substitution_key(key) {
                    self.fail(&sub_path, "key must be 1 to 20 characters of [0-9a-zA-Z_]");
                }
                if !sub.is_object() {
                    self.fail(&sub_path, "must be an object");
                    continue;
                }
                match self.string(sub, "type", &sub_path, true, 20) {
                    Some("mention") => {
                        mentions += 1;
                        self.mentionee(sub, &sub_path);
                    }
                    Some("emoji") => {
                        emoji += 1;
                        self.string(sub, "productId", &sub_path, true, 100);
                        self.string(sub, "emojiId", &sub_path, true, 100);
                    }
                    Some(_) => self.fail(join(&sub_path, "type"), "must be mention or emoji"),
                    None => {}
                }
            }
            if mentions > MAX_MENTIONS {
                self.fail(&subs_path, format!("at most {MAX_MENTIONS} mentions are allowed"));
            }
            if emoji > MAX_EMOJI {
                self.fail(&subs_path, format!("at most {MAX_EMOJI} emoji are allowed"));
            }
        }
        let Some(text) = text else {
            return;
        };
        match placeholders(text) {
            Ok(keys) => {
                for key in keys {
                    if !subs.is_some_and(|s| s.contains_key(key)) {
                        self.fail(join(path, "text"), format!("{{{key}}} is not defined in substitution"));
                    }
                }
            }
            Err(problem) => self.fail(join(path, "text"), problem),
        }
    }

    fn mentionee(&mut self, sub: &Value, sub_path: &str) {
        let Some(mentionee) = self.object(sub, "mentionee", sub_path) else {
            return;
        };
        let mentionee_path = join(sub_path, "mentionee");
        match self.string(mentionee, "type", &mentionee_path, true, 20) {
            Some("user") => {
                self.string(mentionee, "userId", &mentionee_path, true, 100);
            }
            Some("all") => {}
            Some(_) => self.fail(join(&mentionee_path, "type"), "must be user or all"),
            None => {}
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
        self.string(m, "altText", path, true, ALT_TEXT_MAX);
        let Some(t) = self.object(m, "template", path) else {
            return;
        };
        let path = join(path, "template");
        match self.string(t, "type", &path, true, 20) {
            Some("buttons") => {
                let decorated = t.get("title").is_some() || t.get("thumbnailImageUrl").is_some();
                self.graphemes(t, "title", &path, false, 40);
                self.graphemes(t, "text", &path, true, if decorated { 60 } else { 160 });
                self.string(t, "thumbnailImageUrl", &path, false, 2000);
                self.actions(t, &path, 1, 4, Label::Required(20));
                if let Some(default) = t.get("defaultAction") {
                    let default_path = join(&path, "defaultAction");
                    self.action(default, &default_path, Label::Optional(20), false);
                }
            }
            Some("confirm") => {
                self.graphemes(t, "text", &path, true, 240);
                self.actions(t, &path, 2, 2, Label::Required(20));
            }
            Some("carousel") => {
                let Some(columns) = self.array(t, "columns", &path, 1, 10) else {
                    return;
                };
                for (i, column) in columns.iter().enumerate() {
                    let column_path = format!("{path}.columns[{i}]");
                    let decorated = column.get("title").is_some() || column.get("thumbnailImageUrl").is_some();
                    self.graphemes(column, "title", &column_path, false, 40);
                    let max = if decorated { 60 } else { 120 };
                    self.graphemes(column, "text", &column_path, true, max);
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
            Label::Required(max) => self.graphemes(a, "label", path, true, max),
            Label::Optional(max) => self.graphemes(a, "label", path, false, max),
        };
        match self.string(a, "type", path, true, 20) {
            Some("postback") => {
                self.string(a, "data", path, true, 300);
                let display = self.graphemes(a, "displayText", path, in_quick_reply, 300);
                let text = self.string(a, "text", path, false, 300);
                if display.is_some() && text.is_some() {
                    self.fail(join(path, "text"), "cannot be used with displayText");
                }
                self.string(a, "fillInText", path, false, 300);
            }
            Some("message") => {
                self.graphemes(a, "text", path, true, 300);
            }
            Some("uri") => {
                self.string(a, "uri", path, true, 1000);
            }
            Some("datetimepicker") => {
                self.string(a, "data", path, true, 300);
                match self.string(a, "mode", path, true, 20) {
                    Some(mode @ ("date" | "time" | "datetime")) => self.picker_bounds(a, path, mode),
                    Some(_) => self.fail(join(path, "mode"), "must be one of date, time, datetime"),
                    None => {}
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

    /// A datetime picker's `initial`, `min` and `max`: each in its mode's format and range, and
    /// `max` later than `min` [LINE-API.md 3, "Datetimepicker action"].
    fn picker_bounds(&mut self, a: &Value, path: &str, mode: &str) {
        let format = match mode {
            "date" => "YYYY-MM-DD from 1900-01-01 to 2100-12-31",
            "time" => "HH:mm from 00:00 to 23:59",
            _ => "YYYY-MM-DDTHH:mm from 1900-01-01T00:00 to 2100-12-31T23:59",
        };
        let value = |checker: &mut Self, key: &str| {
            let raw = checker.string(a, key, path, false, 100)?;
            let parsed = picker_value(mode, raw);
            if parsed.is_none() {
                checker.fail(join(path, key), format!("must be {format} for mode {mode}"));
            }
            parsed
        };
        value(self, "initial");
        let min = value(self, "min");
        let max = value(self, "max");
        if let (Some(min), Some(max)) = (min, max)
            && max <= min
        {
            self.fail(join(path, "max"), "must be later than min");
        }
    }

    fn flex_message(&mut self, m: &Value, path: &str) {
        self.string(m, "altText", path, true, ALT_TEXT_MAX);
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

    fn mention(user: &str) -> Value {
        json!({"type":"mention","mentionee":{"type":"user","userId":user}})
    }

    fn text_v2(text: &str, substitution: Value) -> Value {
        json!({"type":"textV2","text":text,"substitution":substitution})
    }

    #[test]
    fn text_v2_accepts_the_reference_example_and_escaped_braces() {
        let got = problems(json!([
            text_v2("{u} please answer the safety check.", json!({"u": mention("U4af4980629aaaaaaaaaaaaaaaaaaaaaa")})),
            text_v2("{{literal}} {everyone} }}", json!({"everyone":{"type":"mention","mentionee":{"type":"all"}}})),
            {"type":"textV2","text":"no placeholders {{at all}}"},
        ]));
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn text_v2_placeholders_must_be_defined_and_braces_paired() {
        for text in ["{missing} hi", "a { b", "a } b", "{a{b}", "{bad-key}", "{}"] {
            let got = problems(json!([text_v2(text, json!({"a": mention("U1")}))]));
            assert_eq!(got, ["messages[0].text"], "{text}");
        }
        let got = problems(json!([{"type":"textV2","text":"{u}"}]));
        assert_eq!(got, ["messages[0].text"]);
    }

    #[test]
    fn text_v2_keys_are_short_word_characters() {
        let long = "k".repeat(21);
        let got = problems(json!([text_v2(
            "hi",
            json!({ long.clone(): mention("U1"), "ok_1": mention("U2") })
        )]));
        assert_eq!(got, [format!("messages[0].substitution.{long}")]);
        let twenty = "k".repeat(20);
        assert!(
            problems(json!([text_v2(
                &format!("{{{twenty}}}"),
                json!({ twenty: mention("U1") })
            )]))
            .is_empty()
        );
    }

    #[test]
    fn text_v2_allows_100_substitutions_and_20_mentions() {
        let emoji = |i: usize| (format!("e{i}"), json!({"type":"emoji","productId":"p","emojiId":"001"}));
        let mentions = |n: usize| (0..n).map(|i| (format!("m{i}"), mention("U1")));
        let twenty: serde_json::Map<String, Value> = mentions(20).collect();
        assert!(problems(json!([text_v2("hi", Value::Object(twenty))])).is_empty());
        let too_many_mentions: serde_json::Map<String, Value> = mentions(21).collect();
        assert_eq!(
            problems(json!([text_v2("hi", Value::Object(too_many_mentions))])),
            ["messages[0].substitution"]
        );
        let too_many_emoji: serde_json::Map<String, Value> = (0..21).map(emoji).collect();
        assert_eq!(
            problems(json!([text_v2("hi", Value::Object(too_many_emoji))])),
            ["messages[0].substitution"]
        );
        // 101 substitutions, of which at most 20 of each kind would still be too many in total.
        let mut big: serde_json::Map<String, Value> = mentions(20).collect();
        big.extend((0..20).map(emoji));
        big.extend((0..61).map(|i| (format!("x{i}"), mention("U1"))));
        assert!(problems(json!([text_v2("hi", Value::Object(big))])).contains(&"messages[0].substitution".to_owned()));
    }

    #[test]
    fn text_v2_mentionees_are_a_user_with_an_id_or_all() {
        let got = problems(json!([text_v2(
            "{a}{b}{c}{d}",
            json!({
                "a": {"type":"mention","mentionee":{"type":"user"}},
                "b": {"type":"mention","mentionee":{"type":"group","groupId":"C1"}},
                "c": {"type":"mention"},
                "d": {"type":"sticker"},
            })
        )]));
        assert_eq!(
            got,
            [
                "messages[0].substitution.a.mentionee.userId",
                "messages[0].substitution.b.mentionee.type",
                "messages[0].substitution.c.mentionee",
                "messages[0].substitution.d.type",
            ]
        );
    }

    #[test]
    fn mentions_must_fit_the_destination() {
        let bot = "U0123456789abcdef0123456789abcdef";
        let messages = [text_v2(
            "{a}{b}{all}{bot}",
            json!({"a": mention("U1"), "b": mention("U2"), "all": {"type":"mention","mentionee":{"type":"all"}}, "bot": mention(bot)}),
        )];
        let members = ["U1".to_owned()];
        let in_group: Vec<String> = mention_problems(&messages, &Destination::Chat(&members), bot)
            .into_iter()
            .map(|d| d.property)
            .collect();
        assert_eq!(
            in_group,
            [
                "messages[0].substitution.b.mentionee.userId",
                "messages[0].substitution.bot.mentionee.userId",
            ]
        );
        assert_eq!(mention_problems(&messages, &Destination::Users, bot).len(), 4);
        let plain = [json!({"type":"text","text":"{a}"})];
        assert!(mention_problems(&plain, &Destination::Users, bot).is_empty());
    }

    #[test]
    fn labels_and_template_texts_count_grapheme_clusters() {
        // 12 emoji: 19 graphemes but 31 UTF-16 units (review S3), and a family emoji that is one
        // grapheme of 8 UTF-16 units.
        let label = format!("Remove {}", "🌸".repeat(12));
        let family = "👨\u{200d}👩\u{200d}👧";
        let got = problems(json!([
            {"type":"text","text":"t","quickReply":{"items":[
                {"type":"action","action":{"type":"postback","label":label,"data":"d","displayText":label}},
                {"type":"action","action":{"type":"message","label":family.repeat(20),"text":family.repeat(300)}}]}},
            {"type":"template","altText":"a","template":{"type":"buttons","title":family.repeat(40),
                "text":family.repeat(60),"actions":[{"type":"message","label":"l","text":"t"}]}},
            {"type":"template","altText":"a","template":{"type":"confirm","text":"🌸".repeat(240),"actions":[
                {"type":"message","label":"y","text":"y"},{"type":"message","label":"n","text":"n"}]}},
        ]));
        assert!(got.is_empty(), "{got:?}");
        let got = problems(json!([{"type":"template","altText":"a","template":{"type":"confirm",
            "text":family.repeat(241),"actions":[
                {"type":"message","label":family.repeat(21),"text":"y"},{"type":"message","label":"n","text":"n"}]}}]));
        assert_eq!(
            got,
            ["messages[0].template.text", "messages[0].template.actions[0].label"]
        );
    }

    #[test]
    fn message_text_and_postback_data_still_count_utf16_units() {
        let got = problems(json!([
            {"type":"text","text":"🍎".repeat(2501)},
            {"type":"text","text":"t","quickReply":{"items":[
                {"type":"action","action":{"type":"postback","label":"l","data":"🍎".repeat(151),"displayText":"d"}}]}},
        ]));
        assert_eq!(got, ["messages[0].text", "messages[1].quickReply.items[0].action.data"]);
        assert!(problems(json!([{"type":"text","text":"🍎".repeat(2500)}])).is_empty());
    }

    #[test]
    fn template_flex_and_imagemap_alt_text_allow_1500() {
        let ok = "a".repeat(1500);
        let long = "a".repeat(1501);
        let messages = |alt: &str| {
            json!([
                {"type":"template","altText":alt,"template":{"type":"buttons","text":"t","actions":[{"type":"message","label":"l","text":"t"}]}},
                {"type":"flex","altText":alt,"contents":{"type":"bubble"}},
                {"type":"imagemap","altText":alt,"baseUrl":"https://example.com/map"},
            ])
        };
        assert!(problems(messages(&ok)).is_empty());
        assert_eq!(
            problems(messages(&long)),
            ["messages[0].altText", "messages[1].altText", "messages[2].altText"]
        );
    }

    fn picker(mode: &str, bounds: Value) -> Value {
        let mut action = json!({"type":"datetimepicker","label":"pick","data":"k=1","mode":mode});
        for (key, value) in bounds.as_object().expect("bounds object") {
            action[key] = value.clone();
        }
        json!([{"type":"template","altText":"a","template":{"type":"buttons","text":"t","actions":[action]}}])
    }

    #[test]
    fn datetime_pickers_take_values_in_their_modes_format() {
        for (mode, bounds) in [
            (
                "date",
                json!({"initial":"2026-12-01","min":"1900-01-01","max":"2100-12-31"}),
            ),
            ("time", json!({"initial":"06:15","min":"00:00","max":"23:59"})),
            (
                "datetime",
                json!({"initial":"2026-06-18T06:15","min":"1900-01-01t00:00","max":"2100-12-31T23:59"}),
            ),
            ("date", json!({})),
        ] {
            assert!(problems(picker(mode, bounds.clone())).is_empty(), "{mode} {bounds}");
        }
        for (mode, value) in [
            ("date", "2026-12-1"),
            ("date", "2026/12/01"),
            ("date", "2026-02-30"),
            ("date", "1899-12-31"),
            ("date", "2101-01-01"),
            ("date", "2026-12-01T06:00"),
            ("time", "6:15"),
            ("time", "24:00"),
            ("time", "06:60"),
            ("time", "06:15:00"),
            ("datetime", "2026-06-18 06:15"),
            ("datetime", "2026-06-18"),
            ("datetime", "2026-06-18T06:15+09:00"),
        ] {
            let got = problems(picker(mode, json!({"initial": value})));
            assert_eq!(got, ["messages[0].template.actions[0].initial"], "{mode} {value}");
        }
    }

    #[test]
    fn datetime_picker_max_must_be_later_than_min() {
        let got = problems(picker("date", json!({"min":"2026-12-02","max":"2026-12-01"})));
        assert_eq!(got, ["messages[0].template.actions[0].max"]);
        let got = problems(picker("time", json!({"min":"10:00","max":"10:00"})));
        assert_eq!(got, ["messages[0].template.actions[0].max"]);
        assert!(
            problems(picker(
                "datetime",
                json!({"min":"2026-12-01T10:00","max":"2026-12-01T10:01"})
            ))
            .is_empty()
        );
    }
}
