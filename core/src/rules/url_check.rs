//! Webhook URL validation: an absolute `http`/`https` URL with a host, nothing else.
//!
//! Hand-written rather than pulled from the `url` crate: the rules are few, and the crate's Unicode
//! tables would more than double the shipped wasm. Non-ASCII host names are accepted as typed; the
//! browser converts them to punycode when it sends.

/// The longest URL accepted. Browsers take more, but no webhook endpoint needs it.
pub const MAX_URL_LEN: usize = 2048;

/// The two schemes a webhook can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Plain HTTP: allowed, but flagged unless the host is this machine.
    Http,
    /// HTTPS.
    Https,
}

/// A URL that passed validation, with the parts the rest of the core needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUrl {
    /// The URL as the user typed it, surrounding white space removed.
    pub url: String,
    /// Its scheme.
    pub scheme: Scheme,
    /// Its host, ASCII letters lower-cased; IPv6 literals keep their brackets.
    pub host: String,
    /// Its explicit port, if any.
    pub port: Option<u16>,
}

impl CheckedUrl {
    /// True when the host is this machine (`localhost`, `127.x.x.x`, `[::1]`).
    pub fn is_local(&self) -> bool {
        is_local_host(&self.host)
    }

    /// The match pattern that grants the extension this URL's origin, e.g. `https://hooks.slack.com/*`
    /// (match patterns cover every port of a host).
    pub fn origin_pattern(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{scheme}://{}/*", self.host)
    }
}

/// True for host names that always mean this machine.
pub fn is_local_host(host: &str) -> bool {
    // Exactly the hosts the manifest grants up front (`localhost`, `*.localhost`, `127.0.0.1`):
    // any other loopback address (127.0.0.2, [::1]) is asked for like any site, so no request
    // fails for want of a permission AutoChat assumed it had.
    host == "localhost" || host.ends_with(".localhost") || host == "127.0.0.1"
}

/// Checks `input` and explains the first problem in words a user can act on.
pub fn check_url(input: &str) -> Result<CheckedUrl, String> {
    let url = input.trim();
    if url.is_empty() {
        return Err("Enter the URL of your webhook endpoint, e.g. https://hooks.slack.com/services/…".into());
    }
    if url.len() > MAX_URL_LEN {
        return Err(format!("The URL is too long ({} characters); the limit is {MAX_URL_LEN}.", url.len()));
    }
    let (scheme, rest) = split_scheme(url)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err("Remove the user name or password from the URL; put credentials in a custom header such as Authorization instead.".into());
    }
    let (host, port) = split_port(authority)?;
    let host = check_host(host)?;
    if let Some(c) = tail.chars().find(|c| c.is_whitespace() || c.is_control() || *c == '\\') {
        let what = if c == ' ' { "a space".to_string() } else { format!("the character {c:?}") };
        return Err(format!("The URL contains {what}; encode it (a space is %20) or remove it."));
    }
    Ok(CheckedUrl { url: url.to_string(), scheme, host, port })
}

/// A URL's parts after [`check_url`]: host (lower-cased), path and query (each as written,
/// without `?` and `#`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// The host, ASCII letters lower-cased.
    pub host: String,
    /// The path, `/` when empty.
    pub path: String,
    /// The query without `?`, empty when none.
    pub query: String,
}

impl UrlParts {
    /// The first value of a query parameter, percent-decoding `%XX` and `+`.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(v))
    }
}

/// Splits a URL that [`check_url`] accepts into its parts.
pub fn url_parts(url: &str) -> Option<UrlParts> {
    let checked = check_url(url).ok()?;
    let (_, rest) = split_scheme(checked.url.as_str()).ok()?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let tail = rest.get(authority_end..)?;
    let tail = tail.split('#').next().unwrap_or_default();
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    let path = if path.is_empty() { "/" } else { path };
    Some(UrlParts { host: checked.host, path: path.to_string(), query: query.to_string() })
}

/// Decodes a query value as forms encode it (`%XX` bytes, `+` for a space); invalid UTF-8 becomes
/// U+FFFD and a `%` without two hex digits stays as it is.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The origin (`scheme://host[:port]`, as written) of a web page's URL: http(s) only, with a
/// host. Pages the campaign works on are checked with this, not with the stricter webhook rules
/// (a chat page's URL may be long or carry a login in its path).
pub fn web_origin(url: &str) -> Option<&str> {
    let (_, rest) = split_scheme(url).ok()?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end)?;
    let (host, _) = split_port(authority).ok()?;
    if host.is_empty() || authority.contains('@') {
        return None;
    }
    url.get(..url.len() - rest.len() + authority_end)
}

fn split_scheme(url: &str) -> Result<(Scheme, &str), String> {
    let full_url_hint = "Enter a full URL starting with https://, e.g. https://hooks.slack.com/services/…";
    let Some(colon) = url.find(':') else {
        return Err(full_url_hint.into());
    };
    let scheme = url.get(..colon).unwrap_or_default();
    let is_scheme_like = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme_like {
        return Err(full_url_hint.into());
    }
    let parsed = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other
            if url.get(colon..).is_some_and(|rest| rest.starts_with("://"))
                || matches!(
                    other,
                    "javascript" | "data" | "file" | "blob" | "mailto" | "about" | "chrome" | "chrome-extension"
                ) =>
        {
            return Err(format!("Only http:// and https:// URLs can receive webhooks, not {other}:"));
        }
        // `localhost:8080/hook` reads as scheme "localhost"; the user most likely left out the scheme.
        _ => return Err(full_url_hint.into()),
    };
    url.get(colon + 1..)
        .and_then(|rest| rest.strip_prefix("//"))
        .map(|rest| (parsed, rest))
        .ok_or_else(|| full_url_hint.into())
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    // An IPv6 literal has colons of its own; its port follows the closing bracket.
    let port_colon = if authority.starts_with('[') {
        authority.find(']').and_then(|close| authority.get(close..)?.find(':').map(|c| close + c))
    } else {
        authority.rfind(':')
    };
    let Some(colon) = port_colon else {
        return Ok((authority, None));
    };
    let digits = authority.get(colon + 1..).unwrap_or_default();
    match digits.parse::<u16>() {
        Ok(port) if port > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Ok((authority.get(..colon).unwrap_or_default(), Some(port)))
        }
        _ => Err(format!("The port \"{digits}\" is not valid; use a number from 1 to 65535.")),
    }
}

fn check_host(host: &str) -> Result<String, String> {
    if host.is_empty() {
        return Err("The URL has no host name; it should look like https://example.com/path.".into());
    }
    if let Some(inner) = host.strip_prefix('[') {
        let ok = inner
            .strip_suffix(']')
            .is_some_and(|v6| v6.contains(':') && v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.'));
        return if ok {
            Ok(host.to_ascii_lowercase())
        } else {
            Err(format!("\"{host}\" is not a valid IPv6 address."))
        };
    }
    if host.len() > 253 {
        return Err("The host name is too long (more than 253 characters).".into());
    }
    let labels_ok = host.trim_end_matches('.').split('.').all(|label| {
        !label.is_empty()
            && label.chars().count() <= 63
            // ASCII letters, digits, '-' and '_', or any other visible character of an
            // internationalised name (the browser converts those to punycode when it sends).
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || (!c.is_ascii() && !c.is_whitespace() && !c.is_control()))
    });
    if !labels_ok {
        return Err(format!("\"{host}\" is not a valid host name."));
    }
    // A host ending in a number is an IPv4 address to the browser (so "example.123" is no name at
    // all), read as the URL standard reads it: 192.168.1.30, and the short forms 127.1 or 10.0.0.
    let labels: Vec<&str> = host.strip_suffix('.').unwrap_or(host).split('.').collect();
    let ends_in_number = labels.last().is_some_and(|last| {
        (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit())) || ipv4_number(last).is_some()
    });
    if ends_in_number && !is_ipv4(&labels) {
        return Err(format!(
            "\"{host}\" is not a valid IP address: it takes four numbers from 0 to 255, e.g. 192.168.1.30."
        ));
    }
    // ASCII case only: letters of other scripts are left as typed, as the browser's IDN step
    // normalises them.
    Ok(host.to_ascii_lowercase())
}

/// One part of an IPv4 address as the URL standard reads it: decimal, `0x` hexadecimal, or octal
/// after a leading zero.
fn ipv4_number(part: &str) -> Option<u64> {
    let (digits, radix) = match part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => match part.strip_prefix('0') {
            Some(octal) if !octal.is_empty() => (octal, 8),
            _ => (part, 10),
        },
    };
    if digits.is_empty() {
        return (radix == 16).then_some(0);
    }
    // Too big is still a number (the browser then refuses the address), so it saturates.
    digits
        .chars()
        .try_fold(0u64, |n, c| Some(n.saturating_mul(u64::from(radix)).saturating_add(u64::from(c.to_digit(radix)?))))
}

/// Whether the labels make an IPv4 address: one to four numbers, each but the last under 256,
/// the last filling the bytes left.
fn is_ipv4(labels: &[&str]) -> bool {
    let Some((last, first)) = labels.split_last() else { return false };
    let Some(last) = ipv4_number(last) else { return false };
    labels.len() <= 4
        && first.iter().all(|p| ipv4_number(p).is_some_and(|n| n < 256))
        && last < 1u64 << (8 * (5 - labels.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_ip_address_is_refused_in_words() {
        for host in [
            "192.168.1.300",
            "1.2.3.4.5",
            "example.123",
            "256.1.1.1",
            "0x100.1.1.1",
            "1.09",
            "hooks.0x10000000000000000",
            "99999999999999999999999",
        ] {
            let refused = check_url(&format!("http://{host}:8123/api/webhook/x")).expect_err(host);
            assert!(refused.contains("is not a valid IP address"), "{host}: {refused}");
        }
        // What the browser reads as an address is one: short forms, hexadecimal, octal.
        for host in [
            "192.168.1.30",
            "0.0.0.0",
            "255.255.255.255",
            "10.0.0.1.",
            "127.1",
            "10.0.0",
            "0x7f.1",
            "010.1",
            "10.0.0.0x",
            "1f.example",
        ] {
            assert!(check_url(&format!("http://{host}/x")).is_ok(), "{host}");
        }
    }

    #[test]
    fn accepts_the_endpoints_users_paste() {
        for (url, host, port) in [
            ("https://hooks.slack.com/services/T000/B000/abcd1234", "hooks.slack.com", None),
            ("https://discord.com/api/webhooks/123/abc-DEF_ghi", "discord.com", None),
            ("https://hooks.zapier.com/hooks/catch/1/abc/", "hooks.zapier.com", None),
            ("https://maker.ifttt.com/trigger/ev/with/key/k?x=1#frag", "maker.ifttt.com", None),
            ("  HTTPS://API.Example.com:8443  ", "api.example.com", Some(8443)),
            ("http://127.0.0.1:5000/hook", "127.0.0.1", Some(5000)),
            ("http://[::1]:9000/x", "[::1]", Some(9000)),
            ("https://bücher.example/hook", "bücher.example", None),
        ] {
            let c = check_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!((c.host.as_str(), c.port), (host, port), "{url}");
            assert_eq!(c.url, url.trim());
        }
    }

    #[test]
    fn refuses_what_is_not_an_http_url_with_a_reason() {
        for (url, says) in [
            ("", "Enter the URL"),
            ("httpfoo", "full URL"),
            ("hooks.slack.com/services/x", "full URL"),
            ("localhost:8080/hook", "full URL"),
            ("/relative/path", "full URL"),
            ("http:/one-slash.com", "full URL"),
            ("http:example.com", "full URL"),
            ("javascript:alert(1)", "not javascript:"),
            ("data:text/plain,hi", "not data:"),
            ("file:///etc/passwd", "not file:"),
            ("ftp://example.com/x", "not ftp:"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("https://user:pw@example.com/", "credentials"),
            ("https://exa mple.com/", "not a valid host"),
            ("https://example..com/", "not a valid host"),
            ("https://example.com:0/", "port"),
            ("https://example.com:99999/", "port"),
            ("https://example.com:/", "port"),
            ("https://example.com:80a/", "port"),
            ("https://[zz::1]/", "IPv6"),
            ("https://example.com/a b", "a space"),
            ("https://example.com/a\\b", "character"),
        ] {
            let err = check_url(url).expect_err(url);
            assert!(err.contains(says), "{url:?} said {err:?}, expected {says:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(check_url(&long).expect_err("too long").contains("too long"));
    }

    #[test]
    fn urls_split_into_host_path_and_query() {
        let p = url_parts("https://Chat.GoogleAPIs.com/v1/spaces/AAA/messages?key=k%2B1&token=a+b#x").expect("valid");
        assert_eq!((p.host.as_str(), p.path.as_str()), ("chat.googleapis.com", "/v1/spaces/AAA/messages"));
        assert_eq!((p.query_value("key"), p.query_value("token")), (Some("k+1".into()), Some("a b".into())));
        assert_eq!(p.query_value("missing"), None);
        assert_eq!(url_parts("https://ntfy.sh").map(|p| p.path), Some("/".into()));
    }

    #[test]
    fn web_origins_are_scheme_host_and_port_of_http_pages_only() {
        assert_eq!(web_origin("https://chat.example.com:8443/a?b#c"), Some("https://chat.example.com:8443"));
        assert_eq!(web_origin("http://127.0.0.1:5000"), Some("http://127.0.0.1:5000"));
        assert_eq!(web_origin("HTTPS://Chat.Example.com/x"), Some("HTTPS://Chat.Example.com"));
        for not_web in ["chrome://newtab", "about:blank", "file:///tmp/a.html", "https://", "https://u@h/", ""] {
            assert_eq!(web_origin(not_web), None, "{not_web}");
        }
    }

    #[test]
    fn knows_local_hosts_and_origin_patterns() {
        let local = ["http://localhost:3000/", "http://127.0.0.1/", "http://app.localhost/"];
        for url in local {
            assert!(check_url(url).expect("valid").is_local(), "{url}");
        }
        for url in [
            "http://example.com/",
            "http://127.0.0.1.example.com/",
            "http://10.0.0.1/",
            "http://127.0.0.2/",
            "http://[::1]/",
        ] {
            assert!(!check_url(url).expect("valid").is_local(), "{url}");
        }
        assert_eq!(
            check_url("https://Hooks.Slack.com:444/x").expect("valid").origin_pattern(),
            "https://hooks.slack.com/*"
        );
    }
}
