use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = chatsmart::cli::Cli::parse();
    match chatsmart::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chatsmart: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
