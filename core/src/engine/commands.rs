//! One method per command. [`Engine::handle`] routes a command to its method and encodes the
//! typed reply; the compiler checks each reply against the command's declared type.

use super::state::{Part, When};
use super::Engine;
use crate::campaign::{SitePicks, Target};
use crate::ports::Ports;
use crate::protocol::commands::*;
use crate::protocol::views::{
    Deleted, ExportView, GlobalSwitch, HeadersView, ListView, SavedWebhook, SecretView, Validation, WebhookView,
};
use crate::protocol::{admit, parse_command, reply, Caller, Command};
use crate::rules::event::Event;
use crate::signing::{Secret, Signing};
use crate::values::ids::WebhookId;
use crate::webhooks::transfer::{export, plan_import, TransferReport};
use crate::webhooks::webhook::{validate_draft, WebhookDraft};
use crate::Error;
use std::rc::Rc;

impl<P: Ports> Engine<P> {
    /// Answers one command given as JSON text from one of AutoChat's pages, with the reply as
    /// JSON text.
    pub async fn handle_json(self: &Rc<Self>, text: &str) -> String {
        self.handle_json_from(text, &Caller::Extension).await
    }

    /// Answers one command given as JSON text by `caller`, with the reply as JSON text.
    pub async fn handle_json_from(self: &Rc<Self>, text: &str, caller: &Caller) -> String {
        match parse_command(text).and_then(|command| admit(command, caller)) {
            Ok(command) => self.handle(command).await,
            Err(e) => crate::protocol::error_reply(&e),
        }
    }

    /// Answers one command with its reply as JSON text.
    pub async fn handle(self: &Rc<Self>, command: Command) -> String {
        match command {
            Command::ListWebhooks(_) => reply::<ListWebhooks>(Ok(self.list_view())),
            Command::GetWebhook(c) => reply::<GetWebhook>(self.webhook_view(&c.id)),
            Command::AddWebhook(c) => reply::<AddWebhook>(self.add_webhook(&c.webhook).await),
            Command::UpdateWebhook(c) => reply::<UpdateWebhook>(self.update_webhook(&c.id, &c.webhook).await),
            Command::DeleteWebhook(c) => reply::<DeleteWebhook>(self.delete_webhook(&c.id).await),
            Command::SetWebhookEnabled(c) => {
                reply::<SetWebhookEnabled>(self.set_webhook_enabled(&c.id, c.enabled).await)
            }
            Command::SetWebhooksEnabled(c) => reply::<SetWebhooksEnabled>(self.set_webhooks_enabled(c.enabled).await),
            Command::ClearStats(c) => reply::<ClearStats>(self.clear_stats(c.id.as_ref()).await),
            Command::TestWebhook(c) => reply::<TestWebhook>(self.test(&c.id).await),
            Command::Emit(c) => {
                let result = match Event::from_parts(&c.event, c.data) {
                    Ok(event) => self.emit(&event).await,
                    Err(e) => Err(Error::BadCommand(format!("the event is not valid: {e}"))),
                };
                reply::<Emit>(result)
            }
            Command::ValidateWebhook(c) => reply::<ValidateWebhook>(
                validate_draft(&c.webhook)
                    .map(|valid| Validation { valid: true, warnings: valid.warnings })
                    .map_err(Error::Invalid),
            ),
            Command::GetHistory(c) => {
                let view = self.history_view(&c.webhook_id);
                // A history decoded for the first time may have been found unreadable: its backup
                // and replacement wait in the marks, for a write.
                if self.state.borrow().has_marks() {
                    self.flush_soon();
                }
                reply::<GetHistory>(view)
            }
            Command::DiscardDeliveries(c) => {
                reply::<DiscardDeliveries>(self.discard(&c.webhook_id, c.delivery_id.as_ref()).await)
            }
            Command::Redeliver(c) => reply::<Redeliver>(self.redeliver(&c.webhook_id, &c.delivery_id).await),
            Command::GetStatus(_) => reply::<GetStatus>(Ok(self.status_view())),
            Command::GetCampaign(c) => reply::<GetCampaign>(Ok(self.campaign_view(c.page.as_ref()))),
            Command::SaveCampaign(c) => reply::<SaveCampaign>(self.save_campaign(&c.campaign).await),
            Command::StartCampaign(c) => reply::<StartCampaign>(
                self.start_campaign(Target { tab_id: c.tab_id, url: c.url, title: c.title }).await,
            ),
            Command::PauseCampaign(_) => reply::<PauseCampaign>(self.transition(|c, m| c.pause(None, m)).await),
            Command::ResumeCampaign(_) => reply::<ResumeCampaign>(self.transition(|c, m| c.resume(m)).await),
            Command::StopCampaign(_) => reply::<StopCampaign>(self.stop_campaign().await),
            Command::SavePicks(c) => {
                reply::<SavePicks>(self.save_picks(c.origin, SitePicks { input: c.input, button: c.button }).await)
            }
            Command::ClearPicks(c) => reply::<ClearPicks>(self.clear_picks(&c.origin).await),
            Command::RevealSecret(c) => reply::<RevealSecret>(self.reveal_secret(&c.id)),
            Command::RotateSecret(c) => reply::<RotateSecret>(self.rotate_secret(&c.id).await),
            Command::ExportWebhooks(c) => reply::<ExportWebhooks>(Ok(self.export(c.include_secrets))),
            Command::PreviewImport(c) => reply::<PreviewImport>(
                plan_import(self.state.borrow().registry(), &c.file).map(|p| p.report).map_err(Error::Refused),
            ),
            Command::ImportWebhooks(c) => reply::<ImportWebhooks>(self.import(&c.file).await),
            Command::DismissLegacyImport(_) => reply::<DismissLegacyImport>(
                self.commit(&[Part::Registry], |s| {
                    s.registry_mut(When::Now).legacy_import = None;
                    Ok(())
                })
                .await
                .map(|()| self.list_view()),
            ),
            Command::RevealHeaders(c) => reply::<RevealHeaders>(
                self.state.borrow().registry().get(&c.id).map(|w| HeadersView { headers: w.headers.clone() }),
            ),
            Command::TabClosed(c) => {
                reply::<TabClosed>(self.transition(|camp, m| Ok(camp.tab_closed(c.tab_id, m))).await)
            }
            Command::TabNavigated(c) => {
                reply::<TabNavigated>(self.transition(|camp, m| Ok(camp.tab_navigated(c.tab_id, &c.url, m))).await)
            }
        }
    }

    async fn add_webhook(self: &Rc<Self>, draft: &WebhookDraft) -> Result<SavedWebhook, Error> {
        let valid = validate_draft(draft).map_err(Error::Invalid)?;
        let warnings = valid.warnings.clone();
        let id = WebhookId::from_random(self.random_bytes());
        let now = self.ports.now();
        let secret = Secret::generate(self.random_bytes());
        self.commit(&[Part::Registry, Part::History(&id)], |s| {
            s.registry_mut(When::Now).add(valid, id.clone(), now, secret)?;
            s.history_mut(&id, When::Now);
            Ok(())
        })
        .await?;
        Ok(SavedWebhook { webhook: self.webhook_view(&id)?, warnings })
    }

    async fn update_webhook(self: &Rc<Self>, id: &WebhookId, draft: &WebhookDraft) -> Result<SavedWebhook, Error> {
        let valid = validate_draft(draft).map_err(Error::Invalid)?;
        let warnings = valid.warnings.clone();
        self.state.borrow().registry().get(id)?;
        let now = self.ports.now();
        self.commit(&[Part::Registry], |s| s.registry_mut(When::Now).update(id, valid, now).map(drop)).await?;
        self.kick();
        Ok(SavedWebhook { webhook: self.webhook_view(id)?, warnings })
    }

    async fn delete_webhook(self: &Rc<Self>, id: &WebhookId) -> Result<Deleted, Error> {
        self.state.borrow().registry().get(id)?;
        let dropped = self
            .commit(&[Part::Registry, Part::History(id), Part::Queue(id)], |s| {
                s.registry_mut(When::Now).delete(id)?;
                s.remove_history(id);
                Ok(s.remove_deliveries_of(id).len())
            })
            .await?;
        self.kick();
        Ok(Deleted { deleted: id.clone(), dropped_deliveries: dropped })
    }

    async fn set_webhook_enabled(self: &Rc<Self>, id: &WebhookId, enabled: bool) -> Result<WebhookView, Error> {
        self.state.borrow().registry().get(id)?;
        self.commit(&[Part::Registry], |s| s.registry_mut(When::Now).set_enabled(id, enabled).map(drop)).await?;
        self.kick();
        self.webhook_view(id)
    }

    async fn set_webhooks_enabled(self: &Rc<Self>, enabled: bool) -> Result<GlobalSwitch, Error> {
        self.commit(&[Part::Registry], |s| {
            s.registry_mut(When::Now).webhooks_enabled = enabled;
            Ok(())
        })
        .await?;
        self.kick();
        Ok(GlobalSwitch { webhooks_enabled: enabled })
    }

    /// The signing secret, for the manager's explicit Reveal and Copy.
    fn reveal_secret(&self, id: &WebhookId) -> Result<SecretView, Error> {
        let s = self.state.borrow();
        s.registry().get(id)?;
        let signing = s
            .registry()
            .meta(id)
            .signing
            .ok_or_else(|| Error::Refused("This webhook has no signing secret yet.".into()))?;
        Ok(SecretView { secret: signing.secret.expose().to_string() })
    }

    /// A fresh secret; the old one keeps signing for a day.
    async fn rotate_secret(self: &Rc<Self>, id: &WebhookId) -> Result<WebhookView, Error> {
        self.state.borrow().registry().get(id)?;
        let (fresh, now) = (Secret::generate(self.random_bytes()), self.ports.now());
        self.commit(&[Part::Registry], |s| {
            let meta = s.registry_mut(When::Now).meta.entry(id.clone()).or_default();
            match meta.signing.as_mut() {
                Some(signing) => signing.rotate(fresh, now),
                None => meta.signing = Some(Signing { enabled: true, secret: fresh, previous: None, github: false }),
            }
            Ok(())
        })
        .await?;
        self.webhook_view(id)
    }

    /// The export file: settings of every webhook, secrets only when asked for.
    fn export(&self, include_secrets: bool) -> ExportView {
        let now = self.ports.now().to_rfc3339();
        let file = export(self.state.borrow().registry(), &self.version, &now, include_secrets);
        ExportView {
            file_name: format!("autochat-webhooks-{}.json", now.get(..10).unwrap_or("export")),
            text: serde_json::to_string_pretty(&file).unwrap_or_default(),
        }
    }

    /// Imports a file as one change: all of it is stored, or nothing.
    async fn import(self: &Rc<Self>, file: &str) -> Result<TransferReport, Error> {
        let plan = plan_import(self.state.borrow().registry(), file).map_err(Error::Refused)?;
        let now = self.ports.now();
        let mut secrets = Vec::new();
        for _ in &plan.add {
            secrets.push(Secret::generate(self.random_bytes()));
        }
        let ids: Vec<WebhookId> = plan.add.iter().map(|_| WebhookId::from_random(self.random_bytes())).collect();
        let mut parts = vec![Part::Registry];
        parts.extend(ids.iter().map(Part::History));
        let report = plan.report.clone();
        self.commit(&parts, |s| {
            let registry = s.registry_mut(When::Now);
            for (id, draft) in plan.replace {
                registry.update(&id, draft, now)?;
            }
            for ((draft, id), secret) in plan.add.into_iter().zip(&ids).zip(secrets) {
                registry.add(draft, id.clone(), now, secret)?;
            }
            for id in &ids {
                s.history_mut(id, When::Now);
            }
            Ok(())
        })
        .await?;
        self.kick();
        Ok(report)
    }

    async fn clear_stats(self: &Rc<Self>, id: Option<&WebhookId>) -> Result<ListView, Error> {
        if let Some(id) = id {
            self.state.borrow().registry().get(id)?;
        }
        self.commit(&[Part::Registry], |s| s.registry_mut(When::Now).clear_stats(id)).await?;
        Ok(self.list_view())
    }
}
