//! Customers: read, searched, edited, imported.

use super::*;
use crate::server::store::data::customers::{customer_from_row, CUSTOMER_COLUMNS, CUSTOMER_FROM};

/// The store's customers: read, searched, edited, imported.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    async fn get_customer(&self, id: CustomerId) -> StoreResult<Customer>;
    async fn search_customers(&self, query: CustomerQuery) -> StoreResult<Vec<Customer>>;
    async fn patch_customer(
        &self,
        by: AgentId,
        id: CustomerId,
        patch: CustomerPatch,
    ) -> StoreResult<Customer>;
    /// Every customer with tags, ordered by id.
    async fn all_customers(&self) -> StoreResult<Vec<Customer>>;
    /// Creates or updates (matched by channel and channel user id) in one
    /// transaction; rolled back when `report.dry_run`.
    async fn import_customers(
        &self,
        rows: Vec<CustomerIn>,
        report: CustomerImportReport,
    ) -> StoreResult<CustomerImportReport>;
}

#[async_trait]
impl<E: Engine> CustomerStore for E {
    async fn get_customer(&self, id: CustomerId) -> StoreResult<Customer> {
        self.read(move |db| load_customer(db, id)).await
    }

    async fn search_customers(&self, query: CustomerQuery) -> StoreResult<Vec<Customer>> {
        let q = query.q.trim().to_lowercase();
        if q.is_empty() {
            return Err(StoreError::Invalid("q: say what to look for".into()));
        }
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        self.read(move |db| {
            let ids: Vec<CustomerId> = db.query(
                &format!(
                    "SELECT id FROM customers
                         WHERE {instr}(lower(name), ?1) > 0
                            OR {instr}(lower(COALESCE(email, '')), ?1) > 0
                            OR {instr}(COALESCE(phone, ''), ?1) > 0
                            OR {instr}(lower(channel_user_id), ?1) > 0
                         ORDER BY last_seen DESC, id DESC LIMIT ?2",
                    instr = db.instr()
                ),
                &[&q, &i64::from(limit)],
                |r| r.get(0),
            )?;
            ids.into_iter().map(|id| load_customer(db, id)).collect()
        })
        .await
    }

    async fn patch_customer(
        &self,
        _by: AgentId,
        id: CustomerId,
        patch: CustomerPatch,
    ) -> StoreResult<Customer> {
        self.write(move |db, events| {
                let current = load_customer(db, id)?;
                if let Some(v) = patch.version {
                    if v != current.version {
                        return Err(StoreError::Conflict(format!(
                            "this customer was changed by someone else since you loaded it (version {} now, yours {v}); reload and try again",
                            current.version
                        )));
                    }
                }
                let mut c = current.clone();
                if let Some(name) = patch.name {
                    validate_text(&name, "a customer's name", 200)?;
                    c.name = name.trim().to_string();
                }
                let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                let invalid = StoreError::Invalid;
                if let Some(email) = patch.email {
                    c.email = clean(email);
                    if let Some(e) = &c.email {
                        validate::email(e).map_err(invalid)?;
                    }
                }
                if let Some(phone) = patch.phone {
                    c.phone = clean(phone);
                    if let Some(p) = &c.phone {
                        validate::phone(p).map_err(invalid)?;
                    }
                }
                if let Some(gender) = patch.gender {
                    c.gender = clean(gender);
                    if let Some(g) = &c.gender {
                        validate::short_text("gender", g, 50).map_err(invalid)?;
                    }
                }
                if let Some(age) = patch.age {
                    if let Some(a) = age {
                        if a > 150 {
                            return Err(StoreError::Invalid(format!("age {a} is not plausible")));
                        }
                    }
                    c.age = age;
                }
                if let Some(language) = patch.language {
                    c.language = clean(language);
                    if let Some(l) = &c.language {
                        validate::short_text("language", l, 50).map_err(invalid)?;
                    }
                }
                if let Some(fields) = patch.custom_fields {
                    if fields.len() > 50 {
                        return Err(StoreError::Invalid("at most 50 custom fields".into()));
                    }
                    let mut clean_fields = std::collections::BTreeMap::new();
                    for (k, v) in fields {
                        let k = k.trim().to_string();
                        if k.is_empty() {
                            return Err(StoreError::Invalid("a custom field needs a name".into()));
                        }
                        validate::short_text("a custom field's name", &k, 50).map_err(invalid)?;
                        validate::free_text("a custom field's value", &v, 500).map_err(invalid)?;
                        clean_fields.insert(k, v.trim().to_string());
                    }
                    c.custom_fields = clean_fields;
                }
                if c == current {
                    return Ok(current);
                }
                let custom = serde_json::to_string(&c.custom_fields)
                    .map_err(|e| StoreError::Internal(e.to_string()))?;
                db.execute("UPDATE customers SET name = ?2, email = ?3, phone = ?4, gender = ?5, age = ?6,
                         language = ?7, custom_fields = ?8, version = version + 1
                     WHERE id = ?1", &[&id, &c.name, &c.email, &c.phone, &c.gender, &c.age.map(i64::from), &c.language, &custom])?;
                let customer = load_customer(db, id)?;
                events.push(EventKind::CustomerUpdated {
                    customer: customer.clone(),
                });
                Ok(customer)
            })
            .await
    }

    async fn all_customers(&self) -> StoreResult<Vec<Customer>> {
        self.read(|db| {
            let mut tags: HashMap<i64, Vec<Tag>> = HashMap::new();
            for (c, t) in db.query(
                "SELECT ct.customer_id, t.id, t.name, t.color FROM customer_tags ct
                     JOIN tags t ON t.id = ct.tag_id ORDER BY t.name",
                &[],
                |r| {
                    Ok((
                        r.get::<i64>(0)?,
                        Tag {
                            id: r.get(1)?,
                            name: r.get(2)?,
                            color: r.get(3)?,
                        },
                    ))
                },
            )? {
                tags.entry(c).or_default().push(t);
            }
            let mut out = db.query(
                &format!("SELECT {CUSTOMER_COLUMNS} {CUSTOMER_FROM} ORDER BY c.id"),
                &[],
                customer_from_row,
            )?;
            for c in &mut out {
                c.tags = tags.remove(&c.id).unwrap_or_default();
                // The export has always given ages up to 150.
                c.age = c.age.map(|a| a.min(150));
            }
            Ok(out)
        })
        .await
    }

    async fn import_customers(
        &self,
        rows: Vec<CustomerIn>,
        report: CustomerImportReport,
    ) -> StoreResult<CustomerImportReport> {
        self.write_or_roll_back(move |db, events| {
                let mut report = report;
                let now = now_ms();
                let mut accounts: HashMap<ChannelKind, i64> = HashMap::new();
                let mut tag_ids: HashMap<String, i64> = HashMap::new();
                // Accounts per channel kind, so each lookup uses the
                // (account, user id) index instead of scanning customers.
                let mut by_kind: HashMap<ChannelKind, Vec<i64>> = HashMap::new();
                for (id, kind) in db.query(
                    "SELECT id, kind FROM channel_accounts ORDER BY id",
                    &[],
                    |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
                )? {
                    if let Ok(k) = kind.parse() {
                        by_kind.entry(k).or_default().push(id);
                    }
                }
                for row in rows {
                    let mut existing: Option<i64> = None;
                    for account in by_kind.get(&row.channel).map(std::vec::Vec::as_slice).unwrap_or(&[]) {
                        existing = db.value(
                            "SELECT id FROM customers WHERE channel_account_id = ?1 AND channel_user_id = ?2",
                            &[account, &row.channel_user_id],
                        )?;
                        if existing.is_some() {
                            break;
                        }
                    }
                    let id = match existing {
                        Some(id) => id,
                        None => {
                            let account = match accounts.get(&row.channel) {
                                Some(a) => *a,
                                None => {
                                    let a = api_account(db, row.channel)?;
                                    accounts.insert(row.channel, a);
                                    let ids = by_kind.entry(row.channel).or_default();
                                    if !ids.contains(&a) {
                                        ids.push(a);
                                    }
                                    a
                                }
                            };
                            let name = row
                                .name
                                .clone()
                                .filter(|n| !n.is_empty())
                                .unwrap_or_else(|| row.channel_user_id.clone());
                            let id: i64 = db.query_one("customer", "INSERT INTO customers (channel_account_id, channel_user_id, name, first_seen, last_seen)
                                 VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id", &[&account, &row.channel_user_id, &name, &now], |r| r.get(0))?;
                            report.created += 1;
                            id
                        }
                    };
                    let before = load_customer(db, id)?;
                    let mut c = before.clone();
                    if let Some(n) = row.name.filter(|n| !n.is_empty()) {
                        c.name = n;
                    }
                    if let Some(v) = row.email {
                        c.email = v;
                    }
                    if let Some(v) = row.phone {
                        c.phone = v;
                    }
                    if let Some(v) = row.gender {
                        c.gender = v;
                    }
                    if let Some(v) = row.age {
                        c.age = v;
                    }
                    if let Some(v) = row.language {
                        c.language = v;
                    }
                    for (k, v) in row.custom {
                        match v {
                            Some(v) => c.custom_fields.insert(k, v),
                            None => c.custom_fields.remove(&k),
                        };
                    }
                    let fields_changed = c.name != before.name
                        || c.email != before.email
                        || c.phone != before.phone
                        || c.gender != before.gender
                        || c.age != before.age
                        || c.language != before.language
                        || c.custom_fields != before.custom_fields;
                    if fields_changed {
                        let custom = serde_json::to_string(&c.custom_fields)
                            .map_err(|e| StoreError::Internal(e.to_string()))?;
                        db.execute("UPDATE customers SET name = ?2, email = ?3, phone = ?4, gender = ?5, age = ?6,
                                 language = ?7, custom_fields = ?8, version = version + 1 WHERE id = ?1", &[&id, &c.name, &c.email, &c.phone, &c.gender, &c.age.map(i64::from), &c.language, &custom])?;
                    }
                    let mut tags_changed = false;
                    if let Some(names) = row.tags {
                        let mut want = Vec::new();
                        for name in names {
                            let key = name.to_lowercase();
                            let tid = match tag_ids.get(&key) {
                                Some(t) => *t,
                                None => {
                                    let t = data::tags::create(db, events, &name, None, false)?.id;
                                    tag_ids.insert(key, t);
                                    t
                                }
                            };
                            want.push(tid);
                        }
                        want.sort_unstable();
                        want.dedup();
                        let mut have: Vec<i64> = before.tags.iter().map(|t| t.id).collect();
                        have.sort_unstable();
                        if want != have {
                            tags_changed = true;
                            db.execute("DELETE FROM customer_tags WHERE customer_id = ?1", &[&id])?;
                            for t in want {
                                db.execute("INSERT INTO customer_tags (customer_id, tag_id, added_at) VALUES (?1, ?2, ?3)", &[&id, &t, &now])?;
                            }
                            if !fields_changed {
                                db.execute("UPDATE customers SET version = version + 1 WHERE id = ?1", &[&id])?;
                            }
                        }
                    }
                    if existing.is_some() {
                        if fields_changed || tags_changed {
                            report.updated += 1;
                        } else {
                            report.unchanged += 1;
                        }
                    }
                }
                let commit = !report.dry_run && report.errors.is_empty();
                report.applied = commit;
                if commit && report.created + report.updated > 0 {
                    events.push(EventKind::CustomersImported {
                        created: report.created,
                        updated: report.updated,
                    });
                }
                Ok((report, commit))
            })
            .await
    }
}
