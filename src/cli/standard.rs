//! `chatsmart standard-messages`: the template, import and export.

use super::*;

pub async fn run_standard(client: Client, cmd: StandardCommand) -> anyhow::Result<()> {
    match cmd {
        StandardCommand::Template { file } => {
            let bytes = client.standard_template().await?;
            config::write_atomic(&file, &bytes)?;
            eprintln!("wrote the template to {}", file.display());
        }
        StandardCommand::Export { file } => {
            let bytes = client.standard_export().await?;
            config::write_atomic(&file, &bytes)?;
            eprintln!("exported standard messages to {}", file.display());
        }
        StandardCommand::Import { file, dry_run } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = client.standard_import(bytes, &name, dry_run).await?;
            for e in &report.errors {
                eprintln!("row {}, {}: {}", e.row, e.column, e.message);
            }
            if !report.folders_created.is_empty() {
                let verb = if dry_run { "would create" } else { "created" };
                println!("{verb} folders: {}", report.folders_created.join(", "));
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
