//! Secrets are wiped when dropped: the memory a token leaves behind does not show it.

mod freed;

use plexlink_core::{Password, PinCode, PrivateKey, Token, VerificationCode};

#[global_allocator]
static WATCH: freed::Watch = freed::Watch;

#[test]
fn the_watch_sees_a_string_that_was_not_wiped() {
    // Without this, a watch that never looked would pass every test below.
    let plain = freed::marker();
    assert_eq!(freed::unwiped_while(|| drop(plain)), 1);
}

#[test]
fn every_secret_type_is_wiped_when_dropped() {
    assert_eq!(freed::unwiped_while(|| drop(Token::new(freed::marker()))), 0);
    assert_eq!(freed::unwiped_while(|| drop(Password::new(freed::marker()))), 0);
    assert_eq!(freed::unwiped_while(|| drop(PinCode::new(freed::marker()))), 0);
    assert_eq!(freed::unwiped_while(|| drop(PrivateKey::new(freed::marker()))), 0);
    assert_eq!(freed::unwiped_while(|| drop(VerificationCode::new(freed::marker()))), 0);
}

#[test]
fn clones_are_wiped_too() {
    let token = Token::new(freed::marker());
    let copy = token.clone();
    assert_eq!(freed::unwiped_while(|| drop((token, copy))), 0);
}
