//! What every integration test shares: an emulator on 127.0.0.1 and a client pointed at it.
#![allow(dead_code)]

use std::time::Duration;

use plexlink::{Client, Token};
use plexlink_emulator::{Emulator, Scenario};

pub const CLIENT_ID: &str = "plexlink-tests-0b7e6f52";

/// An emulator of the built-in scenario and a client of it.
pub fn setup() -> (Emulator, Client) {
    setup_with(Scenario::default())
}

pub fn setup_with(scenario: Scenario) -> (Emulator, Client) {
    let emulator = Emulator::start(scenario).expect("the emulator starts");
    let client = client_for(&emulator.url());
    (emulator, client)
}

pub fn client_for(url: &str) -> Client {
    Client::builder("plexlink tests", CLIENT_ID)
        .version("0.1.0")
        .device_name("test runner")
        .plex_url(url)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("the client builds")
}

pub fn token_of(emulator: &Emulator, account: &str) -> Token {
    Token::new(emulator.token_for(account).expect("the account exists"))
}

/// Every secret of the scenario, to check that none leaks into text.
pub fn all_secrets(emulator: &Emulator) -> Vec<String> {
    let scenario = emulator.scenario();
    let mut secrets: Vec<String> = scenario.accounts.iter().map(|a| a.token.clone()).collect();
    secrets.extend(scenario.accounts.iter().filter_map(|a| a.password.clone()));
    secrets.extend(scenario.servers.iter().map(|s| s.access_token.clone()));
    secrets.extend(
        scenario
            .servers
            .iter()
            .flat_map(|s| s.shares.iter().map(|sh| sh.access_token.clone())),
    );
    secrets
}

/// The server called `name` among those `token` can see.
pub fn server_named(client: &Client, token: &Token, name: &str) -> plexlink::Device {
    let servers = client.servers(token).expect("the servers are listed");
    servers
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no server named {name}"))
}
