//! "New from the Train form": the data and recipe on the Train page, as a pipeline file a
//! person then edits (a sweep, stricter gates) before running it.

use kindling_core::choice::Choice;
use kindling_core::data::csv::ImportOptions;
use kindling_core::pipeline::file::DataSource;
use kindling_core::pipeline::write::{starter, to_toml};
use leptos::prelude::*;

use super::Pipelines;
use crate::state::data::{DataChoice, Source};
use crate::state::train_form::TrainForm;
use crate::state::workbench::Workbench;

impl Pipelines {
    /// Stores a pipeline for the Train page's data and recipe and returns its name.
    pub async fn from_train_form(
        &self,
        choice: DataChoice,
        form: TrainForm,
        workbench: Workbench,
    ) -> Result<String, String> {
        let (data, task, base) = match choice.source()? {
            Source::Synthetic(generator) => {
                let spec = choice.synthetic_spec(generator)?;
                let task = spec.kind.task();
                (
                    DataSource::Synthetic(spec),
                    task,
                    generator.key().to_owned(),
                )
            }
            Source::Bundled(bundled) => (
                DataSource::Bundled(bundled),
                bundled.task(),
                bundled.key().to_owned(),
            ),
            Source::Imported(id) => {
                let entry = workbench
                    .datasets
                    .with_untracked(|entries| entries.iter().find(|entry| entry.id == id).cloned())
                    .ok_or("the chosen upload is no longer stored")?;
                let file = format!("{}.csv", entry.name);
                (
                    DataSource::Csv {
                        file,
                        options: ImportOptions::default(),
                    },
                    entry.task,
                    entry.name,
                )
            }
        };
        let spec = form.to_spec(data.spec())?;
        let name = self.free_name(&slug(&base));
        self.save_text(to_toml(&starter(&name, data, spec, task)))
            .await
    }

    /// `base`, or `base-2`, `base-3`... whichever no pipeline has.
    fn free_name(&self, base: &str) -> String {
        (1..)
            .map(|n| {
                if n == 1 {
                    base.to_owned()
                } else {
                    format!("{base}-{n}")
                }
            })
            .find(|name| self.pipeline(name).is_none())
            .expect("some suffix is free")
    }
}

/// A name the registry accepts for the model the pipeline promotes.
fn slug(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-').to_owned();
    if slug.is_empty() {
        "pipeline".into()
    } else {
        slug
    }
}
