//! The messages between AutoChat and its script in the chat page (`content/chat.js`).
//!
//! The worker (a campaign's message) and the popup (detection, pick mode) send a
//! [`ContentRequest`]; the script answers each with the reply named beside it. From the page the
//! script sends one command of its own, [`super::commands::SavePicks`], after a pick.

use crate::campaign::SitePicks;
use serde::{Deserialize, Serialize};

/// What AutoChat asks its script in the chat page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "autochat", rename_all = "camelCase")]
pub enum ContentRequest {
    /// Type `text` into the chat's input, send it and confirm it left the input. Answered with
    /// [`SendOutcome`].
    Send {
        /// The campaign's site: the script refuses to type if the page shows another.
        origin: String,
        /// The message.
        text: String,
        /// The elements the user picked on this site.
        picks: SitePicks,
    },
    /// Say which input and send button would be used. Answered with [`Detection`].
    Detect {
        /// The elements the user picked on this site.
        picks: SitePicks,
    },
    /// Let the user click the element to use. Answered with [`Picked`].
    Pick {
        /// Which element.
        what: PickTarget,
    },
}

/// The element pick mode asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PickTarget {
    /// The message box.
    Input,
    /// The send button.
    Button,
}

/// The answer to [`ContentRequest::Send`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SendOutcome {
    /// The message left the input.
    pub ok: bool,
    /// What went wrong, in words (it becomes the `error` event's text).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<String>,
}

/// The answer to [`ContentRequest::Detect`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    /// The page's origin.
    pub origin: String,
    /// The input that would be used, described for the user.
    pub input: Option<String>,
    /// The send button that would be used, described for the user.
    pub button: Option<String>,
    /// No button: Enter would be pressed in the input.
    pub enter_fallback: bool,
}

/// The answer to [`ContentRequest::Pick`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Picked {
    /// The CSS selector of the element clicked; null when the user pressed Esc.
    pub selector: Option<String>,
}
