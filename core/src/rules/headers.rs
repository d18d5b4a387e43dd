//! Custom header validation: what a user may add to every request of a webhook.

use crate::values::small_map::SmallMap;

/// At most this many custom headers per webhook.
pub const MAX_HEADERS: usize = 20;
/// The longest header name accepted.
pub const MAX_NAME_LEN: usize = 100;
/// The longest header value accepted.
pub const MAX_VALUE_LEN: usize = 4096;

/// Headers a page's `fetch` may not set (the Fetch standard's forbidden request-header names).
const FORBIDDEN_BY_BROWSER: [&str; 21] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Headers the dispatcher writes on every request; a custom value would break de-duplication.
pub const OWNED_BY_AUTOCHAT: [&str; 4] =
    ["webhook-id", "webhook-timestamp", "webhook-signature", "x-hub-signature-256"];

/// A header value as pages are shown it: `********` and its last four characters (all asterisks when it is
/// short), so an `Authorization` token never reaches a page unless the user asks to reveal it.
pub fn mask(value: &str) -> String {
    let count = value.chars().count();
    if count <= 8 {
        "********".into()
    } else {
        let tail: String = value.chars().skip(count - 4).collect();
        format!("********{tail}")
    }
}

/// Reads the Custom Headers box of the form: empty means no headers, anything else must be JSON.
pub fn parse_headers_text(text: &str) -> Result<serde_json::Value, String> {
    if text.trim().is_empty() {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    serde_json::from_str(text).map_err(|e| {
        format!("Custom headers are not valid JSON ({e}). Use the form {{\"Authorization\": \"Bearer …\"}}.")
    })
}

/// Checks a headers object and returns it as a name → value map, or the first problem in words.
pub fn check_headers(value: &serde_json::Value) -> Result<SmallMap<String, String>, String> {
    let object = match value {
        serde_json::Value::Null => return Ok(SmallMap::new()),
        serde_json::Value::Object(o) => o,
        _ => return Err("Custom headers must be a JSON object, e.g. {\"Authorization\": \"Bearer …\"}.".into()),
    };
    if object.len() > MAX_HEADERS {
        return Err(format!("At most {MAX_HEADERS} custom headers are allowed; this has {}.", object.len()));
    }
    let mut out = SmallMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in object {
        let serde_json::Value::String(value) = value else {
            return Err(format!("The value of \"{name}\" must be text in quotes, e.g. \"{name}\": \"…\"."));
        };
        check_name(name)?;
        if value.chars().any(|c| matches!(c, '\r' | '\n' | '\0')) {
            return Err(format!("The value of \"{name}\" must be on one line (no line breaks)."));
        }
        // A header is a byte string: fetch refuses a value with characters beyond Latin-1.
        if let Some(c) = value.chars().find(|c| u32::from(*c) > 0xFF || (c.is_control() && *c != '\t')) {
            return Err(format!(
                "The value of \"{name}\" contains \u{201c}{c}\u{201d}, which an HTTP header cannot carry; use plain letters, digits and punctuation."
            ));
        }
        if value.len() > MAX_VALUE_LEN {
            return Err(format!("The value of \"{name}\" is too long; the limit is {MAX_VALUE_LEN} characters."));
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(format!("The header \"{name}\" is given twice (header names ignore case)."));
        }
        out.insert(name.clone(), value.trim().to_string());
    }
    Ok(out)
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("A header name is empty.".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "The header name \"{}…\" is too long; the limit is {MAX_NAME_LEN} characters.",
            name.chars().take(20).collect::<String>()
        ));
    }
    if !name.bytes().all(is_token_char) {
        return Err(format!("\"{name}\" is not a valid header name: use letters, digits and - (no spaces or colons)."));
    }
    let lower = name.to_ascii_lowercase();
    if FORBIDDEN_BY_BROWSER.contains(&lower.as_str()) || lower.starts_with("proxy-") || lower.starts_with("sec-") {
        return Err(format!("\"{name}\" is set by the browser itself and cannot be sent as a custom header."));
    }
    if OWNED_BY_AUTOCHAT.contains(&lower.as_str()) {
        return Err(format!(
            "\"{name}\" is set by AutoChat on every delivery (it identifies the delivery), so it cannot be customised."
        ));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_masked_but_for_their_last_four_characters() {
        assert_eq!(mask("Bearer abcdefgh1234"), "********1234");
        assert_eq!(mask("short"), "********");
    }

    #[test]
    fn a_long_non_ascii_name_is_refused_not_a_panic() {
        let name = format!("{}é{}", "a".repeat(19), "b".repeat(100));
        assert!(check_headers(&json!({ name: "v" })).is_err_and(|m| m.contains("too long")));
    }

    #[test]
    fn values_an_http_header_cannot_carry_are_refused_with_the_reason() {
        let err = check_headers(&json!({"X-Note": "Bearer …"})).expect_err("an ellipsis is not Latin-1");
        assert!(err.contains("\u{201c}…\u{201d}"), "{err}");
        assert!(check_headers(&json!({"X-Note": "café"})).is_ok(), "Latin-1 is fine");
        assert!(check_headers(&json!({"X-Note": "a\u{7}b"})).is_err());
    }

    #[test]
    fn accepts_the_guides_examples() {
        let h = check_headers(&json!({
            "Authorization": "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
            "X-API-Key": "your-secret-api-key",
            "X-Client-ID": "autochat-extension",
            "Content-Type": "application/json"
        }))
        .expect("valid");
        assert_eq!(h.len(), 4);
        assert_eq!(h.get("X-API-Key").map(String::as_str), Some("your-secret-api-key"));
        assert!(check_headers(&json!(null)).expect("none").is_empty());
        assert!(check_headers(&json!({})).expect("none").is_empty());
    }

    #[test]
    fn refuses_bad_headers_saying_why() {
        for (value, says) in [
            (json!(["Authorization"]), "JSON object"),
            (json!("Authorization: x"), "JSON object"),
            (json!({"X-Count": 5}), "text in quotes"),
            (json!({"X-Flag": true}), "text in quotes"),
            (json!({"Bad Name": "x"}), "not a valid header name"),
            (json!({"X-A:": "x"}), "not a valid header name"),
            (json!({"": "x"}), "empty"),
            (json!({"X-Inject": "a\r\nHost: evil"}), "one line"),
            (json!({"Host": "example.com"}), "set by the browser"),
            (json!({"content-length": "5"}), "set by the browser"),
            (json!({"Cookie": "a=b"}), "set by the browser"),
            (json!({"Sec-Fetch-Mode": "cors"}), "set by the browser"),
            (json!({"Proxy-Authorization": "x"}), "set by the browser"),
            (json!({"Webhook-Id": "msg_1"}), "set by AutoChat"),
            (json!({"X-Key": "a", "x-key": "b"}), "given twice"),
            (json!({"X-Big": "v".repeat(MAX_VALUE_LEN + 1)}), "too long"),
        ] {
            let err = check_headers(&value).expect_err(&value.to_string());
            assert!(err.contains(says), "{value} said {err:?}, expected {says:?}");
        }
        let many: serde_json::Map<String, serde_json::Value> =
            (0..=MAX_HEADERS).map(|i| (format!("X-{i}"), json!("v"))).collect();
        assert!(check_headers(&serde_json::Value::Object(many)).expect_err("too many").contains("At most 20"));
    }

    #[test]
    fn reads_the_forms_text_box() {
        assert_eq!(parse_headers_text("  ").expect("empty is fine"), json!({}));
        assert_eq!(parse_headers_text(r#"{"A":"b"}"#).expect("json"), json!({"A": "b"}));
        assert!(parse_headers_text("{A: b}").expect_err("not json").contains("not valid JSON"));
    }
}
