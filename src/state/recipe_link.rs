//! A recipe link opened in this tab (`kindling_core::tracking::recipe_link`): the Train form is
//! filled with the run's settings and data, and the next run on them is compared with the
//! recipe's metrics. A link to a run on a person's own CSV carries only the file's content
//! hash, so the form waits for that file, and any other file is refused with nothing stored.

use kindling_core::tracking::Recipe;
use leptos::prelude::*;

use crate::state::data::{DataChoice, imported_key};
use crate::state::models::Models;
use crate::state::train_form::TrainForm;
use crate::state::workbench::Workbench;

/// The recipe being reproduced and whether its data is chosen yet.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedRecipe {
    pub recipe: Recipe,
    /// False while the person's CSV file is awaited.
    pub data_ready: bool,
}

#[derive(Clone, Copy, Default)]
pub struct RecipeLinks {
    pub opened: RwSignal<Option<OpenedRecipe>>,
    /// Why the last link or file was refused.
    pub error: RwSignal<Option<String>>,
    /// A file being read and checked, by name.
    pub checking: RwSignal<Option<String>>,
}

impl RecipeLinks {
    /// Reads a link's fragment and fills the form from it; a refused link changes nothing
    /// but the error it shows.
    pub fn open(&self, fragment: &str, choice: DataChoice, form: TrainForm, workbench: Workbench) {
        match Recipe::from_fragment(fragment) {
            Ok(recipe) => {
                self.error.set(None);
                form.fill_from_recipe(&recipe);
                self.opened.set(Some(OpenedRecipe {
                    recipe,
                    data_ready: false,
                }));
                self.choose_data(choice, workbench);
            }
            Err(error) => self
                .error
                .set(Some(format!("This recipe link cannot be used: {error}."))),
        }
    }

    /// Chooses the recipe's data if this browser has it: bundled and synthetic data always,
    /// a CSV once it is stored (now, or when the stored datasets finish loading).
    pub fn choose_data(&self, choice: DataChoice, workbench: Workbench) {
        let Some(opened) = self.opened.get_untracked() else {
            return;
        };
        if opened.data_ready {
            return;
        }
        let recipe = &opened.recipe;
        let stored = workbench
            .datasets
            .with_untracked(|entries| entries.iter().any(|entry| entry.id == recipe.dataset.id));
        if choice.select(&recipe.spec.dataset, &recipe.dataset.id, stored) {
            self.opened.update(|opened| {
                if let Some(opened) = opened {
                    opened.data_ready = true;
                }
            });
        }
    }

    /// Reads the person's CSV (`url`, a `blob:` address of `file_name`) in the worker and
    /// keeps it only if it gives the recipe's very rows.
    pub async fn supply_csv(
        &self,
        file_name: String,
        url: String,
        models: Models,
        workbench: Workbench,
        choice: DataChoice,
    ) {
        let Some(opened) = self.opened.get_untracked() else {
            return;
        };
        let recipe = opened.recipe;
        self.error.set(None);
        self.checking.set(Some(file_name.clone()));
        let checked = async {
            models.read_csv(url).await?;
            let mut refusal = String::new();
            for options in recipe.csv_import_attempts() {
                let (data, _, _) = models
                    .import_csv(recipe.dataset.name.clone(), options)
                    .await?;
                match recipe.check_data(&data) {
                    Ok(()) => return Ok(data),
                    Err(error) => refusal = error.to_string(),
                }
            }
            Err(refusal)
        };
        let result = match checked.await {
            Ok(data) => workbench
                .save_dataset(data)
                .await
                .map_err(|error| error.to_string()),
            Err(error) => Err(error),
        };
        self.checking.set(None);
        match result {
            Ok(entry) => {
                choice.key.set(imported_key(&entry.id));
                self.opened.update(|opened| {
                    if let Some(opened) = opened {
                        opened.data_ready = true;
                    }
                });
            }
            Err(error) => self.error.set(Some(format!(
                "{file_name}: {}. Nothing was stored.",
                error.trim_end_matches('.')
            ))),
        }
    }

    pub fn close(&self) {
        self.opened.set(None);
        self.error.set(None);
    }
}
