//! The data the next run trains on, shared by the Data page (which explains and previews it)
//! and the Train page (which offers a quick switch). Fields are strings as typed; they become a
//! [`DatasetSpec`] only when a run starts, so a half-typed number is never "corrected".

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use kindling_core::choice::Choice;
use kindling_core::data::Dataset;
use kindling_core::data::bundled::BundledDataset;
use kindling_core::data::prepare::dataset_id;
use kindling_core::data::synthetic::{Generator, SyntheticKind, SyntheticSpec};
use kindling_core::spec::DatasetSpec;
use kindling_core::tracking::RunRecord;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

use crate::lazy::not_loaded;
use crate::state::workbench::Workbench;

/// The key of a stored (uploaded) dataset: this prefix and its content hash.
const IMPORTED_PREFIX: &str = "imported:";

/// Reads the files the app serves beside itself (the bundled datasets): `platform` fetches
/// them, native tests read them from `assets/`.
pub trait ServedFiles {
    fn read<'a>(
        &'a self,
        path: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>> + 'a>>;
}

/// What a choice key names.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Synthetic(Generator),
    Bundled(BundledDataset),
    /// A stored upload, by content hash.
    Imported(String),
}

impl Source {
    /// The data a key of the dataset selects names, or why none does.
    pub fn from_key(key: &str) -> Result<Self, String> {
        if let Some(id) = key.strip_prefix(IMPORTED_PREFIX) {
            return Ok(Source::Imported(id.to_owned()));
        }
        if let Ok(bundled) = BundledDataset::from_key(key) {
            return Ok(Source::Bundled(bundled));
        }
        Generator::from_key(key)
            .map(Source::Synthetic)
            .map_err(|_| format!("\"{key}\" is not a dataset this page knows: choose another"))
    }
}

pub fn imported_key(id: &str) -> String {
    format!("{IMPORTED_PREFIX}{id}")
}

thread_local! {
    /// Bundled datasets already fetched and parsed: a second run on one reads neither again.
    static BUNDLED_LOADED: RefCell<HashMap<BundledDataset, Dataset>> = RefCell::default();
}

/// A bundled dataset, read from the served CSV files and parsed once per page load.
pub async fn load_bundled(
    bundled: BundledDataset,
    files: &dyn ServedFiles,
) -> Result<Dataset, String> {
    if let Some(data) = BUNDLED_LOADED.with_borrow(|loaded| loaded.get(&bundled).cloned()) {
        return Ok(data);
    }
    let bytes = files
        .read(&format!("datasets/{}", bundled.file_name()))
        .await?;
    let data = bundled
        .parse(&bytes)
        .map_err(|error| format!("{}: {error}", bundled.file_name()))?;
    BUNDLED_LOADED.with_borrow_mut(|loaded| loaded.insert(bundled, data.clone()));
    Ok(data)
}

#[derive(Clone, Copy)]
pub struct DataChoice {
    /// A [`Source`] key: a generator's, a bundled dataset's, or `imported:<hash>`.
    pub key: RwSignal<String>,
    pub blob_classes: RwSignal<String>,
    pub sample_count: RwSignal<String>,
    pub noise: RwSignal<String>,
    pub seed: RwSignal<String>,
    files: StoredValue<Rc<dyn ServedFiles>, LocalStorage>,
}

impl DataChoice {
    /// The default spiral, reading bundled datasets through `files`.
    pub fn new(files: Rc<dyn ServedFiles>) -> Self {
        let spec = SyntheticSpec::default();
        Self {
            key: RwSignal::new(spec.kind.generator().key().to_owned()),
            blob_classes: RwSignal::new("3".to_owned()),
            sample_count: RwSignal::new(spec.sample_count.to_string()),
            noise: RwSignal::new(spec.noise.to_string()),
            seed: RwSignal::new(spec.seed.to_string()),
            files: StoredValue::new_local(files),
        }
    }

    pub fn source(&self) -> Result<Source, String> {
        Source::from_key(&self.key.get())
    }

    /// The generator's settings as typed, or which field is wrong.
    pub fn synthetic_spec(&self, generator: Generator) -> Result<SyntheticSpec, String> {
        let classes = match generator {
            Generator::Blobs => parse_field("Classes", &self.blob_classes.get())?,
            _ => 0,
        };
        let spec = SyntheticSpec {
            kind: generator.kind(classes),
            sample_count: parse_field("Points", &self.sample_count.get())?,
            noise: parse_field("Noise", &self.noise.get())?,
            seed: parse_field("Data seed", &self.seed.get())?,
        };
        spec.validate().map_err(|error| error.to_string())?;
        Ok(spec)
    }

    /// The chosen data and how a run records where it came from, once the code that makes and
    /// reads data has loaded (the Train page, whose first load does not carry it).
    pub async fn load(&self, workbench: Workbench) -> Result<(DatasetSpec, Dataset), String> {
        let loading = load_data(self.checked()?, workbench, self.files.get_value())
            .await
            .map_err(|_| not_loaded("The code that makes and reads datasets"))?;
        loading.await
    }

    /// [`Self::load`] for code that is itself in the chunk (the Data page): the code is there
    /// already. Calling the split function from inside the chunk would also tie the chunk to
    /// its loader, which builds without the splitter (the browser tests) cannot resolve.
    pub async fn load_in_chunk(
        &self,
        workbench: Workbench,
    ) -> Result<(DatasetSpec, Dataset), String> {
        load_now(self.checked()?, workbench, self.files.get_value()).await
    }

    /// The data `key` names (a bundled set or a stored upload) for code in the chunk, leaving
    /// the choice as it is: what a teacher scores hand-ins on.
    pub async fn load_key_in_chunk(
        &self,
        key: &str,
        workbench: Workbench,
    ) -> Result<Dataset, String> {
        let loading = match Source::from_key(key)? {
            Source::Bundled(bundled) => Loading::Bundled(bundled),
            Source::Imported(id) => Loading::Imported(id),
            Source::Synthetic(_) => {
                return Err("choose a bundled dataset or one you uploaded".into());
            }
        };
        load_now(loading, workbench, self.files.get_value())
            .await
            .map(|(_, data)| data)
    }

    /// The choice with its settings checked, or which field is wrong.
    fn checked(&self) -> Result<Loading, String> {
        Ok(match self.source()? {
            Source::Synthetic(generator) => Loading::Synthetic(self.synthetic_spec(generator)?),
            Source::Bundled(bundled) => Loading::Bundled(bundled),
            Source::Imported(id) => Loading::Imported(id),
        })
    }

    /// Chooses the data a stored run trained on, for "re-run".
    pub fn select_from_run(&self, run: &RunRecord) {
        self.select(&run.spec.dataset, &run.dataset.id, true);
    }

    /// Chooses the data `spec` names (its rows' content hash is `id`), and says whether it
    /// could: an imported dataset only if this browser has it stored (`stored`).
    pub fn select(&self, spec: &DatasetSpec, id: &str, stored: bool) -> bool {
        match spec {
            DatasetSpec::Synthetic(spec) => {
                self.key.set(spec.kind.generator().key().to_owned());
                if let SyntheticKind::Blobs { classes } = spec.kind {
                    self.blob_classes.set(classes.to_string());
                }
                self.sample_count.set(spec.sample_count.to_string());
                self.noise.set(spec.noise.to_string());
                self.seed.set(spec.seed.to_string());
            }
            DatasetSpec::Bundled(bundled) => self.key.set(bundled.key().to_owned()),
            DatasetSpec::Imported { .. } if stored => self.key.set(imported_key(id)),
            DatasetSpec::Imported { .. } => return false,
        }
        true
    }
}

/// A choice checked and ready to load.
enum Loading {
    Synthetic(SyntheticSpec),
    Bundled(BundledDataset),
    Imported(String),
}

type DataLoading = Pin<Box<dyn Future<Output = Result<(DatasetSpec, Dataset), String>>>>;

/// Generating and parsing data is code the lazily loaded chunk carries (the generators with
/// their trigonometry, the CSV reader): the Train page needs it only once Train is pressed, when
/// the far larger trainer is loading too.
#[wasm_split(kindling_pages, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load_data(
    source: Loading,
    workbench: Workbench,
    files: Rc<dyn ServedFiles>,
) -> Result<DataLoading, SplitLoaderError> {
    Ok(Box::pin(load_now(source, workbench, files)))
}

async fn load_now(
    source: Loading,
    workbench: Workbench,
    files: Rc<dyn ServedFiles>,
) -> Result<(DatasetSpec, Dataset), String> {
    match source {
        Loading::Synthetic(spec) => {
            let data = spec.generate().map_err(|error| error.to_string())?;
            Ok((DatasetSpec::Synthetic(spec), data))
        }
        Loading::Bundled(bundled) => Ok((
            DatasetSpec::Bundled(bundled),
            load_bundled(bundled, files.as_ref()).await?,
        )),
        Loading::Imported(id) => {
            let data = workbench
                .dataset(&id)
                .await
                .map_err(|error| error.to_string())?
                .ok_or("the uploaded dataset is no longer stored; upload it again")?;
            Ok((
                DatasetSpec::Imported {
                    name: data.name.clone(),
                },
                data,
            ))
        }
    }
}

/// The rows a recipe trained on, when this browser can make or find them: generated, read
/// from the bundled files, or found among stored uploads by their content hash. `None` when
/// they are not here, or not the rows the hash `id` names.
pub async fn recipe_data(
    spec: &DatasetSpec,
    id: &str,
    workbench: Workbench,
    files: &dyn ServedFiles,
) -> Option<Dataset> {
    let data = match spec {
        DatasetSpec::Synthetic(spec) => spec.generate().ok()?,
        DatasetSpec::Bundled(bundled) => load_bundled(*bundled, files).await.ok()?,
        DatasetSpec::Imported { .. } => workbench.dataset(id).await.ok()??,
    };
    (dataset_id(&data) == id).then_some(data)
}

pub fn parse_field<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "{name}: {:?} is not a number this field accepts",
            text.trim()
        )
    })
}
