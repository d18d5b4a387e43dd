//! The HTTP values the delivery rules and the `Http` port share: a leaf module, so neither the
//! port nor the domain has to import the other.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The HTTP methods a webhook can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// The usual choice; the envelope is the body.
    #[default]
    Post,
    /// No body: the envelope travels in the query string (see [`crate::delivery::request`]).
    Get,
    /// The envelope is the body.
    Put,
    /// The envelope is the body.
    Patch,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }
}

/// One HTTP request, fully built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL (for GET, with the envelope in the query).
    pub url: String,
    /// Every header, custom ones included.
    pub headers: Vec<(String, String)>,
    /// The body; `None` for GET.
    pub body: Option<String>,
    /// Abort the request after this long.
    pub timeout: Duration,
}

/// How an attempt ended, as far as the network is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpOutcome {
    /// The endpoint answered.
    Response {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header, when present.
        retry_after: Option<String>,
        /// The start of the response body (at most 1 KiB is kept).
        body: String,
    },
    /// The endpoint answered with a redirect, which is not followed.
    Redirected,
    /// No answer within the timeout; the request was aborted.
    TimedOut,
    /// No connection (refused, DNS, TLS, offline, CORS); the text is the browser's.
    NetworkError(String),
    /// AutoChat did not send it, because no server would accept it; the text says why.
    NotSent(String),
}

/// The longest URL AutoChat sends: many servers refuse longer ones (8 KB is a common limit).
pub const MAX_URL_BYTES: usize = 8_000;

impl HttpRequest {
    /// Why this request is not worth sending, if it is not (a GET whose URL grew too long).
    pub fn unsendable(&self) -> Option<String> {
        (self.url.len() > MAX_URL_BYTES).then(|| {
            format!(
                "The GET URL would be {} bytes, more than servers accept ({MAX_URL_BYTES}): the event's data travels in it. Switch this webhook to POST.",
                self.url.len()
            )
        })
    }
}
