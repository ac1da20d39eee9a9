//! The standard-message spreadsheet: columns Channels, Folder_name, Team,
//! User, Message. Template, validation of an import into a plan the store
//! applies, and export (which imports back to the same set).

use super::{header_key, read_grid, SheetError};
use crate::protocol::*;
use rust_xlsxwriter::{DataValidation, DataValidationErrorStyle, Format, Workbook};
use std::collections::HashMap;

pub const SHEET: &str = "Standard messages";
pub const COLUMNS: [&str; 5] = ["Channels", "Folder_name", "Team", "User", "Message"];
const CHANNEL_CHOICES: [&str; 5] = ["All", "Messenger", "WhatsApp", "LINE", "WeChat"];

fn xerr(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

/// A blank template: the header, an example row, a drop-down for Channels,
/// and a second sheet that explains each column.
pub fn template() -> Result<Vec<u8>, SheetError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xerr)?;
    for (i, c) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *c, &bold)
            .map_err(xerr)?;
    }
    // One folder name on two channels: two folders, as a team that keeps a
    // folder per channel has them.
    let examples = [
        [
            "WhatsApp",
            "Greetings",
            "Support",
            "",
            "Hi {{customer.first_name}} 👋 How can we help today?",
        ],
        [
            "LINE",
            "Greetings",
            "Support",
            "",
            "Hello {{customer.first_name}}! Thanks for adding us on LINE 🙏",
        ],
        [
            "LINE, WeChat",
            "Shipping",
            "",
            "",
            "Hi {{customer.name}}, your order is on its way 📦\nYou will get a tracking number by email.",
        ],
    ];
    for (r, example) in examples.iter().enumerate() {
        for (i, v) in example.iter().enumerate() {
            ws.write_string_with_format(r as u32 + 1, i as u16, *v, &wrap)
                .map_err(xerr)?;
        }
    }
    for (col, width) in [(0u16, 22.0), (1, 24.0), (2, 16.0), (3, 24.0), (4, 70.0)] {
        ws.set_column_width(col, width).map_err(xerr)?;
    }
    // A drop-down of the channels; several comma-separated are allowed too,
    // so a typed list only warns.
    let dv = DataValidation::new()
        .allow_list_strings(&CHANNEL_CHOICES)
        .map_err(xerr)?
        .set_error_style(DataValidationErrorStyle::Information)
        .set_input_title("Channels")
        .map_err(xerr)?
        .set_input_message(
            "All, or one or more of Messenger, WhatsApp, LINE, WeChat, separated by commas",
        )
        .map_err(xerr)?;
    ws.add_data_validation(1, 0, 10_000, 0, &dv).map_err(xerr)?;

    let help = wb.add_worksheet();
    help.set_name("How to fill").map_err(xerr)?;
    help.set_column_width(0, 16.0).map_err(xerr)?;
    help.set_column_width(1, 100.0).map_err(xerr)?;
    help.write_string_with_format(0, 0, "Column", &bold)
        .map_err(xerr)?;
    help.write_string_with_format(0, 1, "What to put in it", &bold)
        .map_err(xerr)?;
    let placeholders: Vec<String> = PLACEHOLDERS
        .iter()
        .map(|(p, what)| format!("{{{{{p}}}}} ({what})"))
        .collect();
    let rows = [
        ("Channels", "Where the messages may be used: All, or one or more of Messenger (also Facebook Messenger, FB), WhatsApp (WA), LINE, WeChat, separated by commas. Not case-sensitive.".to_string()),
        ("Folder_name", "The folder the message goes in. Rows with the same Folder_name, Channels, Team and User go into one folder; the same name with other Channels, Team or User is a folder of its own (Greetings for WhatsApp and Greetings for LINE are two folders). A folder is created when it does not exist.".to_string()),
        ("Team", "Optional. The team whose agents see the folder, by name. Empty: every team.".to_string()),
        ("User", "Optional. Agents, by name or login, separated by commas; when given, only they see the folder.".to_string()),
        ("Message", format!("The text of the standard message; every row needs one. Several lines are kept. It may contain placeholders, filled in when the message is used: {}.", placeholders.join(", "))),
        ("", "Rows with nothing in them are skipped. Every row is checked first: if any row has a problem, the import reports every problem with its row and column and imports nothing. Importing the same file twice adds nothing the second time; the report counts every row (added, already there, blank, refused). An agent imports into folders for themselves or for their teams.".to_string()),
    ];
    for (i, (c, t)) in rows.iter().enumerate() {
        help.write_string_with_format(i as u32 + 1, 0, *c, &bold)
            .map_err(xerr)?;
        help.write_string_with_format(i as u32 + 1, 1, t, &wrap)
            .map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

/// Writes every folder and message in the template's columns. Text is
/// always written as text: a cell starting with = + - or @ is never a formula.
pub fn export(folders: &[StandardFolder]) -> Result<Vec<u8>, SheetError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name(SHEET).map_err(xerr)?;
    for (i, c) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *c, &bold)
            .map_err(xerr)?;
    }
    for (col, width) in [(0u16, 22.0), (1, 24.0), (2, 16.0), (3, 24.0), (4, 70.0)] {
        ws.set_column_width(col, width).map_err(xerr)?;
    }
    let mut row = 1u32;
    for f in folders {
        let users: Vec<&str> = f.assignees.iter().map(|a| a.name.as_str()).collect();
        let base = [
            f.channels_label(),
            f.name.clone(),
            f.team.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            users.join(", "),
        ];
        // A folder without messages has no row: an import needs a message
        // on every row.
        for text in f.messages.iter().map(|m| m.text.as_str()) {
            for (i, v) in base.iter().enumerate() {
                ws.write_string(row, i as u16, v).map_err(xerr)?;
            }
            ws.write_string_with_format(row, 4, text, &wrap)
                .map_err(xerr)?;
            row += 1;
        }
    }
    wb.save_to_buffer().map_err(xerr)
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ';', '\n'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Trims the ends, keeps inner lines, and makes line endings \n.
fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_string()
}

/// Reads and checks a spreadsheet. Returns the folders to apply and a
/// report holding every problem found (then nothing may be applied).
pub fn plan(
    bytes: &[u8],
    file_name: &str,
    teams: &[Team],
    agents: &[Agent],
    dry_run: bool,
) -> Result<(Vec<PlannedFolder>, ImportReport), SheetError> {
    let grid = read_grid(bytes, file_name, SHEET)?;
    let mut report = ImportReport {
        dry_run,
        ..ImportReport::default()
    };
    let mut rows = grid.rows.into_iter();
    // The header: the first row with anything in it.
    let (header_row, header) = loop {
        match rows.next() {
            Some((n, cells)) if cells.iter().any(|c| !c.trim().is_empty()) => break (n, cells),
            Some(_) => continue,
            None => return Err(SheetError::Layout("the sheet is empty".into())),
        }
    };
    let mut idx: HashMap<&str, usize> = HashMap::new();
    for col in COLUMNS {
        match header.iter().position(|h| header_key(h) == header_key(col)) {
            Some(i) => {
                idx.insert(col, i);
            }
            None => {
                return Err(SheetError::Layout(format!(
                    "row {header_row} must be the header with the columns {}; {col} is missing",
                    COLUMNS.join(", ")
                )))
            }
        }
    }
    let mut folders: Vec<PlannedFolder> = Vec::new();
    type Key = (String, Vec<ChannelKind>, Option<TeamId>, Vec<AgentId>);
    let mut by_scope: HashMap<Key, usize> = HashMap::new();
    for (n, cells) in rows {
        let get = |col: &str| {
            cells
                .get(idx[col])
                .map(std::string::String::as_str)
                .unwrap_or("")
        };
        if COLUMNS.iter().all(|c| get(c).trim().is_empty()) {
            report.blank_rows_skipped += 1;
            continue;
        }
        report.rows += 1;
        let mut bad = |column: &str, message: String| {
            report.errors.push(RowError {
                row: n,
                column: column.to_string(),
                message,
            });
        };
        let mut row_ok = true;

        // Channels.
        let mut channels = Vec::new();
        let raw_channels = split_list(get("Channels"));
        if raw_channels.is_empty() {
            bad(
                "Channels",
                "empty: write All, or channel names separated by commas".into(),
            );
            row_ok = false;
        }
        let mut all = false;
        for c in &raw_channels {
            if c.eq_ignore_ascii_case("all") {
                all = true;
                continue;
            }
            match c.parse::<ChannelKind>() {
                Ok(k) => channels.push(k),
                Err(_) => {
                    bad(
                        "Channels",
                        format!(
                            "{c:?} is not a channel (All, Messenger, WhatsApp, LINE or WeChat)"
                        ),
                    );
                    row_ok = false;
                }
            }
        }
        if all {
            channels.clear();
        }
        channels.sort();
        channels.dedup();

        // Folder.
        let folder = get("Folder_name").trim().to_string();
        if folder.is_empty() {
            bad("Folder_name", "empty: every message needs a folder".into());
            row_ok = false;
        } else if folder.chars().count() > 100 {
            bad("Folder_name", "longer than 100 characters".into());
            row_ok = false;
        }

        // Team.
        let team_name = get("Team").trim();
        let team_id = if team_name.is_empty() {
            None
        } else {
            match teams
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(team_name))
            {
                Some(t) => Some(t.id),
                None => {
                    let names: Vec<_> = teams.iter().map(|t| t.name.as_str()).collect();
                    bad(
                        "Team",
                        format!("no team named {team_name:?} (teams: {})", names.join(", ")),
                    );
                    row_ok = false;
                    None
                }
            }
        };

        // Users: by login, or by name when only one agent has it.
        let mut assignee_ids = Vec::new();
        for u in split_list(get("User")) {
            let by_login: Vec<&Agent> = agents
                .iter()
                .filter(|a| a.login.eq_ignore_ascii_case(&u))
                .collect();
            let by_name: Vec<&Agent> = agents
                .iter()
                .filter(|a| a.name.eq_ignore_ascii_case(&u))
                .collect();
            match (by_login.as_slice(), by_name.as_slice()) {
                ([a], _) | ([], [a]) => assignee_ids.push(a.id),
                ([], []) => {
                    bad("User", format!("no agent named {u:?}"));
                    row_ok = false;
                }
                _ => {
                    let logins: Vec<&str> = by_name.iter().map(|a| a.login.as_str()).collect();
                    bad(
                        "User",
                        format!(
                            "several agents are called {u:?}: write the login instead ({})",
                            logins.join(", ")
                        ),
                    );
                    row_ok = false;
                }
            }
        }
        assignee_ids.sort_unstable();
        assignee_ids.dedup();

        // Message.
        let text = clean_text(get("Message"));
        if text.is_empty() {
            bad(
                "Message",
                "empty: every row needs the message's text (a row with nothing in it is skipped)"
                    .into(),
            );
            row_ok = false;
        } else if text.chars().count() > crate::protocol::MAX_MESSAGE_CHARS {
            bad("Message", "longer than 20,000 characters".into());
            row_ok = false;
        } else if let Err(e) = check_placeholders(&text) {
            bad("Message", e);
            row_ok = false;
        }
        if !row_ok {
            continue;
        }

        // One folder per name and scope: the same name on another channel,
        // team or set of users is a folder of its own.
        let key = (
            // As the store compares names: ASCII letters without case.
            folder.to_ascii_lowercase(),
            channels.clone(),
            team_id,
            assignee_ids.clone(),
        );
        match by_scope.get(&key) {
            Some(&i) => {
                let f = &mut folders[i];
                f.rows.push(n);
                if f.messages.iter().any(|(_, t)| *t == text) {
                    report.duplicates_skipped += 1;
                } else {
                    f.messages.push((n, text));
                }
            }
            None => {
                by_scope.insert(key, folders.len());
                folders.push(PlannedFolder {
                    row: n,
                    name: folder,
                    channels,
                    team_id,
                    assignee_ids,
                    messages: vec![(n, text)],
                    rows: vec![n],
                });
            }
        }
    }
    if !report.errors.is_empty() {
        report = report.refused();
    }
    Ok((folders, report))
}
