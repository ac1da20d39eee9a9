use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = chatsmart::cli::Cli::parse();
    match chatsmart::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One line: the reason and its causes.
            let line = chatsmart::sanitize::line(&format!("{e:#}"));
            eprintln!("chatsmart: {line}");
            std::process::ExitCode::from(chatsmart::cli::exit_code(&e))
        }
    }
}
