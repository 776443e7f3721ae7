//! Where pipelines and their runs are kept: IndexedDB in the browser
//! (`src/platform/idb/pipelines.rs`), memory for native tests and the command line's store
//! file. Both pass [`check_pipeline_store`]. Every method is one transaction.

use std::collections::HashSet;

use super::record::{PipelineRun, StoredPipeline};
use crate::storage::{StoreError, StoreFuture};

#[allow(async_fn_in_trait)]
pub trait PipelineStore {
    /// Every pipeline, by name.
    async fn pipelines(&self) -> Result<Vec<StoredPipeline>, StoreError>;

    /// Adds or replaces the pipeline of this name.
    async fn save_pipeline(&self, pipeline: &StoredPipeline) -> Result<(), StoreError>;

    /// Removes the pipeline and every run of it; its tracked runs and versions stay.
    async fn delete_pipeline(&self, name: &str) -> Result<(), StoreError>;

    /// This pipeline's runs, oldest first.
    async fn pipeline_runs(&self, name: &str) -> Result<Vec<PipelineRun>, StoreError>;

    /// Adds or replaces a run (it is saved after every step).
    async fn save_pipeline_run(&self, run: &PipelineRun) -> Result<(), StoreError>;

    /// The runs some page is still running (another tab, in the browser), as `(pipeline,
    /// run id)`: a page that opens the store must not mark them interrupted. A store that
    /// cannot tell names none.
    async fn running_elsewhere(&self) -> Result<HashSet<(String, String)>, StoreError> {
        Ok(HashSet::new())
    }
}

/// [`PipelineStore`] as a trait object, so app state holds "a store" without naming which.
pub trait SharedPipelines {
    fn pipelines(&self) -> StoreFuture<'_, Vec<StoredPipeline>>;
    fn save_pipeline<'a>(&'a self, pipeline: &'a StoredPipeline) -> StoreFuture<'a, ()>;
    fn delete_pipeline<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()>;
    fn pipeline_runs<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Vec<PipelineRun>>;
    fn save_pipeline_run<'a>(&'a self, run: &'a PipelineRun) -> StoreFuture<'a, ()>;
    fn interrupt_unfinished(&self) -> StoreFuture<'_, usize>;
}

impl<S: PipelineStore> SharedPipelines for S {
    fn pipelines(&self) -> StoreFuture<'_, Vec<StoredPipeline>> {
        Box::pin(PipelineStore::pipelines(self))
    }
    fn save_pipeline<'a>(&'a self, pipeline: &'a StoredPipeline) -> StoreFuture<'a, ()> {
        Box::pin(PipelineStore::save_pipeline(self, pipeline))
    }
    fn delete_pipeline<'a>(&'a self, name: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(PipelineStore::delete_pipeline(self, name))
    }
    fn pipeline_runs<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Vec<PipelineRun>> {
        Box::pin(PipelineStore::pipeline_runs(self, name))
    }
    fn save_pipeline_run<'a>(&'a self, run: &'a PipelineRun) -> StoreFuture<'a, ()> {
        Box::pin(PipelineStore::save_pipeline_run(self, run))
    }
    fn interrupt_unfinished(&self) -> StoreFuture<'_, usize> {
        Box::pin(interrupt_unfinished(self))
    }
}

/// Marks every run still `running` that no page is running any more as interrupted. Returns
/// how many it marked.
pub async fn interrupt_unfinished(store: &impl PipelineStore) -> Result<usize, StoreError> {
    let running_elsewhere = store.running_elsewhere().await?;
    let mut marked = 0;
    for pipeline in store.pipelines().await? {
        for mut run in store.pipeline_runs(&pipeline.name).await? {
            let elsewhere = running_elsewhere.contains(&(run.pipeline.clone(), run.id.clone()));
            if run.outcome.is_none() && !elsewhere {
                run.outcome = Some(super::record::Outcome::Interrupted);
                store.save_pipeline_run(&run).await?;
                marked += 1;
            }
        }
    }
    Ok(marked)
}

/// The behaviour every pipeline store must show; run against each implementation.
pub async fn check_pipeline_store(store: &impl PipelineStore) {
    use super::record::{Outcome, Trigger};
    let pipeline = |name: &str, text: &str| StoredPipeline {
        name: name.to_owned(),
        text: text.to_owned(),
        created_ms: 1.0,
        updated_ms: 1.0,
        schema: None,
        last_profile: None,
    };
    let parsed = super::file::parse(
        "format = \"kindling-pipeline/1\"\nname = \"a\"\n[data]\nbundled = \"iris\"\n",
    )
    .expect("a minimal pipeline reads");
    let run = |id: &str, name: &str, started_ms: f64| {
        let mut run = PipelineRun::start(
            id.to_owned(),
            &parsed,
            "sha".into(),
            Trigger::Manual,
            started_ms,
        );
        run.pipeline = name.to_owned();
        run
    };
    assert!(store.pipelines().await.unwrap().is_empty());
    store.save_pipeline(&pipeline("b", "one")).await.unwrap();
    store.save_pipeline(&pipeline("a", "two")).await.unwrap();
    store.save_pipeline(&pipeline("b", "three")).await.unwrap();
    let names: Vec<(String, String)> = store
        .pipelines()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.text))
        .collect();
    assert_eq!(
        names,
        [("a".into(), "two".into()), ("b".into(), "three".into())]
    );

    store
        .save_pipeline_run(&run("r2", "a", 20.0))
        .await
        .unwrap();
    store
        .save_pipeline_run(&run("r1", "a", 10.0))
        .await
        .unwrap();
    store.save_pipeline_run(&run("r3", "b", 5.0)).await.unwrap();
    let mut finished = run("r1", "a", 10.0);
    finished.outcome = Some(Outcome::Passed);
    store.save_pipeline_run(&finished).await.unwrap();
    let runs = store.pipeline_runs("a").await.unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["r1", "r2"], "oldest first, one pipeline's only");
    assert_eq!(
        runs[0].outcome,
        Some(Outcome::Passed),
        "saving again replaces"
    );

    assert_eq!(interrupt_unfinished(store).await.unwrap(), 2);
    assert_eq!(
        store.pipeline_runs("a").await.unwrap()[1].outcome,
        Some(Outcome::Interrupted)
    );

    store.delete_pipeline("a").await.unwrap();
    assert!(store.pipeline_runs("a").await.unwrap().is_empty());
    assert_eq!(
        store.pipeline_runs("b").await.unwrap().len(),
        1,
        "other pipelines keep theirs"
    );
    assert_eq!(store.pipelines().await.unwrap().len(), 1);
}
