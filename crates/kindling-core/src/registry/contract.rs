//! What every [`RegistryStore`] must do, run natively against the memory store and in Chromium
//! against IndexedDB.

use super::change::{Changed, ModelChange};
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
    let promote_two = ModelChange::MoveAlias {
        alias: "champion".into(),
        version: 2,
        reason: "better".into(),
        override_reason: None,
        at_ms: 2.0,
    };
    model = store
        .change_model("iris", &promote_two, None)
        .await
        .unwrap()
        .model;
    assert_eq!(model.aliases["champion"], 2);
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

    // Changes apply to what is stored, not to a caller's copy: v2 holds the champion alias,
    // so archiving it is refused and writes nothing.
    let archive = |version| ModelChange::SetArchived {
        version,
        archived: true,
    };
    assert!(matches!(
        store.change_model("iris", &archive(2), None).await,
        Err(StoreError::Refused(_))
    ));
    assert!(!store.versions().await.unwrap()[1].archived);
    assert_eq!(
        store.change_model("nobody", &archive(1), None).await,
        Err(StoreError::NoSuchModel("nobody".into()))
    );
    let Changed {
        version: rewritten, ..
    } = store.change_model("iris", &archive(1), None).await.unwrap();
    let archived = rewritten.expect("archiving rewrites the version");
    assert!(archived.archived);
    let versions = store.versions().await.unwrap();
    assert_eq!(versions.len(), 4);
    assert!(versions.contains(&archived) && !versions.contains(&one));
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"package one"[..]),
        "no new package keeps the old one"
    );
    let mut card = archived.card.clone();
    card.caveats = "superseded".into();
    let with_card = ModelChange::SetCard {
        version: 1,
        card,
        package_sha256: "rebuilt-hash".into(),
        weights_sha256: archived.weights_sha256.clone(),
    };
    store
        .change_model("iris", &with_card, Some(b"rebuilt"))
        .await
        .unwrap();
    assert_eq!(
        store.package("iris", 1).await.unwrap().as_deref(),
        Some(&b"rebuilt"[..])
    );
    let stored_one = store.versions().await.unwrap().remove(0);
    assert!(
        stored_one.archived && stored_one.card.caveats == "superseded",
        "a card saved after an archive keeps the archive"
    );
    assert_eq!(stored_one.package_sha256, "rebuilt-hash");
    assert_eq!(
        store.change_model("iris", &promote_two_again(), None).await,
        Err(StoreError::Refused(
            "v1 is archived; restore it before giving it an alias".into()
        ))
    );
    let models = store.models().await.unwrap();
    model = models.into_iter().find(|m| m.name == "iris").unwrap();
    assert_eq!(
        model.alias_history.len(),
        1,
        "a refused move is not recorded"
    );

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

/// Moving the champion to v1, which the contract archives first.
fn promote_two_again() -> ModelChange {
    ModelChange::MoveAlias {
        alias: "champion".into(),
        version: 1,
        reason: "back to the first".into(),
        override_reason: None,
        at_ms: 3.0,
    }
}
