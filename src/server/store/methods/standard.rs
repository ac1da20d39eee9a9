//! Standard-message folders and their messages.

use super::*;

pub async fn list_standard_folders<E: Engine>(store: &E) -> StoreResult<Vec<StandardFolder>> {
    store.read(data::standard::list).await
}

pub async fn create_folder<E: Engine>(
    store: &E,
    input: FolderInput,
    guard: FolderGuard,
) -> StoreResult<StandardFolder> {
    store
        .write(move |db, events| data::standard::create(db, events, &input, &guard))
        .await
}

pub async fn update_folder<E: Engine>(
    store: &E,
    id: FolderId,
    patch: FolderPatch,
    guard: FolderGuard,
) -> StoreResult<StandardFolder> {
    store
        .write(move |db, events| data::standard::update(db, events, id, &patch, &guard))
        .await
}

pub async fn delete_folder<E: Engine>(
    store: &E,
    id: FolderId,
    guard: FolderGuard,
) -> StoreResult<()> {
    store
        .write(move |db, events| data::standard::delete(db, events, id, &guard))
        .await
}

pub async fn add_standard_message<E: Engine>(
    store: &E,
    folder: FolderId,
    text: String,
    guard: FolderGuard,
) -> StoreResult<StandardMessage> {
    data::standard::check_text(&text)?;
    store
        .write(move |db, events| data::standard::add_message(db, events, folder, &text, &guard))
        .await
}

pub async fn update_standard_message<E: Engine>(
    store: &E,
    id: StandardMessageId,
    text: String,
    guard: FolderGuard,
) -> StoreResult<StandardMessage> {
    data::standard::check_text(&text)?;
    store
        .write(move |db, events| data::standard::edit_message(db, events, id, &text, &guard))
        .await
}

pub async fn delete_standard_message<E: Engine>(
    store: &E,
    id: StandardMessageId,
    guard: FolderGuard,
) -> StoreResult<()> {
    store
        .write(move |db, events| data::standard::delete_message(db, events, id, &guard))
        .await
}

pub async fn import_standard<E: Engine>(
    store: &E,
    plan: Vec<PlannedFolder>,
    report: ImportReport,
    guard: FolderGuard,
) -> StoreResult<ImportReport> {
    store
        .write_or_roll_back(move |db, events| {
            data::standard::import(db, events, &plan, report, &guard)
        })
        .await
}
