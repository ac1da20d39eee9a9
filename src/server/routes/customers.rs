use crate::protocol::*;
use crate::server::auth::{Admin, Authed};
use crate::server::error::ApiResult;
use crate::server::extract::{Json, Path, Query};
use crate::server::AppState;
use axum::extract::State;
use axum::http::StatusCode;

type Out<T> = ApiResult<axum::Json<T>>;

pub async fn search(
    State(state): State<AppState>,
    _: Authed,
    Query(q): Query<CustomerQuery>,
) -> Out<Vec<Customer>> {
    Ok(axum::Json(state.store.search_customers(q).await?))
}

pub async fn get(
    State(state): State<AppState>,
    _: Authed,
    Path(id): Path<CustomerId>,
) -> Out<Customer> {
    Ok(axum::Json(state.store.get_customer(id).await?))
}

pub async fn patch(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<CustomerId>,
    Json(patch): Json<CustomerPatch>,
) -> Out<Customer> {
    Ok(axum::Json(
        state.store.patch_customer(me.id, id, patch).await?,
    ))
}

pub async fn tags(State(state): State<AppState>, _: Authed) -> Out<Vec<TagInfo>> {
    Ok(axum::Json(state.store.tag_infos().await?))
}

pub async fn update_tag(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<TagId>,
    Json(patch): Json<TagPatch>,
) -> Out<Tag> {
    Ok(axum::Json(state.store.update_tag(id, patch).await?))
}

pub async fn delete_tag(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<TagId>,
) -> Out<TagRemoved> {
    Ok(axum::Json(TagRemoved {
        customers: state.store.delete_tag(id).await?,
    }))
}

pub async fn merge_tag(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<TagId>,
    Json(m): Json<MergeTag>,
) -> Out<TagInfo> {
    Ok(axum::Json(state.store.merge_tags(id, m.into).await?))
}

pub async fn create_tag(
    State(state): State<AppState>,
    _: Authed,
    Json(tag): Json<NewTag>,
) -> ApiResult<(StatusCode, axum::Json<Tag>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.create_tag(tag).await?),
    ))
}

pub async fn tag(
    State(state): State<AppState>,
    _: Authed,
    Path(id): Path<CustomerId>,
    Json(tag): Json<TagCustomer>,
) -> Out<Customer> {
    Ok(axum::Json(state.store.tag_customer(id, tag).await?))
}

pub async fn untag(
    State(state): State<AppState>,
    _: Authed,
    Path((id, tag_id)): Path<(CustomerId, TagId)>,
) -> Out<Customer> {
    Ok(axum::Json(state.store.untag_customer(id, tag_id).await?))
}

pub async fn notes(
    State(state): State<AppState>,
    _: Authed,
    Path(id): Path<CustomerId>,
) -> Out<Vec<Note>> {
    Ok(axum::Json(state.store.list_notes(id).await?))
}

pub async fn add_note(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<CustomerId>,
    Json(note): Json<NoteText>,
) -> ApiResult<(StatusCode, axum::Json<Note>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(state.store.create_note(me.id, id, note.text).await?),
    ))
}

pub async fn edit_note(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<NoteId>,
    Json(note): Json<NoteText>,
) -> Out<Note> {
    Ok(axum::Json(
        state.store.update_note(&me, id, note.text).await?,
    ))
}

pub async fn delete_note(
    State(state): State<AppState>,
    Authed(me): Authed,
    Path(id): Path<NoteId>,
) -> ApiResult<StatusCode> {
    state.store.delete_note(&me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
