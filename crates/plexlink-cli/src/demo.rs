//! `plexlink demo`: the whole story against the built-in emulator, with no account and no
//! internet: PIN login approved a few seconds later as a person would, the account, the
//! servers, the connection race, a transient token.

use std::time::Duration;

use plexlink::Client;
use plexlink_emulator::Emulator;

use crate::Cli;
use crate::commands;

/// The demo's person: an account of the emulator's built-in scenario.
const DEMO_ACCOUNT: &str = "alice";

pub fn run(cli: &Cli, approve_after: u64) -> Result<(), String> {
    let json = cli.json;
    let step = |text: &str| {
        if !json {
            println!("\n==> {text}");
        }
    };
    step("Starting the plex.tv and Plex Media Server emulator on 127.0.0.1");
    let emulator = Emulator::start_default().map_err(|e| format!("cannot start the emulator: {e}"))?;
    let emulator = std::sync::Arc::new(emulator);
    if !json {
        println!("    plex.tv stand-in at {}", emulator.url());
    }
    let client = Client::builder("plexlink demo", "plexlink-demo-client")
        .version(env!("CARGO_PKG_VERSION"))
        .plex_url(emulator.url())
        .build()
        .map_err(|e| e.to_string())?;

    step(&format!(
        "Signing in with a PIN (the emulated person approves it after {approve_after} s)"
    ));
    let approver = emulator.clone();
    let approve = move |pin: &plexlink::Pin| {
        let code = pin.code.secret().to_owned();
        let emulator = approver.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(approve_after));
            let _ = emulator.approve_code(&code, DEMO_ACCOUNT);
        });
    };
    let how = commands::PinLogin {
        qr: !json,
        timeout: Some(Duration::from_secs(120)),
        json,
        on_created: Some(&approve),
        ..commands::PinLogin::default()
    };
    let token = commands::pin_login(&client, how)?.token;
    if !json {
        println!("    Got a token ({} characters, not shown).", token.secret().len());
    }

    step("Who is this token for? (GET /api/v2/user)");
    let account = client.user(&token).map_err(|e| e.to_string())?;
    if !json {
        println!("    {}", crate::show::account_text(&account));
    }

    step("Finding servers and choosing the best connection of each (GET /api/v2/resources, /identity probes)");
    let servers = client.servers(&token).map_err(|e| e.to_string())?;
    commands::print_servers(&client, &servers, true, json);

    if let Some(owned) = servers.iter().find(|s| s.owned) {
        step(&format!(
            "Asking {} for a transient token (GET /security/token)",
            owned.name
        ));
        let server_token = commands::server_token(owned, &token)?;
        let connected = client.connect(owned).map_err(|e| e.to_string())?;
        let transient = client
            .transient_token(&connected.uri, &server_token)
            .map_err(|e| e.to_string())?;
        let devices = client
            .source_connection_info(&connected.uri, &transient, &owned.client_identifier)
            .map_err(|e| e.to_string())?;
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "server": owned.name,
                    "uri": connected.uri,
                    "transient_token_length": transient.secret().len(),
                    "source_connections": devices.iter().map(|d| d.connections.len()).sum::<usize>(),
                })
            );
        } else {
            println!(
                "    {} answered at {} with a transient token ({} characters).",
                owned.name,
                connected.uri,
                transient.secret().len()
            );
            println!(
                "    With it, the server lists {} connection(s) for itself (GET /security/resources).",
                devices.iter().map(|d| d.connections.len()).sum::<usize>()
            );
        }
    }
    step("Done: signed in, found the servers and chose a connection, all offline.");
    Ok(())
}
