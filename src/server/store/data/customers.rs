//! Customers: one loaded with its tags.

use super::super::sql::{Db, Row};
use super::to_dt;
use crate::protocol::*;
use crate::server::store::StoreResult;

/// A customer's columns, read by [`customer_from_row`], and where they
/// come from.
pub const CUSTOMER_COLUMNS: &str = "c.id, c.name, a.kind, c.channel_account_id, c.channel_user_id,
    c.first_seen, c.last_seen, c.email, c.phone, c.gender, c.age, c.language, c.custom_fields,
    c.version";
pub const CUSTOMER_FROM: &str =
    "FROM customers c JOIN channel_accounts a ON a.id = c.channel_account_id";

/// A customer from a [`CUSTOMER_COLUMNS`] row, without its tags.
pub fn customer_from_row(r: &Row) -> StoreResult<Customer> {
    let kind: String = r.get(2)?;
    let custom: String = r.get(12)?;
    Ok(Customer {
        id: r.get(0)?,
        name: r.get(1)?,
        channel: kind.parse().unwrap_or(ChannelKind::Messenger),
        channel_account_id: r.get(3)?,
        channel_user_id: r.get(4)?,
        first_seen: to_dt(r.get(5)?),
        last_seen: to_dt(r.get(6)?),
        email: r.get(7)?,
        phone: r.get(8)?,
        gender: r.get(9)?,
        age: r
            .get::<Option<i64>>(10)?
            .map(|a| a.clamp(0, i64::from(u32::MAX)) as u32),
        language: r.get(11)?,
        custom_fields: serde_json::from_str(&custom).unwrap_or_default(),
        tags: Vec::new(),
        version: r.get(13)?,
    })
}

pub fn load_customer(db: Db, id: CustomerId) -> StoreResult<Customer> {
    let mut c = db.query_one(
        "customer",
        &format!("SELECT {CUSTOMER_COLUMNS} {CUSTOMER_FROM} WHERE c.id = ?1"),
        &[&id],
        customer_from_row,
    )?;
    c.tags = db.query(
        "SELECT t.id, t.name, t.color FROM tags t JOIN customer_tags ct ON ct.tag_id = t.id
         WHERE ct.customer_id = ?1 ORDER BY t.name",
        &[&id],
        super::tags::tag_from_row,
    )?;
    Ok(c)
}
