//! Generated inputs shared by `chatsmart bench` and the criterion benches.

/// A standard-message workbook of `rows` rows in 100 folders, some for the
/// Support team, with placeholders and CJK.
pub fn standard_sheet(rows: usize) -> anyhow::Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Standard messages")?;
    for (c, h) in ["Channels", "Folder_name", "Team", "User", "Message"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h)?;
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        let f = i % 100;
        ws.write_string(r, 0, ["All", "LINE, WeChat", "Messenger"][f % 3])?;
        ws.write_string(r, 1, format!("Folder {f}"))?;
        ws.write_string(r, 2, if f % 2 == 0 { "Support" } else { "" })?;
        ws.write_string(r, 3, "")?;
        ws.write_string(
            r,
            4,
            format!("Hi {{{{customer.name}}}}, reply number {i} 📦\n您好，第 {i} 条回复。"),
        )?;
    }
    Ok(wb.save_to_buffer()?)
}

/// `n` customers as CSV: four channels, tags, a custom field, CJK names.
pub fn customers_csv(n: usize) -> Vec<u8> {
    let mut s =
        String::from("Channel,Channel_user_id,Name,Email,Phone,Age,Language,Tags,Member no\n");
    let ch = ["LINE", "WhatsApp", "Messenger", "WeChat"];
    for i in 0..n {
        s.push_str(&format!(
            "{},user-{i},Customer {i} 陳,c{i}@example.com,+852 5{:07},{},zh-Hant,\"VIP, Tier {}\",M-{i}\n",
            ch[i % 4],
            i,
            20 + i % 50,
            i % 10
        ));
    }
    s.into_bytes()
}
