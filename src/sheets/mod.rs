//! Spreadsheets in and out: calamine reads .xlsx and legacy .xls,
//! rust_xlsxwriter writes .xlsx. Works on protocol types only, so the
//! server, the CLI and the tests share it.

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
    let corrupt = |e: String| SheetError::Corrupt(e);
    let range = match format {
        Format::Xlsx => {
            let mut wb: Xlsx<_> =
                Xlsx::new(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
            let name = pick_sheet(wb.sheet_names(), prefer)?;
            wb.worksheet_range(&name)
                .map_err(|e| corrupt(e.to_string()))?
        }
        Format::Xls => {
            let mut wb: Xls<_> =
                Xls::new(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
            let name = pick_sheet(wb.sheet_names(), prefer)?;
            wb.worksheet_range(&name)
                .map_err(|e| corrupt(e.to_string()))?
        }
    };
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let mut cells = vec![String::new(); first_col];
        cells.extend(row.iter().map(cell_text));
        rows.push((first_row + i + 1, cells));
        if rows.len() > MAX_ROWS + 1 {
            return Err(SheetError::Layout(format!(
                "the sheet has more than {MAX_ROWS} rows; split it into smaller files"
            )));
        }
    }
    Ok(Grid { rows })
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
