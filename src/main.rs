use clap::Parser;

fn main() {
    let cli = ringkv::config::Cli::parse();
    if let Some(command) = &cli.command {
        std::process::exit(ringkv::aof::tools::run(command));
    }
    let config = match ringkv::Config::from_cli(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    ringkv::logging::init(&config.loglevel);
    if let Err(e) = ringkv::server::run(config) {
        tracing::error!("{e}");
        std::process::exit(1);
    }
}
