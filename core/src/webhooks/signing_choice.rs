//! The form's signing fields: whether to sign, the user's own secret if they paste one, and
//! GitHub-style signatures.

use crate::formats::Format;
use crate::signing::{Secret, Signing};
use crate::values::field::FieldMessage;
use crate::values::time::Millis;

/// What the form asked for about signing; `None` leaves a setting as it is (or at its default).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SigningChoice {
    /// Sign requests.
    pub sign: Option<bool>,
    /// The user's own secret, replacing the current one.
    pub secret: Option<Secret>,
    /// Also send `X-Hub-Signature-256`.
    pub github: Option<bool>,
}

/// Checks the signing fields: a pasted secret must be a valid one, and only formats that carry
/// AutoChat's own headers can be signed.
pub fn check_signing(
    sign: Option<bool>,
    secret: &str,
    github: Option<bool>,
    format: Option<Format>,
) -> Result<SigningChoice, Vec<FieldMessage>> {
    let mut errors = Vec::new();
    let secret = match secret.trim() {
        "" => None,
        text => Secret::parse(text).map_err(|m| errors.push(FieldMessage::new("secret", m))).ok(),
    };
    if sign == Some(true) && format.is_some_and(Format::is_chat) {
        errors.push(FieldMessage::new(
            "sign",
            "Only AutoChat JSON and custom templates are signed: chat services do not check signatures.",
        ));
    }
    if errors.is_empty() {
        Ok(SigningChoice { sign, secret, github })
    } else {
        Err(errors)
    }
}

impl SigningChoice {
    /// A new webhook's signing, with the user's secret or a fresh one; signed unless the user says
    /// otherwise or, when they say nothing, `by_default` is false.
    pub fn create(&self, fresh: Secret, by_default: bool) -> Signing {
        Signing {
            enabled: self.sign.unwrap_or(by_default),
            secret: self.secret.clone().unwrap_or(fresh),
            previous: None,
            github: self.github.unwrap_or(false),
        }
    }

    /// Applies an edit. A pasted secret replaces the key the way a rotation does: the old one keeps
    /// signing for a day, so receivers can follow.
    pub fn apply(&self, signing: &mut Signing, now: Millis) {
        if let Some(sign) = self.sign {
            signing.enabled = sign;
        }
        if let Some(github) = self.github {
            signing.github = github;
        }
        if let Some(secret) = self.secret.clone().filter(|s| *s != signing.secret) {
            signing.rotate(secret, now);
        }
    }
}
