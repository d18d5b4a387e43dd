//! Builds the HTTP request for one attempt of one delivery.
//!
//! Headers, in order: `Content-Type: application/json` (not for GET; a custom Content-Type
//! replaces it), the webhook's custom headers, then `webhook-id` (the delivery id, the same on
//! every attempt) and `webhook-timestamp` (this attempt's Unix seconds), after the Standard
//! Webhooks convention.
//!
//! GET cannot carry a body, so a GET webhook receives the envelope in the query string:
//! `?event=<event name>&payload=<the envelope JSON, percent-encoded>`, appended to any query the
//! URL already has.
//!
//! A signed webhook adds `webhook-signature` (and, if asked, `X-Hub-Signature-256`), computed for
//! this attempt's timestamp over exactly what is sent: the body, or a GET's `payload` value.
//!
//! Chat formats (Slack, Discord, …) get `Content-Type: application/json` and the custom headers
//! only: the `webhook-*` headers mean nothing to a chat service. Telegram's `chat_id` travels in
//! the body, so it is taken out of the URL; ntfy's JSON is published to the server's root.

use crate::formats::Format;
use crate::signing::Signing;
use crate::values::http::HttpRequest;
use crate::values::http::Method;
use crate::values::ids::DeliveryId;
use crate::values::time::Millis;
use crate::webhooks::webhook::Webhook;
use std::time::Duration;

/// The request for one attempt.
#[allow(clippy::too_many_arguments)] // one attempt's facts, all needed together
pub fn build_request(
    webhook: &Webhook,
    format: Format,
    signing: Option<&Signing>,
    delivery: &DeliveryId,
    event: &str,
    body: &str,
    now: Millis,
    timeout: Duration,
) -> HttpRequest {
    let mut headers = Vec::with_capacity(webhook.headers.len() + 3);
    let custom_content_type = webhook.headers.keys().any(|k| k.eq_ignore_ascii_case("content-type"));
    if webhook.method != Method::Get && !custom_content_type {
        headers.push(("Content-Type".to_string(), "application/json".to_string()));
    }
    headers.extend(webhook.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
    if !format.is_chat() {
        headers.push(("webhook-id".to_string(), delivery.0.clone()));
        headers.push(("webhook-timestamp".to_string(), now.unix_seconds().to_string()));
        // Signed over exactly what is sent: the body, or a GET's `payload` value.
        if let Some(signing) = signing {
            headers.extend(signing.headers(&delivery.0, now.unix_seconds(), body, now));
        }
    }
    let (url, body) = match (webhook.method, format) {
        (Method::Get, _) => (with_query(&webhook.url, event, body), None),
        (_, Format::Telegram) => (without_query_param(&webhook.url, "chat_id"), Some(body.to_string())),
        (_, Format::Ntfy) => (server_root(&webhook.url), Some(body.to_string())),
        _ => (webhook.url.clone(), Some(body.to_string())),
    };
    HttpRequest { method: webhook.method, url, headers, body, timeout }
}

/// `url` without the query parameter `name` (and without a `?` left empty).
fn without_query_param(url: &str, name: &str) -> String {
    let (base, fragment) = url.split_once('#').map_or((url, ""), |(b, _)| (b, ""));
    let Some((path, query)) = base.split_once('?') else { return url.to_string() };
    let kept: Vec<&str> = query.split('&').filter(|p| p.split('=').next() != Some(name) && !p.is_empty()).collect();
    let mut out = path.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out.push_str(fragment);
    out
}

/// `scheme://host[:port]/` of a URL.
fn server_root(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end =
        url.get(after_scheme..).and_then(|rest| rest.find(['/', '?', '#'])).map_or(url.len(), |i| after_scheme + i);
    format!("{}/", url.get(..end).unwrap_or(url))
}

fn with_query(url: &str, event: &str, body: &str) -> String {
    let (base, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let separator = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{base}{separator}event={}&payload={}{fragment}", percent_encode(event), percent_encode(body))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::ids::WebhookId;
    use crate::values::small_map::SmallMap;

    fn webhook(method: Method, url: &str, headers: &[(&str, &str)]) -> Webhook {
        Webhook {
            id: WebhookId("wh_1".into()),
            name: "n".into(),
            url: url.into(),
            method,
            events: vec![],
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<SmallMap<_, _>>(),
            enabled: true,
            created_at: String::new(),
            last_triggered: None,
            trigger_count: 0,
            failure_count: 0,
        }
    }

    /// The request for delivery `msg_1` at time 0, with a 1 ms timeout.
    fn build(w: &Webhook, format: Format, signing: Option<&Signing>, event: &str, body: &str) -> HttpRequest {
        build_request(w, format, signing, &DeliveryId("msg_1".into()), event, body, Millis(0), Duration::from_millis(1))
    }

    fn names(r: &HttpRequest) -> Vec<&str> {
        r.headers.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn post_sends_the_body_with_json_type_custom_headers_and_delivery_id() {
        let w = webhook(Method::Post, "https://a.com/h", &[("Authorization", "Bearer t")]);
        let r = build_request(
            &w,
            Format::AutochatJson,
            None,
            &DeliveryId("msg_1".into()),
            "error",
            "{\"a\":1}",
            Millis(1_765_128_600_999),
            Duration::from_secs(10),
        );
        assert_eq!(r.url, "https://a.com/h");
        assert_eq!(r.body.as_deref(), Some("{\"a\":1}"));
        assert_eq!(names(&r), ["Content-Type", "Authorization", "webhook-id", "webhook-timestamp"]);
        assert_eq!(r.headers[2].1, "msg_1");
        assert_eq!(r.headers[3].1, "1765128600");
        assert_eq!(r.timeout, Duration::from_secs(10));
    }

    #[test]
    fn a_custom_content_type_replaces_ours() {
        let w = webhook(Method::Put, "https://a.com", &[("content-type", "text/plain")]);
        let r = build(&w, Format::AutochatJson, None, "error", "{}");
        assert_eq!(names(&r), ["content-type", "webhook-id", "webhook-timestamp"]);
    }

    #[test]
    fn get_carries_the_envelope_in_the_query() {
        let r = build(
            &webhook(Method::Get, "https://a.com/h", &[]),
            Format::AutochatJson,
            None,
            "message_sent",
            "{\"a\":\"b c\"}",
        );
        assert_eq!(r.url, "https://a.com/h?event=message_sent&payload=%7B%22a%22%3A%22b%20c%22%7D");
        assert_eq!(r.body, None);
        assert_eq!(names(&r), ["webhook-id", "webhook-timestamp"]);
        let r =
            build(&webhook(Method::Get, "https://a.com/h?key=1#top", &[]), Format::AutochatJson, None, "error", "{}");
        assert_eq!(r.url, "https://a.com/h?key=1&event=error&payload=%7B%7D#top");
        let r = build(&webhook(Method::Get, "https://a.com/h?", &[]), Format::AutochatJson, None, "error", "{}");
        assert_eq!(r.url, "https://a.com/h?event=error&payload=%7B%7D");
    }

    #[test]
    fn signed_requests_carry_a_signature_over_what_is_sent() {
        let signing = Signing {
            enabled: true,
            secret: crate::signing::Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid"),
            previous: None,
            github: true,
        };
        let post =
            build(&webhook(Method::Post, "https://a.com", &[]), Format::AutochatJson, Some(&signing), "error", "{}");
        assert_eq!(
            names(&post),
            ["Content-Type", "webhook-id", "webhook-timestamp", "webhook-signature", "X-Hub-Signature-256"]
        );
        assert_eq!(post.headers[3].1, signing.headers("msg_1", 0, "{}", Millis(0))[0].1);
        let get = build(
            &webhook(Method::Get, "https://a.com", &[]),
            Format::AutochatJson,
            Some(&signing),
            "error",
            "{\"a\":1}",
        );
        assert_eq!(
            get.headers[2].1,
            signing.headers("msg_1", 0, "{\"a\":1}", Millis(0))[0].1,
            "a GET signs its payload value"
        );
        let slack = build(
            &webhook(Method::Post, "https://hooks.slack.com/services/T1/B2/x", &[]),
            Format::Slack,
            Some(&signing),
            "error",
            "{}",
        );
        assert_eq!(names(&slack), ["Content-Type"], "chat services are never signed");
    }

    #[test]
    fn chat_formats_carry_no_webhook_headers_and_take_what_their_service_needs() {
        let at = |url: &str, format: Format| build(&webhook(Method::Post, url, &[]), format, None, "error", "{}");
        let slack = at("https://hooks.slack.com/services/T1/B2/x", Format::Slack);
        assert_eq!(names(&slack), ["Content-Type"]);
        let telegram = at("https://api.telegram.org/bot1:A/sendMessage?chat_id=42&x=1#f", Format::Telegram);
        assert_eq!(telegram.url, "https://api.telegram.org/bot1:A/sendMessage?x=1");
        let telegram = at("https://api.telegram.org/bot1:A/sendMessage?chat_id=42", Format::Telegram);
        assert_eq!(telegram.url, "https://api.telegram.org/bot1:A/sendMessage");
        assert_eq!(at("https://ntfy.example.com:8080/alerts", Format::Ntfy).url, "https://ntfy.example.com:8080/");
        assert_eq!(names(&at("https://a.com/h", Format::Custom)), ["Content-Type", "webhook-id", "webhook-timestamp"]);
    }

    #[test]
    fn percent_encoding_covers_unicode() {
        assert_eq!(percent_encode("é&=+"), "%C3%A9%26%3D%2B");
    }
}
