//! How the scriptable commands print what they get: a table on a
//! terminal, JSON when piped, or what `-o table|json|csv` asks for; `-q`
//! prints only ids, one per line, for `xargs`.

use crate::sanitize;
use crate::tui::wrap;
use clap::ValueEnum;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Something that prints as a row of a table.
pub trait Tabular {
    fn headers() -> &'static [&'static str];
    /// What `-q` prints.
    fn id(&self) -> String;
    /// One cell per header, plain text (the table sanitises it).
    fn cells(&self) -> Vec<String>;
}

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub quiet: bool,
    /// Printing to a terminal: CSV cells lose control characters there
    /// (JSON escapes them anyway; piped output stays exact).
    pub terminal: bool,
}

/// The widest a table cell gets before it is cut with "…".
const MAX_CELL: usize = 48;

impl Output {
    /// `format` when given, else a table on a terminal and JSON otherwise.
    pub fn new(format: Option<Format>, quiet: bool) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let format = format.unwrap_or(if terminal {
            Format::Table
        } else {
            Format::Json
        });
        Output {
            format,
            quiet,
            terminal,
        }
    }

    pub fn list<T: Serialize + Tabular>(&self, rows: &[T]) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(self.render_list(rows)?.as_bytes())?;
        Ok(())
    }

    pub fn one<T: Serialize + Tabular>(&self, row: &T) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(self.render_one(row)?.as_bytes())?;
        Ok(())
    }

    pub fn render_list<T: Serialize + Tabular>(&self, rows: &[T]) -> anyhow::Result<String> {
        if self.quiet {
            return Ok(rows.iter().map(|r| r.id() + "\n").collect());
        }
        Ok(match self.format {
            Format::Json => serde_json::to_string_pretty(rows)? + "\n",
            Format::Csv => csv_text(T::headers(), rows.iter().map(|r| self.csv_cells(r)))?,
            Format::Table => table(T::headers(), rows.iter().map(Tabular::cells)),
        })
    }

    /// One record: as a list of one in CSV, as "field  value" lines in a
    /// table.
    pub fn render_one<T: Serialize + Tabular>(&self, row: &T) -> anyhow::Result<String> {
        if self.quiet {
            return Ok(row.id() + "\n");
        }
        Ok(match self.format {
            Format::Json => serde_json::to_string_pretty(row)? + "\n",
            Format::Csv => csv_text(T::headers(), std::iter::once(self.csv_cells(row)))?,
            Format::Table => {
                let w = T::headers().iter().map(|h| h.len()).max().unwrap_or(0);
                let mut text = String::new();
                for (h, v) in T::headers().iter().zip(row.cells()) {
                    let _ = writeln!(text, "{h:<w$}  {}", sanitize::line(&v));
                }
                text
            }
        })
    }
}

impl Output {
    fn csv_cells<T: Tabular>(&self, row: &T) -> Vec<String> {
        let cells = row.cells();
        if self.terminal {
            cells.iter().map(|c| sanitize::multiline(c)).collect()
        } else {
            cells
        }
    }
}

fn csv_text(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headers)?;
    for r in rows {
        w.write_record(&r)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Columns padded to their widest cell (by display width, so CJK and
/// emoji line up), cut at [`MAX_CELL`]; nothing from a cell can reach
/// the terminal as a control sequence.
fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    // The last column (usually text) may run longer: nothing follows it.
    let last = headers.len().saturating_sub(1);
    let rows: Vec<Vec<String>> = rows
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| {
                    let max = if i == last { MAX_CELL * 3 } else { MAX_CELL };
                    wrap::truncate(&sanitize::line(c), max)
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(wrap::width(c));
        }
    }
    let line = |cells: Vec<String>| {
        let n = cells.len();
        let mut s = String::new();
        for (i, (c, w)) in cells.into_iter().zip(&widths).enumerate() {
            s.push_str(&c);
            if i + 1 < n {
                s.push_str(&" ".repeat(w - wrap::width(&c) + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(headers.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        out.push_str(&line(r));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        id: i64,
        name: String,
    }
    impl Tabular for Row {
        fn headers() -> &'static [&'static str] {
            &["id", "name"]
        }
        fn id(&self) -> String {
            self.id.to_string()
        }
        fn cells(&self) -> Vec<String> {
            vec![self.id.to_string(), self.name.clone()]
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            Row {
                id: 7,
                name: "陳美玲".into(),
            },
            Row {
                id: 12,
                name: "Evil\u{1b}[31m, \"quoted\"".into(),
            },
        ]
    }

    fn out(format: Format, quiet: bool) -> Output {
        Output {
            format,
            quiet,
            terminal: false,
        }
    }

    #[test]
    fn tables_line_up_wide_characters_and_drop_escapes() {
        let t = out(Format::Table, false).render_list(&rows()).unwrap();
        assert_eq!(t, "ID  NAME\n7   陳美玲\n12  Evil, \"quoted\"\n", "{t}");
        assert!(!t.contains('\u{1b}'));
    }

    #[test]
    fn json_csv_and_ids_keep_the_data_exact() {
        let j = out(Format::Json, false).render_list(&rows()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v[1]["name"], "Evil\u{1b}[31m, \"quoted\"");
        let c = out(Format::Csv, false).render_list(&rows()).unwrap();
        assert_eq!(
            c,
            "id,name\n7,陳美玲\n12,\"Evil\u{1b}[31m, \"\"quoted\"\"\"\n"
        );
        assert_eq!(
            out(Format::Json, true).render_list(&rows()).unwrap(),
            "7\n12\n"
        );
        let one = out(Format::Table, false).render_one(&rows()[0]).unwrap();
        assert_eq!(one, "id    7\nname  陳美玲\n");
    }
}
