//! Which format a pasted URL calls for, from its host and path as `url_parts` reads them — never
//! by substring, so `hooks.slack.com.evil.example` stays AutoChat JSON. Also which URLs no longer
//! work at all (Microsoft's retired Teams connectors).

use super::Format;
use crate::rules::url_check::{url_parts, UrlParts};
use serde::Serialize;

/// What a URL was recognised as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Detected {
    /// The format to select.
    pub format: Format,
    /// The service, for the hint ("Slack", "Zapier", …).
    pub service: String,
    /// Something worth knowing about this URL, if anything.
    pub note: Option<String>,
    /// Whether a new webhook for it is signed unless the user says otherwise: not for chat
    /// services, nor for Zapier's and IFTTT's hooks, which check no signature and gain only
    /// headers they do not expect.
    pub signed: bool,
}

impl Detected {
    fn unsigned(self) -> Detected {
        Detected { signed: false, ..self }
    }
}

/// Whether a new webhook posting to `url` is signed unless the user says otherwise.
pub fn signed_by_default(url: &str) -> bool {
    detect(url).is_none_or(|d| d.signed)
}

/// What the form says about an old Teams connector URL.
pub const TEAMS_RETIRED: &str = "This is an Office 365 connector URL for Teams, which Microsoft has retired: it no longer delivers messages. In Teams, open the channel's ⋯ menu → Workflows → \"Send webhook alerts to a channel\" (or \"Post to a channel when a webhook request is received\"), copy the URL the flow gives you, and paste it here.";

/// The service a URL belongs to, if AutoChat knows it.
pub fn detect(url: &str) -> Option<Detected> {
    let parts = url_parts(url)?;
    let found = |format: Format, service: &str, note: Option<&str>| {
        Some(Detected {
            format,
            service: service.to_string(),
            note: note.map(str::to_string),
            signed: !format.is_chat(),
        })
    };
    let host = parts.host.as_str();
    let segments: Vec<&str> = parts.path.trim_matches('/').split('/').collect();
    if is_discord_host(host) {
        if let Some(rest) = discord_webhook(&segments) {
            return match rest {
                Some("slack") => found(Format::Slack, "Discord (Slack-compatible)", None),
                Some(_) => None,
                None => found(Format::Discord, "Discord", None),
            };
        }
    }
    match host {
        "hooks.slack.com" | "hooks.slack-gov.com" if is_slack_path(&segments) => found(Format::Slack, "Slack", None),
        "chat.googleapis.com" if is_google_chat_path(&segments, &parts) => found(Format::GoogleChat, "Google Chat", None),
        "api.telegram.org" if is_telegram_path(&segments) => {
            let note = parts.query_value("chat_id").is_none().then_some(
                "Telegram needs the chat to post to: fill in the Chat ID field, or add ?chat_id=… to the URL.",
            );
            found(Format::Telegram, "Telegram", note)
        }
        "hooks.zapier.com" if segments.starts_with(&["hooks", "catch"]) => found(Format::AutochatJson, "Zapier", None).map(Detected::unsigned),
        "maker.ifttt.com" => match segments.as_slice() {
            ["trigger", _, "json", "with", "key", _] => found(Format::AutochatJson, "IFTTT (JSON trigger)", None).map(Detected::unsigned),
            ["trigger", _, "with", "key", _] => found(Format::Ifttt, "IFTTT", None),
            _ => None,
        },
        "hooks.nabu.casa" => found(Format::AutochatJson, "Home Assistant (Nabu Casa)", None),
        "ntfy.sh" if is_ntfy_topic(&segments) => found(Format::Ntfy, "ntfy", None),
        _ if is_make_host(host) => found(Format::AutochatJson, "Make", None),
        _ if is_teams_workflow(host, &parts) => {
            let note = parts.query_value("sig").is_none().then_some(
                "This Workflows URL has no sig parameter, so it only accepts signed-in Microsoft requests; choose \"Anyone\" in the flow's trigger and copy the new URL.",
            );
            found(Format::Teams, "Microsoft Teams (Workflows)", note)
        }
        _ => match segments.as_slice() {
            ["api", "webhook", id] if !id.is_empty() => found(Format::AutochatJson, "Home Assistant", None),
            ["webhook-test", ..] => found(
                Format::AutochatJson,
                "n8n",
                Some("This is n8n's test URL, which works once after \"Execute workflow\"; use the production URL (/webhook/…) with the workflow active."),
            ),
            ["webhook", _, ..] => found(Format::AutochatJson, "n8n", None),
            ["hooks", id] if id.len() == 26 && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) => {
                found(Format::Mattermost, "Mattermost", Some("This looks like a Mattermost incoming webhook; change the format if it is not."))
            }
            _ => None,
        },
    }
}

/// The message for a URL that can no longer work, if it is one.
pub fn retired(url: &str) -> Option<&'static str> {
    let parts = url_parts(url)?;
    let connector = parts.host.ends_with(".webhook.office.com") || parts.host == "webhook.office.com";
    let outlook = parts.host == "outlook.office.com" && parts.path.starts_with("/webhook");
    (connector || outlook).then_some(TEAMS_RETIRED)
}

/// The Telegram chat id in a URL's query, if any.
pub fn telegram_chat_id(url: &str) -> Option<String> {
    url_parts(url)?.query_value("chat_id").filter(|id| !id.is_empty())
}

/// The ntfy topic of a URL (its one path segment), if it has one.
pub fn ntfy_topic(url: &str) -> Option<String> {
    let parts = url_parts(url)?;
    let segments: Vec<&str> = parts.path.trim_matches('/').split('/').collect();
    is_ntfy_topic(&segments).then(|| segments.first().map(|s| s.to_string())).flatten()
}

fn is_discord_host(host: &str) -> bool {
    matches!(host, "discord.com" | "discordapp.com" | "ptb.discord.com" | "canary.discord.com")
}

/// For `/api[/vN]/webhooks/<id>/<token>[/suffix]`: `Some(None)`, or `Some(Some(suffix))`.
fn discord_webhook<'a>(segments: &[&'a str]) -> Option<Option<&'a str>> {
    let rest = match segments {
        ["api", version, rest @ ..]
            if version.strip_prefix('v').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            rest
        }
        ["api", rest @ ..] => rest,
        _ => return None,
    };
    let (id, token, suffix) = match rest {
        ["webhooks", id, token] => (id, token, None),
        ["webhooks", id, token, suffix] => (id, token, Some(*suffix)),
        _ => return None,
    };
    let id_ok = (17..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
    let token_ok = !token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    (id_ok && token_ok).then_some(suffix)
}

fn is_slack_path(segments: &[&str]) -> bool {
    let upper = |s: &str, first: u8| {
        s.as_bytes().first() == Some(&first)
            && s.len() > 1
            && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    match segments {
        ["services", team, bot, secret] => {
            upper(team, b'T')
                && upper(bot, b'B')
                && !secret.is_empty()
                && secret.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        _ => false,
    }
}

fn is_google_chat_path(segments: &[&str], parts: &UrlParts) -> bool {
    matches!(segments, ["v1", "spaces", space, "messages"] if !space.is_empty())
        && parts.query_value("key").is_some()
        && parts.query_value("token").is_some()
}

fn is_telegram_path(segments: &[&str]) -> bool {
    match segments {
        [bot, method] if method.eq_ignore_ascii_case("sendMessage") => bot
            .strip_prefix("bot")
            .and_then(|t| t.split_once(':'))
            .is_some_and(|(id, secret)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !secret.is_empty()),
        _ => false,
    }
}

fn is_ntfy_topic(segments: &[&str]) -> bool {
    matches!(segments, [topic] if (1..=64).contains(&topic.len()) && topic.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn is_make_host(host: &str) -> bool {
    let zone_ok = |zone: &str| !zone.is_empty() && zone.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    match host.strip_prefix("hook.") {
        Some(rest) => rest
            .strip_suffix(".make.com")
            .map(zone_ok)
            .or_else(|| rest.strip_suffix(".integromat.com").map(zone_ok))
            .unwrap_or(rest == "integromat.com"),
        None => false,
    }
}

fn is_teams_workflow(host: &str, parts: &UrlParts) -> bool {
    let power_platform = host.ends_with(".environment.api.powerplatform.com") || host.ends_with(".logic.azure.com");
    power_platform && parts.path.contains("/workflows/") && parts.path.ends_with("/triggers/manual/paths/invoke")
}
