//! The IndexedDB stores in real Chromium, held to the same contracts as the memory store.
#![cfg(target_arch = "wasm32")]

use kindling::platform::idb::IdbStore;
use kindling_core::tracking::contract::check_store;
use kindling_core::tracking::store::RunStore;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_indexeddb_store_keeps_the_store_contract() {
    let name = "kindling-contract-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name, || {}).await.unwrap();
    check_store(&store).await;
    store.close();
    IdbStore::delete(name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_indexeddb_store_keeps_the_registry_contract() {
    let name = "kindling-registry-contract-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name, || {}).await.unwrap();
    kindling_core::registry::contract::check_registry(&store).await;
    store.close();
    IdbStore::delete(name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_indexeddb_store_keeps_the_pipeline_contract() {
    let name = "kindling-pipeline-contract-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name, || {}).await.unwrap();
    kindling_core::pipeline::store::check_pipeline_store(&store).await;
    store.close();
    IdbStore::delete(name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_indexeddb_store_keeps_the_deployment_contract() {
    let name = "kindling-deployment-contract-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name, || {}).await.unwrap();
    kindling_core::monitor::deployment::check_deployment_store(&store).await;
    store.close();
    IdbStore::delete(name).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_indexeddb_store_keeps_the_workspace_contract() {
    let (mine, theirs) = ("kindling-workspace-mine", "kindling-workspace-theirs");
    for name in [mine, theirs] {
        IdbStore::delete(name).await.unwrap();
    }
    let (first, second) = (
        IdbStore::open(mine, || {}).await.unwrap(),
        IdbStore::open(theirs, || {}).await.unwrap(),
    );
    kindling_core::workspace::contract::check_workspace(&first, &second).await;
    for (store, name) in [(first, mine), (second, theirs)] {
        store.close();
        IdbStore::delete(name).await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn what_was_written_is_there_after_reopening() {
    let name = "kindling-reopen-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name, || {}).await.unwrap();
    let data = kindling_core::data::synthetic::SyntheticSpec::default()
        .generate()
        .unwrap();
    let run = kindling_core::tracking::RunRecord::new(
        "kept".into(),
        "kept".into(),
        Default::default(),
        &data,
        1.0,
    );
    store.save_run(&run).await.unwrap();
    store.close();
    let reopened = IdbStore::open(name, || {}).await.unwrap();
    assert_eq!(reopened.runs().await.unwrap(), vec![run]);
    reopened.close();
    IdbStore::delete(name).await.unwrap();
}

/// An import too large for one slice of the main thread is written from its requests'
/// callbacks, still in one transaction: a clash met in a late slice leaves nothing of it
/// stored, and the same import without the clash is stored whole.
#[wasm_bindgen_test]
async fn a_large_import_lands_whole_or_not_at_all() {
    use kindling_core::metrics::EpochMetrics;
    use kindling_core::storage::StoreError;
    use kindling_core::tracking::RunBundle;
    use kindling_core::tracking::contract::{epoch, run};

    let name = "kindling-large-import-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name, || {}).await.unwrap();
    let history: Vec<EpochMetrics> = (1..=5).map(epoch).collect();
    let mut bundles: Vec<RunBundle> = (0..3_000)
        .map(|i| RunBundle {
            run: run(&format!("run-{i}"), f64::from(i)),
            history: history.clone(),
            evaluation: None,
            model: None,
        })
        .collect();
    // Only the transaction itself sees this clash, on the import's very last request.
    bundles.push(bundles[0].clone());
    assert!(matches!(
        store.add_bundles(&bundles, &[]).await,
        Err(StoreError::DuplicateRun(_))
    ));
    assert!(store.runs().await.unwrap().is_empty());
    assert!(store.history("run-0").await.unwrap().is_empty());

    bundles.pop();
    store.add_bundles(&bundles, &[]).await.unwrap();
    assert_eq!(store.runs().await.unwrap().len(), 3_000);
    assert_eq!(store.history("run-2999").await.unwrap(), history);
    store.close();
    IdbStore::delete(name).await.unwrap();
}

/// Resolves when a raw IndexedDB request or transaction fires `event`.
async fn raw_event(target: &web_sys::EventTarget, event: &str) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        target
            .add_event_listener_with_callback(event, &resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_damaged_record_is_left_alone_and_the_others_are_listed() {
    use wasm_bindgen::JsCast;
    let name = "kindling-damaged-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name, || {}).await.unwrap();
    let data = kindling_core::data::synthetic::SyntheticSpec::default()
        .generate()
        .unwrap();
    let good = kindling_core::tracking::RunRecord::new(
        "good".into(),
        "good".into(),
        Default::default(),
        &data,
        1.0,
    );
    store.save_run(&good).await.unwrap();
    store.close();

    // A record this version cannot read, as a newer Kindling might leave behind.
    let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
    let request = factory.open(name).unwrap();
    raw_event(&request, "success").await;
    let database: web_sys::IdbDatabase = request.result().unwrap().unchecked_into();
    let transaction = database
        .transaction_with_str_and_mode("runs", web_sys::IdbTransactionMode::Readwrite)
        .unwrap();
    transaction
        .object_store("runs")
        .unwrap()
        .put_with_key(
            &wasm_bindgen::JsValue::from_str("{\"from\": \"the future\"}"),
            &wasm_bindgen::JsValue::from_str("zzz"),
        )
        .unwrap();
    raw_event(&transaction, "complete").await;
    database.close();

    let reopened = IdbStore::open(name, || {}).await.unwrap();
    assert_eq!(reopened.runs().await.unwrap(), vec![good]);
    reopened.close();
    IdbStore::delete(name).await.unwrap();
}

/// A dataset dropped while the page is still opening storage waits for it instead of failing
/// with "try again", and is kept once storage has opened.
#[wasm_bindgen_test]
async fn an_action_begun_before_the_store_opens_waits_for_it() {
    use std::cell::RefCell;
    use std::rc::Rc;

    use kindling::state::workbench::Workbench;
    use kindling_core::tracking::shared::SharedStore;
    use kindling_core::workspace::SharedWorkspace;

    let name = "kindling-opening-test";
    IdbStore::delete(name).await.unwrap();
    let _owner = leptos::prelude::Owner::new();
    let workbench = Workbench::new(js_sys::Date::now);
    let data = kindling_core::data::synthetic::SyntheticSpec::default()
        .generate()
        .unwrap();
    let saved = Rc::new(RefCell::new(None));
    wasm_bindgen_futures::spawn_local({
        let saved = Rc::clone(&saved);
        async move {
            let outcome = workbench.save_dataset(data).await;
            *saved.borrow_mut() = Some(outcome);
        }
    });
    let store = IdbStore::open(name, || {}).await.unwrap();
    assert!(
        saved.borrow().is_none(),
        "the save waited for the store to open"
    );
    let store = Rc::new(store);
    workbench
        .attach(
            Rc::clone(&store) as Rc<dyn SharedStore>,
            Rc::clone(&store) as Rc<dyn SharedWorkspace>,
        )
        .await;
    for _ in 0..100 {
        if saved.borrow().is_some() {
            break;
        }
        sleep_ms(10).await;
    }
    let entry = saved
        .borrow_mut()
        .take()
        .expect("the save finished")
        .unwrap();
    assert_eq!(
        RunStore::dataset_entries(&*store).await.unwrap(),
        vec![entry]
    );
    store.close();
    IdbStore::delete(name).await.unwrap();
}

/// A run one tab trains holds a Web Lock while it is running: a tab that opens the store
/// meanwhile leaves it running and marks only the run whose tab is gone.
#[wasm_bindgen_test]
async fn a_run_another_tab_trains_is_not_marked_interrupted() {
    use kindling_core::tracking::{RunRecord, RunState};
    let name = "kindling-live-lock-test";
    IdbStore::delete(name).await.unwrap();
    let data = kindling_core::data::synthetic::SyntheticSpec::default()
        .generate()
        .unwrap();
    let run = |id: &str| RunRecord::new(id.into(), id.into(), Default::default(), &data, 1.0);
    let gone = IdbStore::open(name, || {}).await.unwrap();
    gone.save_run(&run("left-by-a-closed-tab")).await.unwrap();
    gone.close();
    drop(gone);
    let training = IdbStore::open(name, || {}).await.unwrap();
    training.save_run(&run("training")).await.unwrap();
    // Locks are granted and let go asynchronously.
    sleep_ms(50).await;
    let opening = IdbStore::open(name, || {}).await.unwrap();
    assert_eq!(opening.interrupt_running(None).await.unwrap(), 1);
    let state = |id: &'static str| {
        let opening = &opening;
        async move { opening.run(id).await.unwrap().unwrap().state }
    };
    assert_eq!(state("left-by-a-closed-tab").await, RunState::Interrupted);
    assert_eq!(state("training").await, RunState::Running);
    // Once the training tab is gone, its run is found interrupted too.
    training.close();
    drop(training);
    sleep_ms(50).await;
    assert_eq!(opening.interrupt_running(None).await.unwrap(), 1);
    assert_eq!(state("training").await, RunState::Interrupted);
    opening.close();
    IdbStore::delete(name).await.unwrap();
}

/// Two tabs each listed the registry, then each changes the model: both changes land, the
/// alias history keeps both moves, and an archive the stored aliases forbid is refused.
#[wasm_bindgen_test]
async fn two_tabs_changing_one_model_keep_each_other_s_changes() {
    use kindling_core::registry::fixtures::version;
    use kindling_core::registry::store::RegistryStore;
    use kindling_core::registry::{ModelChange, RegisteredModel};
    use kindling_core::storage::StoreError;
    let name = "kindling-two-tabs-registry-test";
    IdbStore::delete(name).await.unwrap();
    let first = IdbStore::open(name, || {}).await.unwrap();
    let second = IdbStore::open(name, || {}).await.unwrap();
    let model = RegisteredModel::new("iris", 1.0).unwrap();
    for number in [1, 2] {
        first
            .add_version(&model, &version("iris", number), b"package")
            .await
            .unwrap();
    }
    let alias = |alias: &str, version: u32| ModelChange::MoveAlias {
        alias: alias.into(),
        version,
        reason: format!("{alias} from a tab"),
        override_reason: None,
        at_ms: 2.0,
    };
    // Issued together, as two tabs clicking at once would.
    let (champion, staging) = (alias("champion", 1), alias("staging", 2));
    let (one, two) = futures::join!(
        first.change_model("iris", &champion, None),
        second.change_model("iris", &staging, None),
    );
    one.unwrap();
    two.unwrap();
    let stored = second.models().await.unwrap().remove(0);
    assert_eq!(stored.aliases.len(), 2, "{stored:?}");
    assert_eq!(stored.alias_history.len(), 2);
    let archive = ModelChange::SetArchived {
        version: 2,
        archived: true,
    };
    assert!(matches!(
        first.change_model("iris", &archive, None).await,
        Err(StoreError::Refused(_))
    ));
    assert!(first.versions().await.unwrap().iter().all(|v| !v.archived));
    for store in [first, second] {
        store.close();
    }
    IdbStore::delete(name).await.unwrap();
}

async fn sleep_ms(duration_ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, duration_ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
