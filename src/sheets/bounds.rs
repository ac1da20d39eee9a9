//! Spreadsheets are checked for size before they are loaded. A 1.5 KB
//! .xlsx can declare cells at A1 and XFD1048576, and calamine's ranges are
//! dense: loading it asks for half a terabyte. So:
//!
//! - an .xlsx's zip directory is read first, and an archive that unpacks to
//!   more than [`MAX_UNPACKED`] (or shared strings over [`MAX_STRINGS`]) is
//!   refused; its sheet's declared size is checked, then its cells are read
//!   one by one, each within [`MAX_ROWS`] rows and [`MAX_COLS`] columns;
//! - a legacy .xls is scanned record by record (declared sizes and every
//!   cell's position, in every sheet, since calamine loads them all) before
//!   calamine sees it.

use super::{SheetError, MAX_ROWS};
use std::io::{Cursor, Read};

/// Widest sheet read: imports use a handful of columns (customers' custom
/// fields a few dozen).
pub const MAX_COLS: u32 = 128;
/// Most cells a sheet may span (rows × columns): what calamine's dense grid
/// of a legacy .xls holds.
pub const MAX_CELLS: u64 = 4_000_000;
/// Most bytes of text an import holds.
pub const MAX_TEXT: u64 = 256 * 1024 * 1024;
/// Most bytes an .xlsx may unpack to.
pub const MAX_UNPACKED: u64 = 512 * 1024 * 1024;
/// Most bytes of shared strings (calamine keeps them all in memory).
pub const MAX_STRINGS: u64 = 128 * 1024 * 1024;

fn too_big(what: String) -> SheetError {
    SheetError::Layout(what)
}

/// "XFD1048576" for row 1048575, column 16383 (0-based).
pub fn a1(row: u32, col: u32) -> String {
    let mut name = Vec::new();
    let mut c = u64::from(col) + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        name.push(b'A' + rem as u8);
        c = (c - 1) / 26;
    }
    name.reverse();
    format!("{}{}", String::from_utf8_lossy(&name), u64::from(row) + 1)
}

/// A sheet's declared corners (0-based, inclusive) within the limits;
/// `dense` when the whole rectangle would be held in memory (legacy .xls).
pub fn check_declared(start: (u32, u32), end: (u32, u32), dense: bool) -> Result<(), SheetError> {
    if end.0 < start.0 || end.1 < start.1 {
        return Ok(()); // an empty or nonsense declaration: cells are checked anyway
    }
    let rows = u64::from(end.0 - start.0) + 1;
    let cols = u64::from(end.1 - start.1) + 1;
    if rows > MAX_ROWS as u64 + 1 || end.1 >= MAX_COLS || (dense && rows * cols > MAX_CELLS) {
        return Err(too_big(format!(
            "the sheet declares {rows} rows × {cols} columns (to cell {}); at most {MAX_ROWS} rows and {MAX_COLS} columns are read: delete the unused rows and columns, or split the file",
            a1(end.0, end.1)
        )));
    }
    Ok(())
}

/// A cell's position within the limits.
pub fn check_cell(row: u32, col: u32) -> Result<(), SheetError> {
    if row as usize > MAX_ROWS || col >= MAX_COLS {
        return Err(too_big(format!(
            "cell {} is outside the {MAX_ROWS} rows and {MAX_COLS} columns an import reads: delete what is there, or split the file",
            a1(row, col)
        )));
    }
    Ok(())
}

/// What an .xlsx unpacks to, from its zip directory, within the limits.
pub fn check_xlsx_archive(bytes: &[u8]) -> Result<(), SheetError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| SheetError::Corrupt(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| SheetError::Corrupt(e.to_string()))?;
        total = total.saturating_add(f.size());
        let strings = f
            .name()
            .is_ok_and(|n| n.eq_ignore_ascii_case("xl/sharedStrings.xml"));
        if strings && f.size() > MAX_STRINGS {
            return Err(too_big(format!(
                "the spreadsheet's text unpacks to {} MB, more than the {} MB an import reads",
                f.size() / 1_000_000,
                MAX_STRINGS / 1_000_000
            )));
        }
    }
    if total > MAX_UNPACKED {
        return Err(too_big(format!(
            "the spreadsheet unpacks to {} MB, more than the {} MB an import reads",
            total / 1_000_000,
            MAX_UNPACKED / 1_000_000
        )));
    }
    Ok(())
}

/// The corners of the cells one of calamine's dense grids will span.
#[derive(Default)]
struct Extent {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        self.rows = Some(
            self.rows
                .map_or((row, row), |(a, b)| (a.min(row), b.max(row))),
        );
        self.cols = Some(
            self.cols
                .map_or((col, col), |(a, b)| (a.min(col), b.max(col))),
        );
    }
    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1),
            _ => 0,
        }
    }
}

fn u16_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 2)
        .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The BIFF records from `at`, as calamine walks them: a record's
/// CONTINUE records belong to it and are not records of their own; the
/// walk ends where a record does not fit.
fn records(stream: &[u8], mut at: usize) -> impl Iterator<Item = (u32, &[u8])> {
    std::iter::from_fn(move || {
        let typ = u16_at(stream, at)?;
        let len = u16_at(stream, at + 2)? as usize;
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        while u16_at(stream, at) == Some(0x003C) {
            let cont = u16_at(stream, at + 2)? as usize;
            stream.get(at + 4..at + 4 + cont)?;
            at += 4 + cont;
        }
        Some((typ, data))
    })
}

fn refuse(why: &str) -> SheetError {
    too_big(format!("{why}: save it again from Excel as .xlsx"))
}

/// Scans a legacy .xls the way calamine will load it, before it does: the
/// workbook stream it will pick (refusing a file with more than one, or
/// one not at the top), every sheet the workbook names (from where it says
/// the sheet starts, as often as it names it), each sheet's declared size
/// (which calamine reserves) and the corners of its cells and formulas
/// (which calamine's dense grids span). All of it together must stay within
/// [`MAX_CELLS`] and the row and column limits.
pub fn check_xls(bytes: &[u8]) -> Result<(), SheetError> {
    let corrupt = |e: String| SheetError::Corrupt(e);
    let mut file =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
    let books: Vec<(String, bool)> = file
        .walk()
        .filter(|e| {
            let name = e.name().split('\0').next().unwrap_or("");
            name == "Workbook" || name == "Book"
        })
        .map(|e| (e.path().to_string_lossy().into_owned(), e.is_stream()))
        .collect();
    let name = match books.as_slice() {
        [(path, true)] if path == "/Workbook" || path == "/Book" => path.clone(),
        [] => return Err(corrupt("no workbook inside the .xls".into())),
        _ => {
            return Err(refuse(
                "the .xls holds more than one workbook, or one out of place",
            ))
        }
    };
    let mut stream = Vec::new();
    file.open_stream(&name)
        .map_err(|e| corrupt(e.to_string()))?
        .take(super::MAX_CUSTOMER_BYTES as u64 + 1)
        .read_to_end(&mut stream)
        .map_err(|e| corrupt(e.to_string()))?;
    // The workbook's globals: where each sheet starts.
    let mut starts = Vec::new();
    for (typ, data) in records(&stream, 0) {
        match typ {
            0x0085 => starts.push(u32_at(data, 0).unwrap_or(u32::MAX) as usize),
            0x000A => break,
            _ => {}
        }
    }
    let mut total: u64 = 0;
    for start in starts {
        if start >= stream.len() {
            continue; // calamine cannot read it either
        }
        let (mut cells, mut formulas) = (Extent::default(), Extent::default());
        let mut formula_at = (0u32, 0u32);
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (typ, data) in records(&stream, start) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                // DIMENSIONS, read as calamine reads it (it reserves this).
                0x0200 => {
                    let (rf, rl, cf, cl) = match data.len() {
                        10 => (
                            u16_at(data, 0),
                            u16_at(data, 2),
                            u16_at(data, 4),
                            u16_at(data, 6),
                        ),
                        14 | 16 => (
                            u32_at(data, 0),
                            u32_at(data, 4),
                            u16_at(data, 8),
                            u16_at(data, 10),
                        ),
                        _ => return Err(corrupt("a sheet's size record does not read".into())),
                    };
                    let (Some(rf), Some(rl), Some(c0), Some(cl)) = (rf, rl, cf, cl) else {
                        return Err(corrupt("a sheet's size record does not read".into()));
                    };
                    let cf = if c0 > 0xFF || cl < c0 { 0 } else { c0 };
                    if rl >= 1 && cl >= 1 {
                        let end = (rl - 1, cl - 1);
                        if end.0 < rf || end.1 < cf {
                            return Err(refuse("a sheet declares its size backwards"));
                        }
                        check_declared((rf, cf), end, true)?;
                    }
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                    if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                        check_cell(r, c)?;
                        cells.add(r, c);
                    }
                }
                // A formula's value (and its text in the next STRING).
                0x0006 => {
                    if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                        check_cell(r, c)?;
                        formula_at = (r, c);
                        cells.add(r, c);
                        formulas.add(r, c);
                    }
                }
                0x0207 => cells.add(formula_at.0, formula_at.1),
                // MULRK: a row, the first column, ..., the last.
                0x00BD => {
                    let last = data.len().checked_sub(2).and_then(|i| u16_at(data, i));
                    if let (Some(r), Some(c0), Some(c1)) = (u16_at(data, 0), u16_at(data, 2), last)
                    {
                        check_cell(r, c0.max(c1))?;
                        cells.add(r, c0.min(c1));
                        cells.add(r, c0.max(c1));
                    }
                }
                0x000A => break,
                _ => {}
            }
            if total + cells.cells() + formulas.cells() > MAX_CELLS {
                return Err(too_big(format!(
                    "the workbook's sheets span more than {MAX_CELLS} cells; delete the unused rows and columns, or split the file"
                )));
            }
        }
        total += cells.cells() + formulas.cells();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn any_corner_is_named_or_refused_without_panicking(r0: u32, c0: u32, r1: u32, c1: u32, dense: bool) {
            let _ = check_declared((r0, c0), (r1, c1), dense);
            let _ = check_cell(r1, c1);
            proptest::prop_assert!(!a1(r1, c1).is_empty());
        }
    }

    #[test]
    fn cells_are_named_as_a_spreadsheet_names_them() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(9, 25), "Z10");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn declared_sizes_and_cells_past_the_limits_are_refused() {
        assert!(check_declared((0, 0), (10, 4), true).is_ok());
        let e = check_declared((0, 0), (1_048_575, 16_383), false).unwrap_err();
        assert!(e.to_string().contains("XFD1048576"), "{e}");
        assert!(check_declared((0, 0), (MAX_ROWS as u32, 4), false).is_ok());
        assert!(check_declared((0, 0), (MAX_ROWS as u32 + 1, 4), false).is_err());
        assert!(check_declared((0, 0), (10, MAX_COLS), false).is_err());
        // 60,000 rows × 100 columns: streamed from .xlsx, too dense for .xls.
        assert!(check_declared((0, 0), (59_999, 99), false).is_ok());
        assert!(check_declared((0, 0), (59_999, 99), true).is_err());
        assert!(check_cell(5, 5).is_ok());
        assert!(check_cell(0, MAX_COLS).is_err());
        assert!(check_cell(MAX_ROWS as u32 + 1, 0).is_err());
    }
}
