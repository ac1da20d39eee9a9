//! Shared macros.

use super::*;

pub async fn list_macros<E: Engine>(store: &E) -> StoreResult<Vec<SharedMacro>> {
    store.read(data::macros::list).await
}

pub async fn put_macro<E: Engine>(
    store: &E,
    by: AgentId,
    name: String,
    steps: Vec<MacroStep>,
) -> StoreResult<SharedMacro> {
    store
        .write(move |db, events| data::macros::put(db, events, &name, steps, by))
        .await
}

pub async fn delete_macro<E: Engine>(store: &E, name: String) -> StoreResult<()> {
    store
        .write(move |db, events| data::macros::delete(db, events, &name))
        .await
}
