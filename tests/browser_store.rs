//! The IndexedDB run store in real Chromium, held to the same contract as the memory store.
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
    let store = IdbStore::open(name).await.unwrap();
    check_store(&store).await;
    store.close();
    IdbStore::delete(name).await.unwrap();
}

#[wasm_bindgen_test]
async fn what_was_written_is_there_after_reopening() {
    let name = "kindling-reopen-test";
    IdbStore::delete(name).await.unwrap();
    let store = IdbStore::open(name).await.unwrap();
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
    let reopened = IdbStore::open(name).await.unwrap();
    assert_eq!(reopened.runs().await.unwrap(), vec![run]);
    reopened.close();
    IdbStore::delete(name).await.unwrap();
}
