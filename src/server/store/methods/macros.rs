//! Shared macros.

use super::*;

/// The store's shared macros.
#[async_trait]
pub trait MacroStore: Send + Sync {
    async fn list_macros(&self) -> StoreResult<Vec<SharedMacro>>;
    async fn put_macro(
        &self,
        by: AgentId,
        name: String,
        steps: Vec<MacroStep>,
    ) -> StoreResult<SharedMacro>;
    async fn delete_macro(&self, name: String) -> StoreResult<()>;
}

#[async_trait]
impl<E: Engine> MacroStore for E {
    async fn list_macros(&self) -> StoreResult<Vec<SharedMacro>> {
        self.read(data::macros::list).await
    }

    async fn put_macro(
        &self,
        by: AgentId,
        name: String,
        steps: Vec<MacroStep>,
    ) -> StoreResult<SharedMacro> {
        self.write(move |db, events| data::macros::put(db, events, &name, steps, by))
            .await
    }

    async fn delete_macro(&self, name: String) -> StoreResult<()> {
        self.write(move |db, events| data::macros::delete(db, events, &name))
            .await
    }
}
