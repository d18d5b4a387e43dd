//! Signing, after Standard Webhooks (<https://www.standardwebhooks.com/>): each signed request
//! carries `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` over the
//! exact bytes sent, with one `v1,` signature per key in force (a rotated-out key keeps signing
//! for [`ROTATION_OVERLAP`], so receivers can switch without losing a delivery). Optionally also
//! GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. The crypto is the
//! RustCrypto crates'; nothing here is hand-made.

use crate::values::hex::hex;
use crate::values::time::Millis;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::time::Duration;

/// How long a rotated-out key keeps signing beside the new one.
pub const ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 3_600);
/// The prefix of a secret's text.
pub const PREFIX: &str = "whsec_";

/// A signing secret: `whsec_` and the base64 of 24 to 64 random bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    /// Never prints the secret (it could end up in a log).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new secret from 32 random bytes (from the platform's CSPRNG).
    pub fn generate(bytes: [u8; 32]) -> Secret {
        Secret(format!("{PREFIX}{}", STANDARD.encode(bytes)))
    }

    /// Reads a secret a user pasted; says what is wrong otherwise.
    pub fn parse(text: &str) -> Result<Secret, String> {
        let text = text.trim();
        let Some(encoded) = text.strip_prefix(PREFIX) else {
            return Err(
                "A signing secret starts with whsec_ followed by base64, e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw."
                    .into(),
            );
        };
        match STANDARD.decode(encoded) {
            Ok(key) if (24..=64).contains(&key.len()) => Ok(Secret(text.to_string())),
            Ok(key) => Err(format!("The secret holds {} bytes; use 24 to 64 (32 is usual).", key.len())),
            Err(_) => Err("The part after whsec_ is not valid base64.".into()),
        }
    }

    /// The secret's text, for the manager's explicit Reveal and Copy only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret masked for display: `whsec_…` and its last four characters.
    pub fn masked(&self) -> String {
        let tail: String = self.0.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        format!("{PREFIX}…{tail}")
    }

    fn key(&self) -> Vec<u8> {
        self.0.strip_prefix(PREFIX).and_then(|b| STANDARD.decode(b).ok()).unwrap_or_default()
    }
}

/// A webhook's signing settings, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signing {
    /// Whether requests are signed.
    pub enabled: bool,
    /// The key in force.
    pub secret: Secret,
    /// The key rotated out, and until when it still signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<(Secret, Millis)>,
    /// Also send GitHub's `X-Hub-Signature-256`.
    #[serde(default)]
    pub github: bool,
}

impl Signing {
    /// Replaces the key; the old one keeps signing for [`ROTATION_OVERLAP`] from `now`.
    pub fn rotate(&mut self, fresh: Secret, now: Millis) {
        let old = std::mem::replace(&mut self.secret, fresh);
        self.previous = Some((old, now.plus(crate::rules::retry::ms(ROTATION_OVERLAP))));
    }

    /// The keys that sign at `now`: the current one, and the previous one within its overlap.
    pub fn keys_at(&self, now: Millis) -> Vec<&Secret> {
        let previous = self.previous.as_ref().filter(|(_, until)| *until > now).map(|(s, _)| s);
        std::iter::once(&self.secret).chain(previous).collect()
    }

    /// The signing headers of one request: `webhook-signature`, and GitHub's when asked for.
    /// `signed` is exactly what was sent (the body, or a GET's `payload` value).
    pub fn headers(&self, id: &str, timestamp: u64, signed: &str, now: Millis) -> Vec<(String, String)> {
        if !self.enabled {
            return Vec::new();
        }
        let content = format!("{id}.{timestamp}.{signed}");
        let signatures: Vec<String> = self
            .keys_at(now)
            .iter()
            .map(|k| format!("v1,{}", STANDARD.encode(hmac(&k.key(), content.as_bytes()))))
            .collect();
        let mut headers = vec![("webhook-signature".to_string(), signatures.join(" "))];
        if self.github {
            let digest = hmac(self.secret.expose().as_bytes(), signed.as_bytes());
            headers.push(("X-Hub-Signature-256".to_string(), format!("sha256={}", hex(&digest))));
        }
        headers
    }
}

/// What a receiver makes of a signed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A signature matches, within the tolerance.
    Valid,
    /// No signature matches this secret.
    Invalid,
    /// A signature matches, but the timestamp is more than [`TOLERANCE`] from the receiver's clock.
    TooOld,
    /// The signing headers are missing or unreadable.
    Unsigned,
}

/// How far a request's timestamp may be from the receiver's clock (the Standard Webhooks
/// libraries' default).
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Checks a request's `webhook-signature` as a Standard Webhooks receiver does, for `secret` at
/// `now`: `signed` is the raw body (or a GET's `payload` value).
pub fn verify(
    secret: &Secret,
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    signed: &str,
    now: Millis,
) -> Verdict {
    let (Some(id), Some(Ok(ts)), Some(signature)) = (id, timestamp.map(str::parse::<u64>), signature) else {
        return Verdict::Unsigned;
    };
    let expected = STANDARD.encode(hmac(&secret.key(), format!("{id}.{ts}.{signed}").as_bytes()));
    // Compared whole, not byte by byte with an early exit: the time taken says nothing.
    let matches = signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .fold(false, |found, candidate| found | constant_time_eq(candidate.as_bytes(), expected.as_bytes()));
    if !matches {
        return Verdict::Invalid;
    }
    let skew = now.unix_seconds().abs_diff(ts);
    if skew > TOLERANCE.as_secs() {
        Verdict::TooOld
    } else {
        Verdict::Valid
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else { return Vec::new() };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests;
