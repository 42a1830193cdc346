//! Account calls against the emulator: sign-in with 2FA, token details, sign-out, Plex Home.

mod common;

use plexlink::{Error, Password, PinCode, Token, VerificationCode};

#[test]
fn sign_in_plain_account() {
    let (emu, client) = common::setup();
    let account = client.sign_in("alice", &Password::new("alice-password"), None).unwrap();
    assert_eq!(account.username, "alice");
    assert_eq!(account.auth_token.unwrap().secret(), emu.token_for("alice").unwrap());
    let by_email = client
        .sign_in("alice@example.com", &Password::new("alice-password"), None)
        .unwrap();
    assert_eq!(by_email.username, "alice");
    let wrong = client.sign_in("alice", &Password::new("nope"), None).unwrap_err();
    assert!(matches!(wrong, Error::Unauthorized { .. }), "{wrong:?}");
}

#[test]
fn sign_in_with_two_factor() {
    let (emu, client) = common::setup();
    let password = Password::new("bob-password");
    let first = client.sign_in("bob", &password, None).unwrap_err();
    assert!(
        matches!(first, Error::TwoFactorRequired { status: 401, ref message } if !message.is_empty()),
        "{first:?}"
    );
    let wrong = client
        .sign_in("bob", &password, Some(&VerificationCode::new("000000")))
        .unwrap_err();
    assert!(matches!(wrong, Error::InvalidVerificationCode { .. }), "{wrong:?}");
    let ok = client
        .sign_in("bob", &password, Some(&VerificationCode::new("123456")))
        .unwrap();
    assert_eq!(ok.auth_token.unwrap().secret(), emu.token_for("bob").unwrap());
    assert!(ok.two_factor_enabled);
    // Backup codes are longer than six digits and must pass through untouched.
    let backup = client
        .sign_in("bob", &password, Some(&VerificationCode::new("backup-code-1234567890")))
        .unwrap();
    assert_eq!(backup.username, "bob");
}

#[test]
fn repeated_failures_lock_the_address_out() {
    let (_emu, client) = common::setup();
    let mut last = None;
    for _ in 0..8 {
        match client.sign_in("frank", &Password::new("wrong"), None) {
            Err(Error::IpLockedOut { message, .. }) => {
                last = Some(message);
                break;
            }
            Err(Error::Unauthorized { .. }) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(last.is_some(), "1031 after repeated failures");
    // Locked out: even the right password is refused, and the error says so (stop retrying).
    let err = client
        .sign_in("frank", &Password::new("frank-password"), None)
        .unwrap_err();
    assert!(matches!(err, Error::IpLockedOut { .. }), "{err:?}");
    assert!(!err.is_token_rejected());
}

#[test]
fn token_details_only_a_401_rejects_the_token() {
    let (emu, client) = common::setup();
    let alice = common::token_of(&emu, "alice");
    let account = client.user(&alice).unwrap();
    assert_eq!(
        (account.username.as_str(), account.email.as_str()),
        ("alice", "alice@example.com")
    );
    assert!(account.subscription.as_ref().is_some_and(|s| s.active));

    let bad = client.user(&Token::new("not-a-token")).unwrap_err();
    assert!(bad.is_token_rejected(), "{bad:?}");

    // A server that does not answer says nothing about the token.
    let url = emu.url();
    drop(emu);
    let offline = common::client_for(&url).user(&alice).unwrap_err();
    assert!(matches!(offline, Error::Transport { .. }), "{offline:?}");
    assert!(!offline.is_token_rejected());
}

#[test]
fn sign_out_revokes_the_token_and_ping_keeps_one_alive() {
    let (emu, client) = common::setup();
    let token = client
        .sign_in("alice", &Password::new("alice-password"), None)
        .unwrap()
        .auth_token
        .unwrap();
    client.ping(&token).unwrap();
    client.sign_out(&token).unwrap();
    assert!(client.user(&token).unwrap_err().is_token_rejected());
    assert!(client.ping(&token).is_err());
    drop(emu);
}

#[test]
fn home_users_and_switching() {
    let (emu, client) = common::setup();
    let carol = common::token_of(&emu, "carol");
    let users = client.home_users(&carol).unwrap();
    let titles: Vec<&str> = users.iter().map(|u| u.title.as_str()).collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    let dave = users.iter().find(|u| u.title == "Dave").unwrap();
    let erin = users.iter().find(|u| u.title == "Erin").unwrap();
    assert!(users.iter().any(|u| u.admin));
    assert!(!dave.protected && erin.protected);

    let as_dave = client.switch_home_user(&carol, &dave.uuid, None).unwrap();
    assert_eq!(as_dave.auth_token.unwrap().secret(), emu.token_for("dave").unwrap());

    let needs_pin = client.switch_home_user(&carol, &erin.uuid, None).unwrap_err();
    assert!(matches!(needs_pin, Error::HomePinRequired { .. }), "{needs_pin:?}");
    let wrong_pin = client
        .switch_home_user(&carol, &erin.uuid, Some(&PinCode::new("9999")))
        .unwrap_err();
    assert!(matches!(wrong_pin, Error::HomePinRequired { .. }), "{wrong_pin:?}");
    let as_erin = client
        .switch_home_user(&carol, &erin.uuid, Some(&PinCode::new("1234")))
        .unwrap();
    let erin_token = as_erin.auth_token.unwrap();
    assert_eq!(erin_token.secret(), emu.token_for("erin").unwrap());

    // With the Home user's token, the household server is listed as not owned, with its own token.
    let servers = client.servers(&erin_token).unwrap();
    let home = servers.iter().find(|s| s.name == "Home Server").unwrap();
    assert!(!home.owned);
    assert!(home.access_token.is_some());
}

#[test]
fn claim_token() {
    let (emu, client) = common::setup();
    let claim = client.claim_token(&common::token_of(&emu, "alice")).unwrap();
    assert!(claim.secret().starts_with("claim-"));
}
