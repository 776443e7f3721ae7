//! The model registry as app-wide state: registered models and their versions, and every
//! action on them (validate, register, move aliases, archive, edit the card, download, upload).
//! The rules are core's (`kindling_core::registry`); this file orders the steps and keeps the
//! lists in step with the store. A refused action changes neither.

use std::collections::BTreeMap;
use std::rc::Rc;

use kindling_core::package::sha256_hex;
use kindling_core::protocol::{Evidence, ModelSource};
use kindling_core::registry::card::ModelCard;
use kindling_core::registry::gates::{self, Champion, CheckResult, Gate, GateReport};
use kindling_core::registry::store::{SharedRegistry, VersionBundle};
use kindling_core::registry::{
    CHAMPION, ModelChange, ModelVersion, RegisteredModel, check_model_name, version_from_run,
};
use kindling_core::signature::ModelSignature;
use kindling_core::spec::TrainSpec;
use kindling_core::storage::StoreError;
use kindling_core::tracking::{RunModel, RunRecord, RunState};
use leptos::prelude::*;

use crate::state::data::{ServedFiles, recipe_data};
use crate::state::models::Models;
use crate::state::opening::Opening;
use crate::state::workbench::Workbench;

/// A whole model as a delete removed it: what undo puts back.
pub type ModelBundle = (RegisteredModel, Vec<VersionBundle>);

/// A run checked against a model's gates, ready to be registered as its next version.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub run: RunRecord,
    pub run_model: RunModel,
    pub model_name: String,
    /// The gates it was checked against; for a new model, the ones it will be created with.
    pub gates: Vec<Gate>,
    pub report: GateReport,
}

#[derive(Clone, Copy)]
pub struct Registry {
    store: StoredValue<Option<Rc<dyn SharedRegistry>>, LocalStorage>,
    pub models: RwSignal<Vec<RegisteredModel>>,
    /// Every version of every model, ordered by model then number.
    pub versions: RwSignal<Vec<ModelVersion>>,
    pub loaded: RwSignal<bool>,
    opening: Opening,
    workbench: Workbench,
    worker: Models,
    /// Where the bundled datasets are read, to check a version against its recipe's data.
    files: StoredValue<Rc<dyn ServedFiles>, LocalStorage>,
    now_ms: StoredValue<fn() -> f64>,
}

fn words(error: StoreError) -> String {
    error.to_string()
}

impl Registry {
    pub fn new(
        workbench: Workbench,
        worker: Models,
        files: Rc<dyn ServedFiles>,
        now_ms: fn() -> f64,
    ) -> Self {
        Self {
            store: StoredValue::new_local(None),
            models: RwSignal::new(Vec::new()),
            versions: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            opening: Opening::default(),
            workbench,
            worker,
            files: StoredValue::new_local(files),
            now_ms: StoredValue::new(now_ms),
        }
    }

    /// Adopts the opened store and lists what it holds.
    pub async fn attach(&self, store: Rc<dyn SharedRegistry>) {
        self.store.set_value(Some(store));
        self.reload_or_report().await;
        self.loaded.set(true);
        self.opening.settle();
    }

    /// Stops waiting for a store that could not be opened (the pages then say the registry is
    /// empty; the storage banner says why).
    pub fn without_store(&self) {
        self.loaded.set(true);
        self.opening.settle();
    }

    /// The store once it has opened, so an action begun while the page loads waits rather
    /// than failing.
    async fn opened_store(&self) -> Result<Rc<dyn SharedRegistry>, String> {
        self.opening.settled().await;
        self.store()
    }

    fn store(&self) -> Result<Rc<dyn SharedRegistry>, String> {
        self.store.get_value().ok_or_else(|| {
            if self.loaded.get_untracked() {
                "models cannot be kept here: this browser does not let the page save data".into()
            } else {
                StoreError::NotReady.to_string()
            }
        })
    }

    async fn reload(&self) -> Result<(), String> {
        let store = self.store()?;
        let mut models = store.models().await.map_err(words)?;
        models.sort_by(|a, b| a.name.cmp(&b.name));
        let mut versions = store.versions().await.map_err(words)?;
        versions.sort_by(|a, b| (&a.model, a.version).cmp(&(&b.model, b.version)));
        self.models.set(models);
        self.versions.set(versions);
        Ok(())
    }

    pub fn model(&self, name: &str) -> Option<RegisteredModel> {
        self.models
            .with(|models| models.iter().find(|m| m.name == name).cloned())
    }

    pub fn version(&self, name: &str, number: u32) -> Option<ModelVersion> {
        self.versions.with(|versions| {
            versions
                .iter()
                .find(|v| v.model == name && v.version == number)
                .cloned()
        })
    }

    /// The verdict on a candidate with `metrics`: `gates`, judged against the version `model`
    /// has as champion (if any), followed by the automatic checks.
    fn gate_report(
        &self,
        model: Option<&RegisteredModel>,
        gates: &[Gate],
        metrics: &BTreeMap<String, f64>,
        automatic: Vec<CheckResult>,
    ) -> GateReport {
        let champion = model.and_then(|model| {
            let number = *model.aliases.get(CHAMPION)?;
            self.version(&model.name, number)
                .map(|version| (number, version.metrics))
        });
        let champion = champion.as_ref().map(|(version, metrics)| Champion {
            version: *version,
            metrics,
        });
        gates::evaluate(gates, metrics, champion.as_ref(), automatic)
    }

    /// Checks a finished run against `model_name`'s gates (or, for a model not registered yet,
    /// against `new_gates`) and the automatic checks.
    pub async fn validate(
        &self,
        run: RunRecord,
        model_name: &str,
        new_gates: Vec<Gate>,
    ) -> Result<Candidate, String> {
        let gates = self
            .model(model_name.trim())
            .map_or(new_gates, |model| model.gates);
        self.validate_against(run, model_name, gates).await
    }

    /// [`Self::validate`] against exactly `gates`, whatever the model keeps: a pipeline's file
    /// says what its candidates must pass.
    pub async fn validate_against(
        &self,
        run: RunRecord,
        model_name: &str,
        gates: Vec<Gate>,
    ) -> Result<Candidate, String> {
        let model_name = model_name.trim();
        check_model_name(model_name).map_err(|error| error.to_string())?;
        if !matches!(run.state, RunState::Finished { .. } | RunState::Stopped) {
            return Err("only a run that finished (or was stopped) has a model to register".into());
        }
        let run_model = self
            .workbench
            .run_model(&run.id)
            .await
            .map_err(words)?
            .ok_or(
                "this run has no stored model: runs imported from a workspace file carry no \
                 weights, and runs from before models were kept have none; re-run it",
            )?;
        let existing = self.model(model_name);
        let registered_signature = self.registered_signature(model_name);
        let evidence = self
            .evidence(&run.spec, &run.dataset.id, &run.metrics)
            .await
            .map(|evidence| Evidence {
                early_weights: run_model.early_weights.clone(),
                ..evidence
            });
        let automatic = self
            .worker
            .check(
                ModelSource::Run(Box::new(run_model.clone())),
                registered_signature,
                evidence,
            )
            .await?;
        let report = self.gate_report(existing.as_ref(), &gates, &run.metrics, automatic);
        Ok(Candidate {
            run,
            run_model,
            model_name: model_name.to_owned(),
            gates,
            report,
        })
    }

    /// Registers a validated run as the model's next version (creating the model on first
    /// use), with its package built and stored in the same step.
    pub async fn register(&self, candidate: Candidate) -> Result<ModelVersion, String> {
        let store = self.opened_store().await?;
        let now_ms = (self.now_ms.get_value())();
        let model = match self.model(&candidate.model_name) {
            Some(model) => model,
            None => {
                let mut model = RegisteredModel::new(&candidate.model_name, now_ms)
                    .map_err(|error| error.to_string())?;
                model.gates = candidate.gates.clone();
                model
            }
        };
        let number = self
            .versions
            .with_untracked(|versions| RegisteredModel::next_version(versions, &model.name));
        let mut version = version_from_run(
            &model,
            number,
            &candidate.run,
            candidate.run_model.signature.clone(),
            candidate.report.clone(),
            now_ms,
        );
        let (package, weights_sha256) = self
            .worker
            .package(
                ModelSource::Run(Box::new(candidate.run_model)),
                version.clone(),
            )
            .await?;
        version.package_sha256 = sha256_hex(&package);
        version.weights_sha256 = weights_sha256;
        store
            .add_version(&model, &version, &package)
            .await
            .map_err(words)?;
        self.reload_or_report().await;
        Ok(version)
    }

    /// Asks the store to apply `change` to the model as stored now (another tab may have
    /// changed it since this one listed it), then lists the registry again.
    async fn change(
        &self,
        model_name: &str,
        change: ModelChange,
        package: Option<&[u8]>,
    ) -> Result<(), String> {
        let outcome = self
            .opened_store()
            .await?
            .change_model(model_name, &change, package)
            .await
            .map(drop)
            .map_err(words);
        // Listed again either way: a refusal usually means another tab changed the model.
        self.reload_or_report().await;
        outcome
    }

    pub async fn move_alias(
        &self,
        model_name: &str,
        alias: &str,
        number: u32,
        reason: &str,
        override_reason: Option<&str>,
    ) -> Result<(), String> {
        let change = ModelChange::MoveAlias {
            alias: alias.trim().to_owned(),
            version: number,
            reason: reason.to_owned(),
            override_reason: override_reason.map(str::to_owned),
            at_ms: (self.now_ms.get_value())(),
        };
        self.change(model_name, change, None).await
    }

    pub async fn remove_alias(
        &self,
        model_name: &str,
        alias: &str,
        reason: &str,
    ) -> Result<(), String> {
        let change = ModelChange::RemoveAlias {
            alias: alias.to_owned(),
            reason: reason.to_owned(),
            at_ms: (self.now_ms.get_value())(),
        };
        self.change(model_name, change, None).await
    }

    pub async fn set_gates(&self, model_name: &str, gates: Vec<Gate>) -> Result<(), String> {
        self.change(model_name, ModelChange::SetGates(gates), None)
            .await
    }

    /// Archives (or restores) a version; it stays listed and downloadable.
    pub async fn set_archived(
        &self,
        model_name: &str,
        number: u32,
        archived: bool,
    ) -> Result<(), String> {
        let change = ModelChange::SetArchived {
            version: number,
            archived,
        };
        self.change(model_name, change, None).await
    }

    /// Saves the card's written sections and rebuilds the package, which carries the card.
    pub async fn save_card(
        &self,
        model_name: &str,
        number: u32,
        card: ModelCard,
    ) -> Result<(), String> {
        let mut version = self
            .version(model_name, number)
            .ok_or("there is no such version")?;
        let package = self
            .opened_store()
            .await?
            .package(model_name, number)
            .await
            .map_err(words)?
            .ok_or("this version's package is missing from storage")?;
        version.card = card.clone();
        let (package, weights_sha256) = self
            .worker
            .package(ModelSource::Package(package), version)
            .await?;
        // Only the card and the hashes are written, onto the version as stored then: an
        // archive made meanwhile (here or in another tab) is kept.
        let change = ModelChange::SetCard {
            version: number,
            card,
            package_sha256: sha256_hex(&package),
            weights_sha256,
        };
        self.change(model_name, change, Some(&package)).await
    }

    /// The stored package, exactly as it will be downloaded.
    pub async fn package(&self, model_name: &str, number: u32) -> Result<Vec<u8>, String> {
        self.opened_store()
            .await?
            .package(model_name, number)
            .await
            .map_err(words)?
            .ok_or_else(|| "this version's package is missing from storage".into())
    }

    /// Checks an uploaded package step by step and, if every check passes, adds it as a
    /// version (creating the model on first use). The same weights already registered are not
    /// added twice.
    pub async fn upload(&self, file_name: &str, bytes: Vec<u8>) -> Result<ModelVersion, String> {
        let store = self.opened_store().await?;
        let (manifest, sha256) = self.worker.open(bytes.clone()).await?;
        let now_ms = (self.now_ms.get_value())();
        let mut version = manifest.to_version(sha256, file_name, now_ms);
        if let Some(same) = self.versions.with_untracked(|versions| {
            versions
                .iter()
                .find(|v| {
                    v.weights_sha256 == version.weights_sha256 && v.signature == version.signature
                })
                .map(|v| format!("{} v{}", v.model, v.version))
        }) {
            return Err(format!(
                "this model is already registered as {same}; nothing was added"
            ));
        }
        let model = match self.model(&manifest.name) {
            Some(model) => model,
            None => {
                RegisteredModel::new(&manifest.name, now_ms).map_err(|error| error.to_string())?
            }
        };
        // The sender's gate report stays inside the package; this registry's verdict comes
        // from this registry's gates and the automatic checks run here.
        let evidence = self
            .evidence(
                &version.lineage.recipe,
                &version.lineage.dataset.id,
                &version.metrics,
            )
            .await;
        let automatic = self
            .worker
            .check(
                ModelSource::Package(bytes.clone()),
                self.registered_signature(&model.name),
                evidence,
            )
            .await?;
        version.gate_report =
            self.gate_report(Some(&model), &model.gates, &version.metrics, automatic);
        version.version = self
            .versions
            .with_untracked(|versions| RegisteredModel::next_version(versions, &model.name));
        store
            .add_version(&model, &version, &bytes)
            .await
            .map_err(words)?;
        self.reload_or_report().await;
        Ok(version)
    }

    /// Deletes a whole model (every version and package) and returns it, for undo.
    pub async fn delete_model(&self, name: &str) -> Result<ModelBundle, String> {
        let store = self.opened_store().await?;
        let bundle = store
            .model_bundle(name)
            .await
            .map_err(words)?
            .ok_or("there is no such model")?;
        store.delete_model(name).await.map_err(words)?;
        self.reload_or_report().await;
        Ok(bundle)
    }

    /// Puts a deleted model back exactly as it was.
    pub async fn restore_model(&self, (model, versions): ModelBundle) -> Result<(), String> {
        self.opened_store()
            .await?
            .add_models(std::slice::from_ref(&model), &versions)
            .await
            .map_err(words)?;
        self.reload_or_report().await;
        Ok(())
    }

    /// Lists the registry again after a workspace import added to it.
    pub async fn reload_after_import(&self) {
        self.reload_or_report().await;
    }

    /// Re-lists what is stored. A failure to read back is said on its own (in the storage
    /// banner), so a change that was stored is never reported as a failed one.
    async fn reload_or_report(&self) {
        if let Err(error) = self.reload().await {
            self.workbench.error.set(Some(error));
        }
    }

    /// The recipe's data and the scores claimed for it, when this browser holds the data: what
    /// the model worker checks a version against. The first steps' fingerprint is the run's.
    async fn evidence(
        &self,
        recipe: &TrainSpec,
        dataset_id: &str,
        claimed: &BTreeMap<String, f64>,
    ) -> Option<Evidence> {
        let files = self.files.get_value();
        let data = recipe_data(&recipe.dataset, dataset_id, self.workbench, files.as_ref()).await?;
        Some(Evidence {
            recipe: recipe.clone(),
            data,
            claimed_metrics: claimed.clone(),
            early_weights: None,
        })
    }

    /// The signature of the model's latest version, which every new version must match.
    fn registered_signature(&self, model_name: &str) -> Option<ModelSignature> {
        self.versions.with_untracked(|versions| {
            versions
                .iter()
                .rev()
                .find(|v| v.model == model_name)
                .map(|v| v.signature.clone())
        })
    }
}
