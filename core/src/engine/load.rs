//! Starting from storage: reading every document (refusing a newer schema, backing up what cannot
//! be read), moving the first release's inline outbox to per-delivery keys, then resuming.

use super::state::{LazyHistories, State, When};
use super::{Engine, Policies};
use crate::delivery::batch::OpenBatch;
use crate::delivery::outbox::{Delivery, Outbox, OutboxDocument};
use crate::formats::detect::signed_by_default;
use crate::ports::Ports;
use crate::rules::headers::check_headers;
use crate::rules::url_check::check_url;
use crate::signing::{Secret, Signing};
use crate::store::{body_key, BATCH_KEY_PREFIX, BODY_KEY_PREFIX};
use crate::store::{
    decode_campaign, decode_history, decode_outbox, decode_registry, history_key, CAMPAIGN_KEY, DELIVERY_KEY_PREFIX,
    HISTORY_KEY_PREFIX, OUTBOX_KEY, REGISTRY_KEY, STORE_KEY_PREFIX,
};
use crate::store::{LEGACY_ENABLED_KEY, LEGACY_WEBHOOKS_KEY};
use crate::values::ids::{DeliveryId, WebhookId};
use crate::values::small_map::SmallMap;
use crate::values::time::Millis;
use crate::webhooks::registry::Registry;
use crate::webhooks::registry::MAX_WEBHOOKS;
use crate::webhooks::transfer::{read_legacy, TransferReport};
use crate::Error;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

impl<P: Ports> Engine<P> {
    /// Loads the stored state, re-arms the wake-up and resumes pending deliveries.
    pub async fn start(ports: P, version: impl Into<String>, policies: Policies) -> Result<Rc<Self>, Error> {
        let now = ports.now();
        // One storage read for everything AutoChat keeps: each round trip to the browser costs
        // more at start-up than sorting the keys here.
        let mut stored = StoredKeys::read(&ports).await?;
        let registry_text = stored.take_document(REGISTRY_KEY);
        let mut registry = decode_registry(registry_text.as_deref(), now.0)?;
        // The first start after AutoChat 4.x: its webhooks come in once (the originals stay).
        let imported = match registry_text {
            None => import_legacy(&ports, &mut registry.value, now).await,
            Some(_) => false,
        };
        let outbox = decode_outbox(stored.take_document(OUTBOX_KEY).as_deref(), now.0)?;
        let campaign = decode_campaign(stored.take_document(CAMPAIGN_KEY).as_deref(), now.0)?;
        // An unreadable document is backed up once, then replaced by a fresh one, so the next start
        // reads it and backs up nothing more.
        let replace = (registry.backup.is_some(), outbox.backup.is_some(), campaign.backup.is_some());
        let mut backups: Vec<(String, String)> =
            registry.backup.into_iter().chain(outbox.backup).chain(campaign.backup).collect();
        let (deliveries, bodies, batches) = (
            std::mem::take(&mut stored.deliveries),
            std::mem::take(&mut stored.bodies),
            std::mem::take(&mut stored.batches),
        );
        let (outbox, migrated, stored_bodies, stale_outbox_keys) =
            load_outbox(&ports, outbox.value, deliveries, bodies, now).await?;

        let ids: Vec<WebhookId> = registry.value.webhooks.iter().map(|w| w.id.clone()).collect();
        let mut histories = SmallMap::new();
        let mut undecoded = LazyHistories::default();
        let mut unreadable_histories = Vec::new();
        for id in ids {
            let key = history_key(&id);
            let text = match stored.take_history(&key) {
                Some(text) if LazyHistories::accepts(&text) => {
                    undecoded.keep(id, text, now.0);
                    continue;
                }
                other => other,
            };
            let loaded = decode_history(&key, text.as_deref(), now.0)?;
            if loaded.backup.is_some() {
                unreadable_histories.push(id.clone());
            }
            backups.extend(loaded.backup);
            histories.insert(id, loaded.value);
        }
        // AutoChat starts even when a backup cannot be written (storage may be full); the
        // unreadable document then stays where it is, to be backed up on a later start.
        let backed_up = backups.is_empty() || ports.write(backups).await.is_ok();
        let browser_restarted = ports.claim_browser_session().await;

        let batches = load_batches(batches, &registry.value, &outbox);
        let stale_keys: Vec<String> = batches.1.into_iter().chain(stale_outbox_keys).collect();
        let mut state =
            State::loaded(registry.value, outbox, (histories, undecoded), campaign.value, batches.0, stored_bodies);
        let mut must_rewrite = !migrated.is_empty();
        if must_rewrite {
            state.mark_outbox_for_rewrite(migrated);
        }
        // Webhooks saved before AutoChat signed get a secret of their own now, and are signed as a
        // new webhook for their URL would be (not Zapier's and IFTTT's hooks).
        let unsigned: Vec<(WebhookId, bool)> = state
            .registry()
            .webhooks
            .iter()
            .filter(|w| state.registry().meta.get(&w.id).and_then(|m| m.signing.as_ref()).is_none())
            .map(|w| (w.id.clone(), signed_by_default(&w.url)))
            .collect();
        for (id, enabled) in &unsigned {
            let mut key = [0u8; 32];
            ports.fill(&mut key);
            let signing = Signing { enabled: *enabled, secret: Secret::generate(key), previous: None, github: false };
            state.registry_mut(When::Now).meta.entry(id.clone()).or_default().signing = Some(signing);
        }
        must_rewrite |= !unsigned.is_empty();
        if backed_up {
            let (registry_bad, outbox_bad, campaign_bad) = replace;
            if registry_bad {
                state.registry_mut(When::Now);
            }
            if outbox_bad {
                state.mark_outbox_for_rewrite(Vec::new());
            }
            if campaign_bad {
                state.campaign_mut(When::Now);
            }
            unreadable_histories.iter().for_each(|id| {
                state.history_mut(id, When::Now);
            });
            must_rewrite |= registry_bad || outbox_bad || campaign_bad || !unreadable_histories.is_empty();
        }
        must_rewrite |= check_loaded(&mut state, now);
        if state.campaign().watched_tab().is_some() {
            state.campaign_mut(When::Now); // so the watched tab is written (data from before it was)
            must_rewrite = true;
        }
        if imported {
            state.registry_mut(When::Now);
            must_rewrite = true;
        }
        // What start-up needed, decoded state included: growth beyond it is what a fresh start gives back.
        let memory_at_start = ports.memory_bytes();
        let engine = Rc::new(Engine {
            ports,
            version: version.into(),
            policies,
            state: RefCell::new(state),
            writer: RefCell::default(),
            commands: RefCell::default(),
            notifier: RefCell::default(),
            tasks: Rc::default(),
            memory_at_start,
        });
        if must_rewrite {
            // Storage may be full: the core starts anyway, and the write is retried.
            let _ = engine.flush().await;
        }
        if !stale_keys.is_empty() {
            let _ = engine.ports.remove(stale_keys).await;
        }
        if browser_restarted {
            engine.browser_started();
        } else {
            engine.kick();
        }
        Ok(engine)
    }
}

/// Everything stored under AutoChat's keys, read at once, already sorted by kind: the loader
/// takes each group whole (a start runs its loops once, before the wasm engine has optimised
/// them, so the fewer passes over 500 deliveries the better).
struct StoredKeys {
    deliveries: Vec<(String, String)>,
    bodies: Vec<(String, String)>,
    batches: Vec<(String, String)>,
    histories: Vec<(String, String)>,
    /// The single documents (registry, outbox, campaign) and anything else under the prefix.
    documents: Vec<(String, String)>,
}

impl StoredKeys {
    async fn read<P: Ports>(ports: &P) -> Result<StoredKeys, Error> {
        let kinds = [DELIVERY_KEY_PREFIX, BODY_KEY_PREFIX, BATCH_KEY_PREFIX, HISTORY_KEY_PREFIX, STORE_KEY_PREFIX];
        let mut found = ports.read_prefixes(&kinds).await.map_err(Error::Storage)?.into_iter();
        let mut next = || found.next().unwrap_or_default();
        Ok(StoredKeys { deliveries: next(), bodies: next(), batches: next(), histories: next(), documents: next() })
    }

    fn take_document(&mut self, key: &str) -> Option<String> {
        take_from(&mut self.documents, key)
    }

    fn take_history(&mut self, key: &str) -> Option<String> {
        take_from(&mut self.histories, key)
    }
}

/// The text stored under `key`, taken out of `entries` (a short list).
fn take_from(entries: &mut Vec<(String, String)>, key: &str) -> Option<String> {
    let at = entries.iter().position(|(k, _)| k == key)?;
    Some(entries.swap_remove(at).1)
}

/// Imports what AutoChat 4.x stored (`webhooks`, `webhooksEnabled`): every valid webhook with its
/// statistics, the rest listed with their reasons in the registry's `legacy_import`, which the
/// manager shows. Returns whether there was anything to import.
async fn import_legacy<P: Ports>(ports: &P, registry: &mut Registry, now: Millis) -> bool {
    let Ok(texts) = ports.read(&[LEGACY_WEBHOOKS_KEY, LEGACY_ENABLED_KEY]).await else { return false };
    let Some(webhooks) = texts.first().cloned().flatten() else { return false };
    let enabled = texts.get(1).cloned().flatten();
    registry.webhooks_enabled = enabled.as_deref() != Some("false");
    let (valid, refused) = read_legacy(&webhooks, MAX_WEBHOOKS.saturating_sub(registry.webhooks.len()), || {
        let mut bytes = [0u8; 8];
        ports.fill(&mut bytes);
        WebhookId::from_random(bytes)
    });
    let mut report = TransferReport { refused, ..TransferReport::default() };
    for (id, draft, stats) in valid {
        let mut key = [0u8; 32];
        ports.fill(&mut key);
        let name = draft.name.clone();
        if registry.add(draft, id.clone(), now, Secret::generate(key)).is_ok() {
            if let Some(w) = registry.webhooks.iter_mut().find(|w| w.id == id) {
                stats.apply(w);
            }
            report.added.push(name);
        }
    }
    registry.legacy_import = Some(report);
    true
}

/// What storage holds is checked, not trusted: deliveries whose webhook is gone are dropped, and a
/// webhook whose stored settings are not valid any more is switched off with the reason, so it
/// shows in the manager and can be edited or deleted. Returns whether anything changed.
fn check_loaded(state: &mut State, now: Millis) -> bool {
    let mut changed = false;
    let known: Vec<WebhookId> = state.registry().webhooks.iter().map(|w| w.id.clone()).collect();
    let orphans: Vec<WebhookId> =
        state.outbox().iter().map(|d| d.webhook_id.clone()).filter(|w| !known.contains(w)).collect();
    for webhook in orphans {
        changed |= !state.remove_deliveries_of(&webhook).is_empty();
    }
    let broken: Vec<(WebhookId, String)> = state
        .registry()
        .webhooks
        .iter()
        .filter_map(|w| {
            let url = check_url(&w.url).err().map(|e| format!("its URL is not valid ({e})"));
            let headers = serde_json::to_value(&w.headers)
                .ok()
                .and_then(|h| check_headers(&h).err())
                .map(|e| format!("its headers are not valid ({e})"));
            let events = w.events.is_empty().then(|| "it has no events".to_string());
            url.or(headers).or(events).map(|why| (w.id.clone(), why))
        })
        .collect();
    for (id, why) in broken {
        let enabled = state.registry().get(&id).is_ok_and(|w| w.enabled);
        if enabled {
            let reason = format!(
                "Switched off on {}: AutoChat found that {why}. Edit the webhook or delete it.",
                now.to_rfc3339()
            );
            state.registry_mut(When::Now).switch_off(&id, reason);
            changed = true;
        }
    }
    changed
}

/// The batches being collected. A batch whose webhook is gone, or whose delivery is already in
/// the outbox (the worker stopped between the two halves of closing it), is dropped: its keys are
/// returned for removal.
fn load_batches(
    stored: Vec<(String, String)>,
    registry: &Registry,
    outbox: &Outbox,
) -> (SmallMap<WebhookId, OpenBatch>, Vec<String>) {
    let (mut open, mut stale) = (SmallMap::new(), Vec::new());
    for (key, text) in stored {
        let batch = serde_json::from_str::<serde_json::Value>(&text).and_then(serde_json::from_value::<OpenBatch>);
        match batch {
            Ok(b) if registry.get(&b.webhook_id).is_ok() && !outbox.contains(&b.id) => {
                open.insert(b.webhook_id.clone(), b);
            }
            _ => stale.push(key),
        }
    }
    (open, stale)
}

/// Rebuilds the outbox from its document, the deliveries stored under their own keys and the
/// bodies they name. Returns it with the deliveries that were still inline in the document (to be
/// moved to their keys), the bodies in storage that waiting deliveries carry, and the keys to
/// remove: bodies no delivery names, and deliveries whose body is missing (they cannot be sent).
async fn load_outbox<P: Ports>(
    ports: &P,
    mut document: OutboxDocument,
    stored: Vec<(String, String)>,
    bodies: Vec<(String, String)>,
    now: Millis,
) -> Result<(Outbox, Vec<(WebhookId, DeliveryId)>, BTreeSet<String>, Vec<String>), Error> {
    let bodies: BTreeMap<String, String> = bodies
        .into_iter()
        .filter_map(|(key, body)| key.strip_prefix(BODY_KEY_PREFIX).map(|hash| (hash.to_string(), body)))
        .collect();
    let mut deliveries = std::mem::take(&mut document.deliveries);
    let migrated = deliveries.iter().map(|d| (d.webhook_id.clone(), d.id.clone())).collect();
    let (mut kept, mut moved, mut stale) = (Vec::new(), Vec::new(), Vec::new());
    for (key, text) in stored {
        // Straight from the text, unlike the other documents (read through a Value, so the
        // wasm holds one set of deserialisers): 500 waiting deliveries made the Value's maps most
        // of a start's decoding, and this second deserialiser costs 7 KB. One that does not
        // read (a field twice included) is kept aside below, as any unreadable one.
        let parsed = serde_json::from_str::<Delivery>(&text);
        match parsed {
            // Written before bodies were stored apart: the body is inline.
            Ok(d) if d.body_hash.is_empty() => deliveries.push(d),
            Ok(mut d) => match bodies.get(&d.body_hash) {
                Some(body) => {
                    d.body = body.clone();
                    deliveries.push(d);
                }
                None => stale.push(key),
            },
            Err(_) => {
                // Kept outside the prefix, so it is not read as a delivery again.
                kept.push((format!("autochat.unreadable.{key}.{}", now.0), text));
                moved.push(key);
            }
        }
    }
    // Kept aside when storage allows; otherwise they stay where they are, unread, until it does.
    if !kept.is_empty() && ports.write(kept).await.is_ok() {
        let _ = ports.remove(moved).await;
    }
    let outbox = Outbox::restore(&document, deliveries);
    let (carried, unnamed): (BTreeSet<String>, BTreeSet<String>) =
        bodies.into_keys().partition(|hash| outbox.carries_body(hash));
    stale.extend(unnamed.iter().map(|hash| body_key(hash)));
    Ok((outbox, migrated, carried, stale))
}
