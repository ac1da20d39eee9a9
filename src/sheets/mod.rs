//! Spreadsheets in and out: calamine reads .xlsx and legacy .xls,
//! rust_xlsxwriter writes .xlsx. Works on protocol types only, so the
//! server, the CLI and the tests share it.

pub mod bounds;
pub mod customers;
pub mod standard;

use calamine::{Data, Reader, Xls, Xlsx};
use std::io::Cursor;

/// Largest standard-message spreadsheet accepted for import.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest customer file accepted for import (a workspace's whole list).
pub const MAX_CUSTOMER_BYTES: usize = 64 * 1024 * 1024;
/// Most data rows accepted in one import.
pub const MAX_ROWS: usize = 250_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("the file is larger than the server accepts")]
    TooLarge,
    #[error("{0}")]
    NotASpreadsheet(String),
    #[error("the spreadsheet could not be read: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Layout(String),
    #[error("could not write the spreadsheet: {0}")]
    Write(String),
}

/// The kinds of file import takes, told by their first bytes (not their name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
}

pub fn sniff(bytes: &[u8], file_name: &str) -> Result<Format, SheetError> {
    sniff_within(bytes, file_name, MAX_BYTES)
}

pub fn sniff_within(bytes: &[u8], file_name: &str, max: usize) -> Result<Format, SheetError> {
    let lower = file_name.to_lowercase();
    let ext_ok = lower.ends_with(".xlsx") || lower.ends_with(".xls") || !lower.contains('.');
    if !ext_ok {
        return Err(SheetError::NotASpreadsheet(format!(
            "{file_name} is not a spreadsheet: import takes .xlsx or .xls files"
        )));
    }
    if bytes.len() > max {
        return Err(SheetError::TooLarge);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        Ok(Format::Xlsx)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Ok(Format::Xls)
    } else {
        Err(SheetError::NotASpreadsheet(format!(
            "{file_name} is not an .xlsx or .xls spreadsheet"
        )))
    }
}

/// One sheet's cells as text, with the spreadsheet's own row numbers
/// (1-based). Numbers print as a person typed them (5, not 5.0).
#[derive(Debug)]
pub struct Grid {
    pub rows: Vec<(usize, Vec<String>)>,
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

/// Reads the sheet named `prefer` if there is one, else the first sheet.
pub fn read_grid(bytes: &[u8], file_name: &str, prefer: &str) -> Result<Grid, SheetError> {
    read_grid_within(bytes, file_name, prefer, MAX_BYTES)
}

pub fn read_grid_within(
    bytes: &[u8],
    file_name: &str,
    prefer: &str,
    max: usize,
) -> Result<Grid, SheetError> {
    let format = sniff_within(bytes, file_name, max)?;
    // The readers are other people's code reading a stranger's file: a
    // panic in one is a file that cannot be read, not a server that stops.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_cells(format, bytes, prefer)
    }));
    let cells = match read {
        Ok(cells) => cells?,
        Err(_) => {
            return Err(SheetError::Corrupt(
                "its reader failed on it; save it again from Excel, or as .csv".into(),
            ))
        }
    };
    grid_of(cells)
}

/// Every cell with something in it, within the limits.
fn read_cells(
    format: Format,
    bytes: &[u8],
    prefer: &str,
) -> Result<Vec<(u32, u32, String)>, SheetError> {
    let corrupt = |e: String| SheetError::Corrupt(e);
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    match format {
        Format::Xlsx => {
            bounds::check_xlsx_archive(bytes)?;
            let mut wb: Xlsx<_> =
                Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
            let name = pick_sheet(wb.sheet_names(), prefer)?;
            let mut reader = wb
                .worksheet_cells_reader(&name)
                .map_err(|e| corrupt(e.to_string()))?;
            let dims = reader.dimensions();
            bounds::check_declared(dims.start, dims.end, false)?;
            let mut text_bytes: u64 = 0;
            while let Some(cell) = reader.next_cell().map_err(|e| corrupt(e.to_string()))? {
                let text = cell_ref_text(cell.get_value());
                if text.is_empty() {
                    continue;
                }
                let (r, c) = cell.get_position();
                bounds::check_cell(r, c)?;
                text_bytes += text.len() as u64;
                cells.push((r, c, text));
                // Repeated cells, or one long text repeated: held in memory,
                // so bounded.
                if cells.len() as u64 > bounds::MAX_CELLS || text_bytes > bounds::MAX_TEXT {
                    return Err(SheetError::Layout(format!(
                        "the sheet holds more than {} cells or {} MB of text; split the file",
                        bounds::MAX_CELLS,
                        bounds::MAX_TEXT / 1_000_000
                    )));
                }
            }
        }
        Format::Xls => {
            bounds::check_xls(bytes)?;
            let mut wb: Xls<_> =
                Xls::new(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
            let name = pick_sheet(wb.sheet_names(), prefer)?;
            let range = wb
                .worksheet_range(&name)
                .map_err(|e| corrupt(e.to_string()))?;
            for (r, c, d) in range.used_cells() {
                let text = cell_text(d);
                if !text.is_empty() {
                    let (r0, c0) = range.start().unwrap_or((0, 0));
                    cells.push((r0 + r as u32, c0 + c as u32, text));
                }
            }
        }
    }
    Ok(cells)
}

/// Rows from cells in any order: each row as wide as its last cell, with
/// the sheet's row numbers (1-based), from the first row with something in
/// it to the last (rows between with nothing are there, empty, so they can
/// be reported as blank). Cells are already within the limits, so the rows
/// are at most [`MAX_ROWS`] + 1.
fn grid_of(mut cells: Vec<(u32, u32, String)>) -> Result<Grid, SheetError> {
    let mut width: u64 = 0;
    cells.sort_by_key(|(r, c, _)| (*r, *c));
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for (r, c, text) in cells {
        let number = r as usize + 1;
        let next = rows.last().map_or(number, |(n, _)| n + 1);
        for gap in next..number {
            rows.push((gap, Vec::new()));
        }
        if rows.last().is_none_or(|(n, _)| *n != number) {
            rows.push((number, Vec::new()));
        }
        if let Some((_, row)) = rows.last_mut() {
            // The empty cells before this one cost memory too.
            width += u64::from(c).saturating_sub(row.len() as u64) + 1;
            if width > bounds::MAX_CELLS {
                return Err(SheetError::Layout(format!(
                    "the sheet spans more than {} cells; delete the unused rows and columns, or split the file",
                    bounds::MAX_CELLS
                )));
            }
            row.resize(c as usize, String::new());
            row.push(text);
        }
    }
    Ok(Grid { rows })
}

fn cell_ref_text(d: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match d {
        DataRef::Empty => String::new(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => Data::Float(*f).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => Data::Bool(*b).to_string(),
        DataRef::DateTime(d) => Data::DateTime(*d).to_string(),
        DataRef::DateTimeIso(s) => s.clone(),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => Data::Error(e.clone()).to_string(),
    }
}

fn pick_sheet(names: Vec<String>, prefer: &str) -> Result<String, SheetError> {
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(prefer))
        .or(names.first())
        .cloned()
        .ok_or_else(|| SheetError::Layout("the file has no sheets".into()))
}

/// Header names compared loosely: case, spaces and underscores ignored.
pub fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_by_content_and_name() {
        assert_eq!(sniff(b"PK\x03\x04rest", "a.xlsx"), Ok(Format::Xlsx));
        assert_eq!(
            sniff(
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0],
                "a.xls"
            ),
            Ok(Format::Xls)
        );
        assert!(matches!(
            sniff(b"name,text\n", "a.csv"),
            Err(SheetError::NotASpreadsheet(_))
        ));
        assert!(matches!(
            sniff(b"MZ\x90\x00", "renamed.xlsx"),
            Err(SheetError::NotASpreadsheet(_))
        ));
        assert_eq!(header_key(" Folder_name "), "foldername");
    }

    #[test]
    fn corrupt_files_fail_clearly() {
        let e = read_grid(b"PK\x03\x04 this is not a zip", "broken.xlsx", "x").unwrap_err();
        assert!(matches!(e, SheetError::Corrupt(_)), "{e:?}");
    }
}
