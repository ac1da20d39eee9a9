//! Standard-message folders and their messages.

use super::*;

/// The store's standard-message folders and their messages.
#[async_trait]
pub trait StandardStore: Send + Sync {
    async fn list_standard_folders(&self) -> StoreResult<Vec<StandardFolder>>;
    async fn create_folder(
        &self,
        input: FolderInput,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder>;
    async fn update_folder(
        &self,
        id: FolderId,
        patch: FolderPatch,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder>;
    async fn delete_folder(&self, id: FolderId, guard: FolderGuard) -> StoreResult<()>;
    async fn add_standard_message(
        &self,
        folder: FolderId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage>;
    async fn update_standard_message(
        &self,
        id: StandardMessageId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage>;
    async fn delete_standard_message(
        &self,
        id: StandardMessageId,
        guard: FolderGuard,
    ) -> StoreResult<()>;
    /// Applies a validated import in one transaction (rolled back when
    /// `dry_run`): each planned folder goes into the folder of the same
    /// name and scope, made when there is none.
    async fn import_standard(
        &self,
        plan: Vec<PlannedFolder>,
        report: ImportReport,
        guard: FolderGuard,
    ) -> StoreResult<ImportReport>;
}

#[async_trait]
impl<E: Engine> StandardStore for E {
    async fn list_standard_folders(&self) -> StoreResult<Vec<StandardFolder>> {
        self.read(data::standard::list).await
    }

    async fn create_folder(
        &self,
        input: FolderInput,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder> {
        self.write(move |db, events| data::standard::create(db, events, &input, &guard))
            .await
    }

    async fn update_folder(
        &self,
        id: FolderId,
        patch: FolderPatch,
        guard: FolderGuard,
    ) -> StoreResult<StandardFolder> {
        self.write(move |db, events| data::standard::update(db, events, id, &patch, &guard))
            .await
    }

    async fn delete_folder(&self, id: FolderId, guard: FolderGuard) -> StoreResult<()> {
        self.write(move |db, events| data::standard::delete(db, events, id, &guard))
            .await
    }

    async fn add_standard_message(
        &self,
        folder: FolderId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage> {
        data::standard::check_text(&text)?;
        self.write(move |db, events| data::standard::add_message(db, events, folder, &text, &guard))
            .await
    }

    async fn update_standard_message(
        &self,
        id: StandardMessageId,
        text: String,
        guard: FolderGuard,
    ) -> StoreResult<StandardMessage> {
        data::standard::check_text(&text)?;
        self.write(move |db, events| data::standard::edit_message(db, events, id, &text, &guard))
            .await
    }

    async fn delete_standard_message(
        &self,
        id: StandardMessageId,
        guard: FolderGuard,
    ) -> StoreResult<()> {
        self.write(move |db, events| data::standard::delete_message(db, events, id, &guard))
            .await
    }

    async fn import_standard(
        &self,
        plan: Vec<PlannedFolder>,
        report: ImportReport,
        guard: FolderGuard,
    ) -> StoreResult<ImportReport> {
        self.write_or_roll_back(move |db, events| {
            data::standard::import(db, events, &plan, report, &guard)
        })
        .await
    }
}
