//! What every [`RegistryStore`] must do, run natively against the memory store and in Chromium
//! against IndexedDB.

use super::fixtures::version;
use super::model::RegisteredModel;
use super::store::{RegistryStore, VersionBundle, model_bundle};
use crate::storage::StoreError;

/// What every [`RegistryStore`] must do; run natively against the memory store and in
/// Chromium against IndexedDB.
pub async fn check_registry(store: &impl RegistryStore) {
    assert!(store.models().await.unwrap().is_empty(), "starts empty");
    let mut model = RegisteredModel::new("iris", 1.0).unwrap();
    let one = version("iris", 1);
    store
        .add_version(&model, &one, b"package one")
        .await
        .unwrap();
    assert_eq!(store.models().await.unwrap(), [model.clone()]);
    assert_eq!(store.versions().await.unwrap(), std::slice::from_ref(&one));
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"package one"[..])
    );
    assert_eq!(store.package("iris", 2).await.unwrap(), None);

    let mut clash = one.clone();
    clash.archived = true;
    model.description = "changed by the failed call".into();
    assert_eq!(
        store.add_version(&model, &clash, b"other").await,
        Err(StoreError::DuplicateVersion {
            model: "iris".into(),
            version: 1
        })
    );
    assert_eq!(store.models().await.unwrap()[0].description, "");
    assert_eq!(store.versions().await.unwrap(), std::slice::from_ref(&one));
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"package one"[..]),
        "a refused version leaves the stored package as it was"
    );

    let two = version("iris", 2);
    store
        .add_version(&model, &two, b"package two")
        .await
        .unwrap();
    model
        .move_alias("champion", &two, "better", None, 2.0)
        .unwrap();
    store.save_model(&model).await.unwrap();
    let mut stale = RegisteredModel::new("iris", 1.0).unwrap();
    stale.description = "an older copy".into();
    store
        .add_version(&stale, &version("iris", 3), b"package three")
        .await
        .unwrap();
    assert!(
        store.models().await.unwrap().contains(&model),
        "adding a version leaves a stored model (and its alias moves) as it is"
    );
    store
        .add_version(
            &RegisteredModel::new("wine", 3.0).unwrap(),
            &version("wine", 1),
            b"w",
        )
        .await
        .unwrap();
    let models = store.models().await.unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(
        models.iter().find(|m| m.name == "iris").unwrap().aliases["champion"],
        2
    );

    let mut archived = one.clone();
    archived.archived = true;
    archived.card.caveats = "superseded".into();
    store.update_version(&archived, None).await.unwrap();
    let versions = store.versions().await.unwrap();
    assert_eq!(versions.len(), 4);
    assert!(versions.contains(&archived) && !versions.contains(&one));
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"package one"[..]),
        "no new package keeps the old one"
    );
    store
        .update_version(&archived, Some(b"rebuilt"))
        .await
        .unwrap();
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"rebuilt"[..])
    );

    model.description = "saved".into();
    store.save_model(&model).await.unwrap();
    assert!(store.models().await.unwrap().contains(&model));

    // A whole model goes, and comes back whole on undo; other models stay.
    let before = model_bundle(store, "iris")
        .await
        .unwrap()
        .expect("iris is stored");
    assert_eq!(before.1.len(), 3, "every version, with its package");
    store.delete_model("iris").await.unwrap();
    store.delete_model("unknown").await.unwrap();
    assert!(
        store
            .models()
            .await
            .unwrap()
            .iter()
            .all(|m| m.name != "iris")
    );
    assert!(
        store
            .versions()
            .await
            .unwrap()
            .iter()
            .all(|v| v.model != "iris")
    );
    assert_eq!(store.package("iris", 1).await.unwrap(), None);
    assert_eq!(store.models().await.unwrap().len(), 1, "wine stays");
    store
        .add_models(std::slice::from_ref(&before.0), &before.1)
        .await
        .unwrap();
    assert_eq!(
        model_bundle(store, "iris").await.unwrap(),
        Some(before.clone())
    );

    // Adding models is all or nothing: a name or a version already stored refuses the batch.
    let mut fresh = RegisteredModel::new("digits", 9.0).unwrap();
    fresh.description = "new".into();
    let fresh_version = VersionBundle {
        version: version("digits", 1),
        package: b"digits one".to_vec(),
    };
    assert_eq!(
        store
            .add_models(
                &[fresh.clone(), before.0.clone()],
                std::slice::from_ref(&fresh_version)
            )
            .await,
        Err(StoreError::DuplicateModel("iris".into()))
    );
    assert_eq!(
        store
            .add_models(
                &[fresh.clone()],
                &[fresh_version.clone(), before.1[0].clone()]
            )
            .await,
        Err(StoreError::DuplicateVersion {
            model: "iris".into(),
            version: 1
        })
    );
    assert!(
        store
            .models()
            .await
            .unwrap()
            .iter()
            .all(|m| m.name != "digits"),
        "a refused batch writes nothing"
    );
    assert_eq!(store.package("digits", 1).await.unwrap(), None);
    store
        .add_models(
            std::slice::from_ref(&fresh),
            std::slice::from_ref(&fresh_version),
        )
        .await
        .unwrap();
    assert_eq!(
        store.package("digits", 1).await.unwrap().as_deref(),
        Some(&b"digits one"[..])
    );
}
