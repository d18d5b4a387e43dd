//! The form's Format, Template and Chat ID fields: which body a webhook sends, checked against
//! its URL and method.

use crate::formats::detect::{detect, ntfy_topic, retired, telegram_chat_id};
use crate::formats::{template, Format, FormatSettings};
use crate::rules::url_check::CheckedUrl;
use crate::values::field::FieldMessage;
use crate::values::http::Method;
use serde::{Deserialize, Serialize};

/// A webhook's format and what it needs, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FormatChoice {
    /// The body format.
    pub format: Format,
    /// The custom template, for [`Format::Custom`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The Telegram chat id typed in the form (the URL's `chat_id` is used when this is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
}

impl FormatChoice {
    /// What rendering needs, with the URL's own parts filled in.
    pub fn settings(&self, url: &str) -> FormatSettings {
        FormatSettings {
            template: self.template.clone(),
            chat_id: self.chat_id.clone().or_else(|| telegram_chat_id(url)),
            topic: ntfy_topic(url),
        }
    }
}

/// Reads a format's wire name (`autochatJson`, `slack`, …).
fn parse_format(name: &str) -> Option<Format> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// Checks the format fields. An empty format means: what the URL calls for, else AutoChat JSON.
pub fn check_format(
    format: &str,
    template_text: &str,
    chat_id: &str,
    url: Option<&CheckedUrl>,
    method: Option<Method>,
) -> Result<FormatChoice, Vec<FieldMessage>> {
    let mut errors = Vec::new();
    if let Some(message) = url.and_then(|u| retired(&u.url)) {
        errors.push(FieldMessage::new("url", message));
    }
    let format = match format.trim() {
        "" => url.and_then(|u| detect(&u.url)).map_or(Format::AutochatJson, |d| d.format),
        name => match parse_format(name) {
            Some(format) => format,
            None => {
                let known: Vec<&str> = Format::ALL.iter().map(|f| f.label()).collect();
                errors.push(FieldMessage::new(
                    "format",
                    format!("\"{name}\" is not a format AutoChat knows; choose one of {}.", known.join(", ")),
                ));
                return Err(errors);
            }
        },
    };
    if format.is_chat() && method == Some(Method::Get) {
        errors.push(FieldMessage::new(
            "method",
            format!(
                "{} receives messages only by POST: a GET request has no body to carry the message.",
                format.label()
            ),
        ));
    }
    let template = (format == Format::Custom).then(|| template_text.to_string());
    if let Some(text) = &template {
        if let Err(message) = template::check(text) {
            errors.push(FieldMessage::new("template", message));
        }
    }
    let chat_id = Some(chat_id.trim().to_string()).filter(|c| !c.is_empty() && format == Format::Telegram);
    if let Some(id) = &chat_id {
        let numeric = id.strip_prefix('-').unwrap_or(id).bytes().all(|b| b.is_ascii_digit());
        let channel = id
            .strip_prefix('@')
            .is_some_and(|n| n.len() >= 5 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        if !(numeric || channel) {
            errors.push(FieldMessage::new(
                "chatId",
                "A Telegram chat id is a number (e.g. 424242 or -1001234567890) or a public channel's @username.",
            ));
        }
    }
    if format == Format::Telegram && chat_id.is_none() && url.and_then(|u| telegram_chat_id(&u.url)).is_none() {
        errors.push(FieldMessage::new(
            "chatId",
            "Telegram needs the chat to post to: enter its chat id (ask @userinfobot, or read it from getUpdates), or add ?chat_id=… to the URL.",
        ));
    }
    if format == Format::Ntfy && url.is_some_and(|u| ntfy_topic(&u.url).is_none()) {
        errors.push(FieldMessage::new(
            "url",
            "An ntfy URL ends with its topic, e.g. https://ntfy.sh/my_autochat_alerts.",
        ));
    }
    if errors.is_empty() {
        Ok(FormatChoice { format, template, chat_id })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::url_check::check_url;

    fn check(format: &str, url: &str, method: Method) -> Result<FormatChoice, Vec<String>> {
        let url = check_url(url).ok();
        check_format(format, "", "", url.as_ref(), Some(method)).map_err(|e| e.into_iter().map(|m| m.field).collect())
    }

    #[test]
    fn an_empty_format_follows_the_url_and_a_chosen_one_wins() {
        let slack = "https://hooks.slack.com/services/T1/B2/abc";
        assert_eq!(check("", slack, Method::Post).map(|c| c.format), Ok(Format::Slack));
        assert_eq!(check("autochatJson", slack, Method::Post).map(|c| c.format), Ok(Format::AutochatJson));
        assert_eq!(check("", "https://api.example.com/x", Method::Post).map(|c| c.format), Ok(Format::AutochatJson));
        assert_eq!(check("carrierPigeon", slack, Method::Post), Err(vec!["format".into()]));
    }

    #[test]
    fn chat_formats_are_post_only_and_need_what_their_service_needs() {
        assert_eq!(
            check("slack", "https://hooks.slack.com/services/T1/B2/abc", Method::Get),
            Err(vec!["method".into()])
        );
        assert!(check("autochatJson", "https://api.example.com/x", Method::Get).is_ok());
        assert_eq!(
            check("telegram", "https://api.telegram.org/bot1:A/sendMessage", Method::Post),
            Err(vec!["chatId".into()])
        );
        assert!(check("telegram", "https://api.telegram.org/bot1:A/sendMessage?chat_id=42", Method::Post).is_ok());
        assert_eq!(check("ntfy", "https://ntfy.sh/", Method::Post), Err(vec!["url".into()]));
        assert_eq!(check("custom", "https://api.example.com/x", Method::Post), Err(vec!["template".into()]));
        let url = check_url("https://api.telegram.org/bot1:A/sendMessage").ok();
        let bad_chat = check_format("telegram", "", "my chat", url.as_ref(), Some(Method::Post));
        assert!(bad_chat.is_err());
        let chat = check_format("telegram", "", "@autochat_test", url.as_ref(), Some(Method::Post)).expect("valid");
        assert_eq!(
            chat.settings("https://api.telegram.org/bot1:A/sendMessage").chat_id.as_deref(),
            Some("@autochat_test")
        );
    }

    #[test]
    fn a_retired_teams_connector_is_refused_with_the_way_forward() {
        let url = check_url("https://contoso.webhook.office.com/webhookb2/a@b/IncomingWebhook/c/d").ok();
        let errors = check_format("", "", "", url.as_ref(), Some(Method::Post)).expect_err("retired");
        assert!(errors[0].message.contains("Workflows"));
    }
}
