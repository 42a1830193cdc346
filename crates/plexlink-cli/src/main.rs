//! `plexlink`: sign in to Plex with a PIN, list servers and choose their best connection.

mod commands;
mod config;
mod demo;
mod show;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Sign in to Plex and find your servers.
#[derive(Parser, Debug)]
#[command(name = "plexlink", version, about)]
pub struct Cli {
    /// plex.tv base URL (an emulator's http://127.0.0.1:PORT for tests).
    #[arg(long, global = true, env = "PLEXLINK_PLEX_URL")]
    plex_url: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Where the client identifier and token are kept.
    #[arg(long, global = true, env = "PLEXLINK_CONFIG_DIR")]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign in with a PIN: shows a code for plex.tv/link (or, with --strong, an app.plex.tv URL).
    Login {
        /// Use a strong code and the app.plex.tv page instead of plex.tv/link.
        #[arg(long)]
        strong: bool,
        /// Do not draw a QR code.
        #[arg(long)]
        no_qr: bool,
        /// Give up after this many seconds (default: when the PIN expires).
        #[arg(long)]
        timeout: Option<u64>,
        /// Sign in with Plex's JWT authentication: a device key (kept in the config file, 0600)
        /// and a Plex JWT, refreshed by later commands. Ends this installation's legacy token.
        #[arg(long)]
        jwt: bool,
    },
    /// Sign in with a login and password (asks for the two-factor code when needed).
    Signin {
        /// User name or e-mail (asked for when missing).
        #[arg(long)]
        login: Option<String>,
    },
    /// Show the signed-in account.
    Whoami,
    /// List servers and their connections.
    Servers {
        /// Choose the best connection of each server and show every candidate's outcome.
        #[arg(long)]
        connect: bool,
    },
    /// Server token calls.
    Token {
        #[command(subcommand)]
        kind: TokenCommand,
    },
    /// Revoke the saved token and forget it.
    Signout,
    /// Plex Home: list its users, switch to one.
    Home {
        #[command(subcommand)]
        action: HomeCommand,
    },
    /// Print a shell completion script: `plexlink completions bash > ~/.local/share/bash-completion/completions/plexlink`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Run the whole story against a built-in emulator of plex.tv and two servers.
    Demo {
        /// Seconds before the emulated person approves the PIN.
        #[arg(long, default_value_t = 3)]
        approve_after: u64,
    },
}

#[derive(Subcommand, Debug)]
enum HomeCommand {
    /// List the users of the account's Plex Home.
    Users,
    /// Switch to a Home user (by name, username or uuid); their token is kept apart from yours.
    Switch {
        /// The user.
        user: String,
        /// Ask for the user's Home PIN even if the user is not marked protected.
        #[arg(long)]
        pin: bool,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Get a transient token from a server you own (valid up to 48 h).
    Transient {
        /// The server's name (default: the first owned server).
        #[arg(long)]
        server: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Login {
            strong,
            no_qr,
            timeout,
            jwt,
        } => commands::login(&cli, *strong, !*no_qr, *timeout, *jwt),
        Command::Signin { login } => commands::sign_in(&cli, login.clone()),
        Command::Whoami => commands::whoami(&cli),
        Command::Servers { connect } => commands::servers(&cli, *connect),
        Command::Token {
            kind: TokenCommand::Transient { server },
        } => commands::transient(&cli, server.as_deref()),
        Command::Signout => commands::sign_out(&cli),
        Command::Home {
            action: HomeCommand::Users,
        } => commands::home_users(&cli),
        Command::Home {
            action: HomeCommand::Switch { user, pin },
        } => commands::home_switch(&cli, user, *pin),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "plexlink", &mut std::io::stdout());
            Ok(())
        }
        Command::Demo { approve_after } => demo::run(&cli, *approve_after),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if cli.json {
                println!("{}", serde_json::json!({ "error": message }));
            } else {
                eprintln!("plexlink: {message}");
            }
            ExitCode::FAILURE
        }
    }
}
