//! `chatsmart customers`: export and import in bulk.

use super::*;

pub async fn run_customers(
    client: Client,
    cmd: CustomersCommand,
    out: output::Output,
) -> anyhow::Result<()> {
    match cmd {
        CustomersCommand::Search { text, limit } => {
            super::convs::search_customers(client, text, limit, out).await?;
        }
        CustomersCommand::Export { file } => {
            let csv = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if !csv
                && !file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
            {
                anyhow::bail!("export to a .xlsx or .csv file");
            }
            let bytes = client.customers_export(csv).await?;
            config::write_atomic(&file, &bytes)?;
            eprintln!("exported customers to {}", file.display());
        }
        CustomersCommand::Import { file, dry_run } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = client.customers_import(bytes, &name, dry_run).await?;
            for e in &report.errors {
                eprintln!("row {}, {}: {}", e.row, e.column, e.message);
            }
            println!("{}", report.summary());
            if !report.errors.is_empty() {
                anyhow::bail!(
                    "{} bad rows in {}: nothing was imported",
                    report.errors.len(),
                    file.display()
                );
            }
        }
    }
    Ok(())
}
