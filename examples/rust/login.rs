//! Sign in with a PIN and connect to every server of the account.
//!
//! `cargo run -p plexlink --example login` signs in to the real plex.tv;
//! `PLEXLINK_PLEX_URL=http://127.0.0.1:PORT/ cargo run -p plexlink --example login` uses an
//! emulator (`cargo run -p plexlink-emulator`; approve the code on its /link page).

use plexlink::{Client, WaitOptions};

fn main() -> Result<(), plexlink::Error> {
    // Make the identifier once per installation and keep it; this fixed one is for the example.
    let mut builder = Client::builder("plexlink example", "plexlink-example-0b7e6f52");
    if let Ok(url) = std::env::var("PLEXLINK_PLEX_URL") {
        builder = builder.plex_url(url);
    }
    let client = builder.build()?;

    let pin = client.create_pin(false)?;
    println!("Open {} and enter {}", client.link_url(), pin.code.secret());
    let token = client.wait_for_token(&pin, WaitOptions::default())?;
    let account = client.user(&token)?;
    println!("Signed in as {}", account.username);

    for server in client.servers(&token)? {
        match client.connect(&server) {
            Ok(connected) => println!(
                "{} at {} (chosen in {:?})",
                server.name, connected.uri, connected.elapsed
            ),
            Err(error) => println!("{}: {error}", server.name),
        }
    }
    Ok(())
}
