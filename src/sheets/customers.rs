//! Customers in bulk: .xlsx, .xls and .csv in, .xlsx and .csv out. The
//! profile fields, tags (comma-separated), and custom fields as extra
//! columns. Export never writes a cell a spreadsheet would run as a formula.

use super::{header_key, read_grid_within, Grid, SheetError, MAX_CUSTOMER_BYTES, MAX_ROWS};
use crate::protocol::*;
use rust_xlsxwriter::{Format, Workbook};
use std::collections::{BTreeSet, HashMap, HashSet};

pub const SHEET: &str = "Customers";
pub const COLUMNS: [&str; 11] = [
    "Channel",
    "Channel_user_id",
    "Name",
    "Email",
    "Phone",
    "Gender",
    "Age",
    "Language",
    "Tags",
    "First_seen",
    "Last_seen",
];
/// Written on export, ignored on import (the server keeps them).
const READ_ONLY: [&str; 2] = ["First_seen", "Last_seen"];

/// A cell a spreadsheet would evaluate.
fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn is_csv(bytes: &[u8], file_name: &str) -> bool {
    file_name.to_lowercase().ends_with(".csv")
        && !bytes.starts_with(b"PK\x03\x04")
        && !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

fn read_csv(bytes: &[u8]) -> Result<Grid, SheetError> {
    if bytes.len() > MAX_CUSTOMER_BYTES {
        return Err(SheetError::TooLarge);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| SheetError::Corrupt("the CSV file is not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        return Err(SheetError::NotASpreadsheet(
            "the file is not a CSV text file".into(),
        ));
    }
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| SheetError::Corrupt(format!("CSV line {}: {e}", i + 1)))?;
        let cells = rec
            .iter()
            .map(|c| {
                // Undo the quote export puts before formula-like text.
                match c.strip_prefix('\'') {
                    Some(rest) if formula_like(rest) => rest.to_string(),
                    _ => c.to_string(),
                }
            })
            .collect();
        rows.push((i + 1, cells));
        if rows.len() > MAX_ROWS + 1 {
            return Err(SheetError::Layout(format!(
                "more than {MAX_ROWS} rows; split the file"
            )));
        }
    }
    Ok(Grid { rows })
}

fn grid(bytes: &[u8], file_name: &str) -> Result<Grid, SheetError> {
    let lower = file_name.to_lowercase();
    if is_csv(bytes, file_name) {
        return read_csv(bytes);
    }
    if !(lower.ends_with(".xlsx") || lower.ends_with(".xls")) {
        return Err(SheetError::NotASpreadsheet(format!(
            "{file_name} is not a spreadsheet: import takes .xlsx, .xls or .csv files"
        )));
    }
    read_grid_within(bytes, file_name, SHEET, MAX_CUSTOMER_BYTES)
}

/// Reads and checks every row. Rows with problems are reported (then
/// nothing may be imported).
pub fn parse(
    bytes: &[u8],
    file_name: &str,
    dry_run: bool,
) -> Result<(Vec<CustomerIn>, CustomerImportReport), SheetError> {
    let g = grid(bytes, file_name)?;
    let mut report = CustomerImportReport {
        dry_run,
        ..Default::default()
    };
    let mut rows = g.rows.into_iter();
    let (header_row, header) = loop {
        match rows.next() {
            Some((n, cells)) if cells.iter().any(|c| !c.trim().is_empty()) => break (n, cells),
            Some(_) => continue,
            None => return Err(SheetError::Layout("the sheet is empty".into())),
        }
    };
    let mut known: HashMap<&str, usize> = HashMap::new();
    let mut custom: Vec<(String, usize)> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim();
        if h.is_empty() {
            continue;
        }
        match COLUMNS.iter().find(|c| header_key(c) == header_key(h)) {
            Some(c) if READ_ONLY.contains(c) => {}
            Some(c) => {
                known.insert(c, i);
            }
            None => custom.push((h.to_string(), i)),
        }
    }
    for required in ["Channel", "Channel_user_id"] {
        if !known.contains_key(required) {
            return Err(SheetError::Layout(format!(
                "row {header_row} must be the header; the column {required} is missing (columns: {})",
                COLUMNS.join(", ")
            )));
        }
    }
    let mut seen: HashSet<(ChannelKind, String)> = HashSet::new();
    let mut out = Vec::new();
    for (n, cells) in rows {
        let cell = |i: usize| {
            cells
                .get(i)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if cells.iter().all(|c| c.trim().is_empty()) {
            report.blank_rows_skipped += 1;
            continue;
        }
        report.rows += 1;
        let mut errors = Vec::new();
        let mut bad = |column: &str, message: String| {
            errors.push(RowError {
                row: n,
                column: column.into(),
                message,
            });
        };
        let col = |c: &str| known.get(c).map(|i| cell(*i));
        let opt = |v: String| Some(v).filter(|s| !s.is_empty());

        let channel = match col("Channel").unwrap_or_default().parse::<ChannelKind>() {
            Ok(c) => Some(c),
            Err(e) => {
                bad("Channel", e);
                None
            }
        };
        let user = col("Channel_user_id").unwrap_or_default();
        if user.is_empty() {
            bad(
                "Channel_user_id",
                "empty: every customer needs the channel's user id".into(),
            );
        } else if user.chars().count() > 500 {
            bad("Channel_user_id", "longer than 500 characters".into());
        }
        let name = col("Name");
        if let Some(nm) = &name {
            if let Err(e) = validate::short_text("a name", nm, 200) {
                bad("Name", e);
            }
        }
        let email = col("Email").map(opt);
        if let Some(Some(e)) = &email {
            if let Err(m) = validate::email(e) {
                bad("Email", m);
            }
        }
        let phone = col("Phone").map(opt);
        if let Some(Some(p)) = &phone {
            if let Err(m) = validate::phone(p) {
                bad("Phone", m);
            }
        }
        let gender = col("Gender").map(opt);
        let language = col("Language").map(opt);
        for (c, v) in [("Gender", &gender), ("Language", &language)] {
            if let Some(Some(v)) = v {
                if let Err(m) = validate::short_text(c, v, 50) {
                    bad(c, m);
                }
            }
        }
        let age = match col("Age").map(opt) {
            Some(Some(a)) => match validate::age(&a) {
                Ok(a) => Some(Some(a)),
                Err(m) => {
                    bad("Age", m);
                    None
                }
            },
            Some(None) => Some(None),
            None => None,
        };
        let tags = col("Tags").map(|t| {
            let mut v: Vec<String> = t
                .split([',', '，', '、', ';'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            v.dedup();
            v
        });
        if let Some(ts) = &tags {
            for t in ts {
                if t.chars().count() > 64 {
                    bad(
                        "Tags",
                        format!("the tag {t:?} is longer than 64 characters"),
                    );
                }
            }
        }
        let mut fields = Vec::new();
        for (h, i) in &custom {
            let v = cell(*i);
            if let Err(m) = validate::free_text(h, &v, 500) {
                bad(h, m);
            }
            fields.push((h.clone(), opt(v)));
        }
        if let Some(ch) = channel {
            if !user.is_empty() && !seen.insert((ch, user.clone())) {
                bad(
                    "Channel_user_id",
                    format!("{ch} {user} appears on an earlier row too"),
                );
            }
        }
        if !errors.is_empty() {
            report.errors.extend(errors);
            continue;
        }
        out.push(CustomerIn {
            row: n,
            channel: channel.expect("checked above"),
            channel_user_id: user,
            name,
            email,
            phone,
            gender,
            age,
            language,
            tags,
            custom: fields,
        });
    }
    Ok((out, report))
}

fn custom_columns(customers: &[Customer]) -> Vec<String> {
    let set: BTreeSet<&String> = customers
        .iter()
        .flat_map(|c| c.custom_fields.keys())
        .collect();
    set.into_iter()
        .filter(|k| !COLUMNS.iter().any(|c| header_key(c) == header_key(k)))
        .cloned()
        .collect()
}

fn row_values(c: &Customer, custom: &[String]) -> Vec<String> {
    let mut v = vec![
        c.channel.display_name().to_string(),
        c.channel_user_id.clone(),
        c.name.clone(),
        c.email.clone().unwrap_or_default(),
        c.phone.clone().unwrap_or_default(),
        c.gender.clone().unwrap_or_default(),
        c.age.map(|a| a.to_string()).unwrap_or_default(),
        c.language.clone().unwrap_or_default(),
        c.tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        c.first_seen.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        c.last_seen.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    ];
    v.extend(
        custom
            .iter()
            .map(|k| c.custom_fields.get(k).cloned().unwrap_or_default()),
    );
    v
}

pub fn export_xlsx(customers: &[Customer]) -> Result<Vec<u8>, SheetError> {
    let xerr = |e: rust_xlsxwriter::XlsxError| SheetError::Write(e.to_string());
    let custom = custom_columns(customers);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xerr)?;
    for (i, h) in COLUMNS
        .iter()
        .map(std::string::ToString::to_string)
        .chain(custom.iter().cloned())
        .enumerate()
    {
        ws.write_string_with_format(0, i as u16, h, &bold)
            .map_err(xerr)?;
    }
    for (r, c) in customers.iter().enumerate() {
        for (i, v) in row_values(c, &custom).iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, i as u16, v).map_err(xerr)?;
            }
        }
    }
    wb.save_to_buffer().map_err(xerr)
}

pub fn export_csv(customers: &[Customer]) -> Result<Vec<u8>, SheetError> {
    let custom = custom_columns(customers);
    let mut w = csv::Writer::from_writer(Vec::new());
    let safe = |s: &str| {
        if formula_like(s) {
            format!("'{s}")
        } else {
            s.to_string()
        }
    };
    let header: Vec<String> = COLUMNS
        .iter()
        .map(std::string::ToString::to_string)
        .chain(custom.iter().cloned())
        .collect();
    w.write_record(header.iter().map(|h| safe(h)))
        .map_err(|e| SheetError::Write(e.to_string()))?;
    for c in customers {
        w.write_record(row_values(c, &custom).iter().map(|v| safe(v)))
            .map_err(|e| SheetError::Write(e.to_string()))?;
    }
    w.into_inner().map_err(|e| SheetError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_checked_and_formulas_defused() {
        let csv = "\u{feff}Channel,Channel_user_id,Name,Email,Age,Tags,Member no\nLINE,U1,Mei,mei@example.com,34,\"VIP, Refund\",'=A1\nwa,852,,bad,200,,\n,,,,,,\nLINE,U1,Dup,,,,\n";
        let (rows, report) = parse(csv.as_bytes(), "c.csv", false).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].tags,
            Some(vec!["VIP".to_string(), "Refund".to_string()])
        );
        assert_eq!(
            rows[0].custom,
            vec![("Member no".to_string(), Some("=A1".to_string()))]
        );
        assert_eq!(report.blank_rows_skipped, 1);
        let cols: Vec<(usize, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(cols, vec![(3, "Email"), (3, "Age"), (5, "Channel_user_id")]);
    }

    #[test]
    fn exported_csv_never_starts_a_cell_with_a_formula() {
        let c = Customer {
            id: 1,
            name: "=cmd|' /C calc'!A0".into(),
            channel: ChannelKind::Line,
            channel_account_id: 1,
            channel_user_id: "@U1".into(),
            first_seen: chrono::Utc::now(),
            last_seen: chrono::Utc::now(),
            email: None,
            phone: Some("+852 1234 5678".into()),
            gender: None,
            age: None,
            language: None,
            custom_fields: Default::default(),
            tags: vec![],
            version: 1,
        };
        let out = String::from_utf8(export_csv(&[c]).unwrap()).unwrap();
        for cell in out.lines().nth(1).unwrap().split(',') {
            let cell = cell.trim_matches('"');
            assert!(!formula_like(cell), "{cell}");
        }
        let (rows, report) = parse(out.as_bytes(), "back.csv", false).unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(
            rows[0].name.as_deref(),
            Some("=cmd|' /C calc'!A0"),
            "round trip restores the text"
        );
        assert_eq!(rows[0].channel_user_id, "@U1");
    }
}
