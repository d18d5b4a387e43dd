//! Webhooks moving in and out: what the JavaScript AutoChat 4.x stored (imported once, on the
//! first start), and the manager's Export and Import files. Every webhook that comes in goes
//! through the same validation as the form; what cannot come in is listed with its reason.

use super::registry::{Registry, MAX_WEBHOOKS};
use super::webhook::{validate_draft, ValidDraft, Webhook, WebhookDraft};
use crate::conditions::Filter;
use crate::delivery::batch::BatchSettings;
use crate::formats::Format;
use crate::rules::retry::RetryMode;
use crate::values::ids::WebhookId;
use crate::values::small_map::SmallMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the `format` field of an export file says.
pub const EXPORT_FORMAT: &str = "autochat-webhooks";

/// A webhook that could not come in, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Refused {
    /// Its name, as far as it had one.
    pub name: String,
    /// Why, in words.
    pub reason: String,
}

/// What a 4.x import or a file import did (or would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TransferReport {
    /// Webhooks added, by name.
    pub added: Vec<String>,
    /// Webhooks whose settings were replaced (same name), by name.
    pub replaced: Vec<String>,
    /// Webhooks that could not come in.
    pub refused: Vec<Refused>,
}

/// A webhook as AutoChat 4.x stored it (the guide's object), read loosely.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Legacy {
    id: String,
    name: String,
    url: String,
    method: String,
    events: Vec<String>,
    headers: Value,
    enabled: Option<bool>,
    created_at: Option<String>,
    last_triggered: Option<String>,
    trigger_count: u64,
    failure_count: u64,
}

/// Reads AutoChat 4.x's `webhooks` value into webhooks ready to add (with their statistics and,
/// where it is a usable id, their old id), and the ones that cannot be imported. `fresh_id` makes an
/// id where the old one cannot serve; `room` is how many more webhooks the registry takes.
pub fn read_legacy(
    webhooks: &str,
    room: usize,
    mut fresh_id: impl FnMut() -> WebhookId,
) -> (Vec<(WebhookId, ValidDraft, Legacy4xStats)>, Vec<Refused>) {
    let list: Vec<Value> = match serde_json::from_str::<Value>(webhooks) {
        Ok(Value::Array(list)) => list,
        _ => {
            return (
                Vec::new(),
                vec![Refused { name: "(all)".into(), reason: "AutoChat 4.x's webhooks could not be read.".into() }],
            )
        }
    };
    let (mut valid, mut refused) = (Vec::new(), Vec::new());
    for value in list {
        let legacy: Legacy = serde_json::from_value(value).unwrap_or_default();
        let name = if legacy.name.trim().is_empty() { legacy.url.clone() } else { legacy.name.clone() };
        let draft = WebhookDraft {
            name: legacy.name.clone(),
            url: legacy.url.clone(),
            method: legacy.method.clone(),
            events: legacy.events.clone(),
            headers: legacy.headers.clone(),
            enabled: legacy.enabled,
            ..WebhookDraft::default()
        };
        match validate_draft(&draft) {
            Err(mistakes) => {
                let reason = mistakes.iter().map(|m| m.message.as_str()).collect::<Vec<_>>().join(" ");
                refused.push(Refused { name, reason });
            }
            Ok(_) if valid.len() >= room => refused.push(Refused {
                name,
                reason: format!("AutoChat keeps at most {MAX_WEBHOOKS} webhooks; delete one, then add this one again."),
            }),
            Ok(draft) => {
                let usable = !legacy.id.is_empty()
                    && legacy.id.len() <= 64
                    && legacy.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                let id = if usable { WebhookId(legacy.id.clone()) } else { fresh_id() };
                let stats = Legacy4xStats {
                    created_at: legacy.created_at,
                    last_triggered: legacy.last_triggered,
                    trigger_count: legacy.trigger_count,
                    failure_count: legacy.failure_count,
                };
                valid.push((id, draft, stats));
            }
        }
    }
    (valid, refused)
}

/// The statistics a 4.x webhook brings along.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Legacy4xStats {
    /// When it was created.
    pub created_at: Option<String>,
    /// When it last succeeded.
    pub last_triggered: Option<String>,
    /// Its successes.
    pub trigger_count: u64,
    /// Its failures.
    pub failure_count: u64,
}

impl Legacy4xStats {
    /// Puts the statistics on a webhook just added.
    pub fn apply(self, webhook: &mut Webhook) {
        if let Some(created) = self.created_at {
            webhook.created_at = created;
        }
        webhook.last_triggered = self.last_triggered;
        webhook.trigger_count = self.trigger_count;
        webhook.failure_count = self.failure_count;
    }
}

/// An export file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExportFile {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// The AutoChat that wrote it.
    pub version: String,
    /// When (RFC 3339).
    pub exported_at: String,
    /// Whether header values and signing secrets are in it.
    pub includes_secrets: bool,
    /// The global switch when exported: a record only, which an import does not take.
    pub webhooks_enabled: bool,
    /// The webhooks.
    pub webhooks: Vec<ExportedWebhook>,
}

/// One webhook in an export file: its settings, without statistics or history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ExportedWebhook {
    /// Its name (an import replaces the webhook of the same name).
    pub name: String,
    /// Its URL.
    pub url: String,
    /// Its method.
    pub method: String,
    /// Its events.
    pub events: Vec<String>,
    /// Header names to values; values are left out (empty) unless secrets are included.
    pub headers: SmallMap<String, String>,
    /// Switched on.
    pub enabled: bool,
    /// Its retry choice.
    pub retry_mode: RetryMode,
    /// Its body format.
    pub format: Format,
    /// Its custom template.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub template: Option<String>,
    /// Its Telegram chat id.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub chat_id: Option<String>,
    /// Its conditions.
    pub filter: Filter,
    /// Its batching.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub batch: Option<BatchSettings>,
    /// Whether requests are signed.
    pub sign: bool,
    /// GitHub-style signatures too.
    pub github_signature: bool,
    /// The signing secret, when secrets are included.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub secret: Option<String>,
}

/// The export of a registry; secrets and header values only when asked for.
pub fn export(registry: &Registry, version: &str, now: &str, include_secrets: bool) -> ExportFile {
    let webhooks = registry
        .webhooks
        .iter()
        .map(|w| {
            let meta = registry.meta(&w.id);
            let body = meta.format_choice();
            ExportedWebhook {
                name: w.name.clone(),
                url: w.url.clone(),
                method: w.method.as_str().to_string(),
                events: w.events.iter().map(|e| e.name().to_string()).collect(),
                headers: w
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), if include_secrets { v.clone() } else { String::new() }))
                    .collect(),
                enabled: w.enabled,
                retry_mode: meta.retry_mode,
                format: body.format,
                template: body.template,
                chat_id: body.chat_id,
                filter: meta.filter.clone(),
                batch: meta.batch,
                sign: meta.signing.as_ref().is_some_and(|s| s.enabled),
                github_signature: meta.signing.as_ref().is_some_and(|s| s.github),
                secret: meta.signing.as_ref().filter(|_| include_secrets).map(|s| s.secret.expose().to_string()),
            }
        })
        .collect();
    ExportFile {
        format: EXPORT_FORMAT.into(),
        version: version.into(),
        exported_at: now.into(),
        includes_secrets: include_secrets,
        webhooks_enabled: registry.webhooks_enabled,
        webhooks,
    }
}

/// What importing a file means: each webhook's draft, whether it replaces one of the same name,
/// and what cannot be imported. Nothing is changed here.
pub fn plan_import(registry: &Registry, file: &str) -> Result<ImportPlan, String> {
    let file: ExportFile = serde_json::from_str::<Value>(file)
        .and_then(serde_json::from_value)
        .map_err(|e| format!("This is not an AutoChat export file ({e})."))?;
    if file.format != EXPORT_FORMAT {
        return Err(format!("This is not an AutoChat export file (its format is \"{}\").", file.format));
    }
    // The file's global switch is not taken: an import adds and replaces webhooks, and turning
    // all sending off (or on) is the user's own, visible decision.
    let mut plan = ImportPlan::default();
    let mut count = registry.webhooks.len();
    for w in file.webhooks {
        // Header values left out of the file keep the ones stored for the same name, if any.
        let existing = registry.webhooks.iter().find(|x| x.name == w.name.trim());
        let headers: SmallMap<String, String> = w
            .headers
            .iter()
            .map(|(k, v)| {
                let kept = existing.and_then(|x| x.headers.get(k)).filter(|_| v.is_empty());
                (k.clone(), kept.cloned().unwrap_or_else(|| v.clone()))
            })
            .collect();
        if let Some((name, _)) = headers.iter().find(|(_, v)| v.is_empty()) {
            plan.report.refused.push(Refused {
                name: w.name.clone(),
                reason: format!("The file has no value for the header \"{name}\" (it was exported without secrets): add the value in the form after importing, or export with secrets."),
            });
            continue;
        }
        let draft = WebhookDraft {
            name: w.name.clone(),
            url: w.url.clone(),
            method: w.method.clone(),
            events: w.events.clone(),
            headers: serde_json::to_value(&headers).unwrap_or(Value::Null),
            enabled: Some(w.enabled),
            retry_mode: serde_json::to_value(w.retry_mode)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            format: serde_json::to_value(w.format).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            template: w.template.clone().unwrap_or_default(),
            chat_id: w.chat_id.clone().unwrap_or_default(),
            sign: Some(w.sign && !w.format.is_chat()),
            secret: w.secret.clone().unwrap_or_default(),
            github_signature: Some(w.github_signature),
            filter: Some(w.filter.clone()),
            batch: w.batch,
        };
        match validate_draft(&draft) {
            Err(mistakes) => {
                let reason = mistakes.iter().map(|m| m.message.as_str()).collect::<Vec<_>>().join(" ");
                plan.report.refused.push(Refused { name: w.name.clone(), reason });
            }
            Ok(valid) => match existing {
                Some(x) => {
                    plan.report.replaced.push(valid.name.clone());
                    plan.replace.push((x.id.clone(), valid));
                }
                None if count >= MAX_WEBHOOKS => plan.report.refused.push(Refused {
                    name: w.name.clone(),
                    reason: format!("AutoChat keeps at most {MAX_WEBHOOKS} webhooks."),
                }),
                None => {
                    count += 1;
                    plan.report.added.push(valid.name.clone());
                    plan.add.push(valid);
                }
            },
        }
    }
    Ok(plan)
}

/// An import, worked out and not yet applied.
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// Webhooks to add.
    pub add: Vec<ValidDraft>,
    /// Webhooks to replace, by id.
    pub replace: Vec<(WebhookId, ValidDraft)>,
    /// What it does, in names.
    pub report: TransferReport,
}
