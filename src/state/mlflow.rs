//! Settings → MLflow as app-wide state: the tracking URL (none by default: then nothing is
//! sent anywhere), syncing by hand or after each change, and what the last sync did or why it
//! stopped. The sync itself is core's (`kindling_core::mlflow`); `platform` gives the fetch.

use std::rc::Rc;

use kindling_core::mlflow::{
    MlflowSettings, MlflowStore, MlflowTransport, SyncProgress, TrackingUrl, sync,
};
use kindling_core::mlflow::{SyncSource, SyncTarget};
use kindling_core::registry::store::SharedRegistry;
use kindling_core::tracking::RunState;
use kindling_core::tracking::shared::SharedStore;
use leptos::prelude::*;

use crate::state::registry::Registry;
use crate::state::workbench::Workbench;

/// What the page needs of the browser for a sync.
pub trait MlflowLink {
    fn transport(&self) -> &dyn MlflowTransport;
    /// This page's origin, which the server must allow (`--cors-allowed-origins`).
    fn page_origin(&self) -> String;
    /// Whether the page, as loaded, may connect to `origin` (its Content-Security-Policy).
    fn admits(&self, origin: &str) -> bool;
    /// Loads the page again, so its policy admits a newly saved tracking server.
    fn reload(&self);
}

#[derive(Debug, Clone, PartialEq)]
pub enum SyncStatus {
    Idle,
    Syncing(SyncProgress),
    Synced(String),
    Failed(String),
}

#[derive(Clone)]
struct Stores {
    runs: Rc<dyn SharedStore>,
    registry: Rc<dyn SharedRegistry>,
    mlflow: Rc<dyn MlflowStore>,
}

#[derive(Clone, Copy)]
pub struct Mlflow {
    stores: StoredValue<Option<Stores>, LocalStorage>,
    link: StoredValue<Rc<dyn MlflowLink>, LocalStorage>,
    pub settings: RwSignal<MlflowSettings>,
    pub status: RwSignal<SyncStatus>,
    /// When the current tracking server last got everything (ms since the epoch).
    pub last_sync_ms: RwSignal<Option<f64>>,
    pub loaded: RwSignal<bool>,
    now_ms: fn() -> f64,
}

impl Mlflow {
    pub fn new(link: Rc<dyn MlflowLink>, now_ms: fn() -> f64) -> Self {
        Self {
            stores: StoredValue::new_local(None),
            link: StoredValue::new_local(link),
            settings: RwSignal::new(MlflowSettings::default()),
            status: RwSignal::new(SyncStatus::Idle),
            last_sync_ms: RwSignal::new(None),
            loaded: RwSignal::new(false),
            now_ms,
        }
    }

    pub async fn attach(
        &self,
        runs: Rc<dyn SharedStore>,
        registry: Rc<dyn SharedRegistry>,
        mlflow: Rc<dyn MlflowStore>,
    ) {
        if let Ok(settings) = mlflow.mlflow_settings().await {
            if !settings.tracking_url.is_empty()
                && let Ok(ledger) = mlflow.mlflow_ledger(&settings.tracking_url).await
            {
                self.last_sync_ms.set(ledger.last_sync_ms);
            }
            self.settings.set(settings);
        }
        self.stores.set_value(Some(Stores {
            runs,
            registry,
            mlflow,
        }));
        self.loaded.set(true);
    }

    pub fn without_store(&self) {
        self.loaded.set(true);
    }

    pub fn page_origin(&self) -> String {
        self.link.with_value(|link| link.page_origin())
    }

    /// Whether the page as loaded may reach the saved tracking server; `None` when none is set.
    pub fn admitted(&self) -> Option<bool> {
        let settings = self.settings.get();
        let url = TrackingUrl::parse(&settings.tracking_url).ok()?;
        Some(self.link.with_value(|link| link.admits(url.origin())))
    }

    pub fn reload(&self) {
        self.link.with_value(|link| link.reload());
    }

    /// Checks and keeps the settings; an empty URL turns syncing off. Nothing is kept when the
    /// URL is refused.
    pub async fn save(&self, tracking_url: &str, sync_automatically: bool) -> Result<(), String> {
        let tracking_url = if tracking_url.trim().is_empty() {
            String::new()
        } else {
            TrackingUrl::parse(tracking_url)
                .map_err(|error| error.to_string())?
                .as_str()
                .to_owned()
        };
        let settings = MlflowSettings {
            tracking_url,
            sync_automatically,
        };
        let stores = self
            .stores
            .get_value()
            .ok_or("settings cannot be kept: the browser's storage is not available")?;
        stores
            .mlflow
            .save_mlflow_settings(&settings)
            .await
            .map_err(|error| error.to_string())?;
        let last = match settings.tracking_url.is_empty() {
            true => None,
            false => stores
                .mlflow
                .mlflow_ledger(&settings.tracking_url)
                .await
                .ok()
                .and_then(|ledger| ledger.last_sync_ms),
        };
        self.last_sync_ms.set(last);
        self.settings.set(settings);
        self.status.set(SyncStatus::Idle);
        Ok(())
    }

    pub fn syncing(&self) -> bool {
        matches!(self.status.get_untracked(), SyncStatus::Syncing(_))
    }

    /// Sends what the tracking server does not hold yet. One sync at a time.
    pub fn sync_now(&self) {
        if self.syncing() {
            return;
        }
        let this = *self;
        let settings = self.settings.get_untracked();
        let url = match TrackingUrl::parse(&settings.tracking_url) {
            Ok(url) => url,
            Err(_) if settings.tracking_url.is_empty() => {
                self.status.set(SyncStatus::Failed(
                    "no MLflow tracking URL is set: set one above first".into(),
                ));
                return;
            }
            Err(error) => {
                self.status.set(SyncStatus::Failed(error.to_string()));
                return;
            }
        };
        let Some(stores) = self.stores.get_value() else {
            self.status.set(SyncStatus::Failed(
                "nothing can be synced: the browser's storage is not available".into(),
            ));
            return;
        };
        let link = self.link.get_value();
        self.status.set(SyncStatus::Syncing(SyncProgress {
            done: 0,
            total: 0,
            doing: "starting".into(),
        }));
        leptos::task::spawn_local(async move {
            let origin = link.page_origin();
            let result = sync(
                SyncTarget {
                    transport: link.transport(),
                    url: &url,
                    app_origin: Some(&origin),
                },
                SyncSource {
                    runs: stores.runs.as_ref(),
                    registry: stores.registry.as_ref(),
                    ledgers: stores.mlflow.as_ref(),
                },
                (this.now_ms)(),
                &mut |progress| this.status.set(SyncStatus::Syncing(progress)),
            )
            .await;
            match result {
                Ok(report) => {
                    this.last_sync_ms.set(Some((this.now_ms)()));
                    this.status.set(SyncStatus::Synced(report.summary()));
                }
                Err(error) => this.status.set(SyncStatus::Failed(error.to_string())),
            }
        });
    }

    /// With "sync automatically" on, syncs after a run ends and after the registry changes.
    pub fn sync_when_changed(&self, workbench: Workbench, registry: Registry) {
        let this = *self;
        let changes = Memo::new(move |_| {
            let ended = workbench.runs.with(|runs| {
                runs.iter()
                    .filter(|run| run.state != RunState::Running)
                    .count()
            });
            let aliases: usize = registry
                .models
                .with(|models| models.iter().map(|model| model.aliases.len() + 1).sum());
            (ended, aliases, registry.versions.with(Vec::len))
        });
        Effect::new(move |previous: Option<(usize, usize, usize)>| {
            let now = changes.get();
            let on = this
                .settings
                .with(|settings| settings.sync_automatically && !settings.tracking_url.is_empty());
            if on && this.loaded.get_untracked() && previous.is_some_and(|previous| previous != now)
            {
                this.sync_now();
            }
            now
        });
    }
}
