//! How a received request is shown: readable lines for a person, or one JSON line for a script.

use autochat_core::rules::url_check::percent_decode;
use autochat_core::signing::Verdict;
use serde_json::{json, Value};

/// One request as it arrived.
pub struct Received {
    /// Its number since the inspector started (1, 2, …).
    pub number: u64,
    /// The method.
    pub method: String,
    /// The path and query.
    pub url: String,
    /// The headers, names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
    /// When it arrived (RFC 3339).
    pub at: String,
    /// How many times this delivery id has arrived, this time included.
    pub attempt: u64,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The envelope (or batch) in the body, or a GET's `payload` query value.
    pub fn payload(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok().or_else(|| {
            let query = self.url.split_once('?')?.1;
            let value = query.split('&').find_map(|p| p.strip_prefix("payload="))?;
            serde_json::from_str(&percent_decode(value)).ok()
        })
    }

    /// What was signed: the body, or a GET's `payload` value.
    pub fn signed(&self) -> String {
        if self.method == "GET" {
            let query = self.url.split_once('?').map(|(_, q)| q).unwrap_or_default();
            query.split('&').find_map(|p| p.strip_prefix("payload=")).map(percent_decode).unwrap_or_default()
        } else {
            self.body.clone()
        }
    }
}

/// A verdict in words.
pub fn verdict_words(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        None => "not checked (start with --secret whsec_… to check)",
        Some(Verdict::Valid) => "✓ valid",
        Some(Verdict::Invalid) => "✗ invalid: no signature matches the secret",
        Some(Verdict::TooOld) => "✗ too old: the timestamp is more than 5 minutes from this clock",
        Some(Verdict::Unsigned) => "✗ unsigned: no webhook-signature",
    }
}

/// The readable form of a request and the answer it got.
pub fn readable(r: &Received, verdict: Option<Verdict>, status: u16) -> String {
    let payload = r.payload();
    let field =
        |key: &str| payload.as_ref().and_then(|p| p.get(key)).and_then(Value::as_str).unwrap_or("–").to_string();
    let mut lines = vec![format!("── #{} {} {} at {}", r.number, r.method, r.url, r.at)];
    match payload.as_ref().and_then(|p| p.get("batch")) {
        Some(_) => lines.push(format!(
            "batch      {} events",
            payload.as_ref().and_then(|p| p.get("count")).unwrap_or(&Value::Null)
        )),
        None => lines.push(format!("event      {}   (happened {})", field("event"), field("timestamp"))),
    }
    if let Some(id) = r.header("webhook-id") {
        lines.push(format!("delivery   {id}   attempt {}", r.attempt));
    }
    lines.push(format!("signature  {}", verdict_words(verdict)));
    match payload.as_ref().and_then(|p| p.get("data").or_else(|| p.get("events"))) {
        Some(data) => lines.push(format!(
            "data       {}",
            serde_json::to_string_pretty(data).unwrap_or_default().replace('\n', "\n           ")
        )),
        None if !r.body.is_empty() => lines.push(format!("body       {}", r.body)),
        None => {}
    }
    for (name, value) in &r.headers {
        lines.push(format!("header     {name}: {value}"));
    }
    lines.push(format!("answered   {status}"));
    lines.join("\n") + "\n"
}

/// One JSON line: the request, the verdict and the answer.
pub fn json_line(r: &Received, verdict: Option<Verdict>, status: u16) -> String {
    let verdict = verdict.map(|v| match v {
        Verdict::Valid => "valid",
        Verdict::Invalid => "invalid",
        Verdict::TooOld => "too_old",
        Verdict::Unsigned => "unsigned",
    });
    let headers: serde_json::Map<String, Value> =
        r.headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let payload = r.payload();
    json!({
        "n": r.number,
        "method": r.method,
        "url": r.url,
        "receivedAt": r.at,
        "event": payload.as_ref().and_then(|p| p.get("event")).cloned().unwrap_or(Value::Null),
        "deliveryId": r.header("webhook-id"),
        "attempt": r.attempt,
        "signature": verdict,
        "headers": headers,
        "body": payload.unwrap_or(Value::String(r.body.clone())),
        "status": status,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(method: &str, url: &str, body: &str) -> Received {
        Received {
            number: 1,
            method: method.into(),
            url: url.into(),
            headers: vec![("webhook-id".into(), "msg_1".into())],
            body: body.into(),
            at: "2025-12-07T17:30:00.000Z".into(),
            attempt: 2,
        }
    }

    #[test]
    fn a_request_reads_as_its_event_delivery_and_data() {
        let r = received("POST", "/", r#"{"event":"error","timestamp":"t","data":{"error":"x"}}"#);
        let text = readable(&r, Some(Verdict::Valid), 200);
        assert!(text.contains("event      error") && text.contains("attempt 2") && text.contains("✓ valid"), "{text}");
        let line: Value = serde_json::from_str(&json_line(&r, Some(Verdict::TooOld), 503)).expect("JSON");
        assert_eq!(
            (line["event"].clone(), line["signature"].clone(), line["status"].clone()),
            (json!("error"), json!("too_old"), json!(503))
        );
    }

    #[test]
    fn a_get_carries_its_payload_in_the_query() {
        let r = received("GET", "/?event=error&payload=%7B%22event%22%3A%22error%22%7D", "");
        assert_eq!(r.signed(), r#"{"event":"error"}"#);
        assert_eq!(r.payload().and_then(|p| p.get("event").cloned()), Some(json!("error")));
    }
}
