//! Secrets that must never reach a log, an error message or a `repr()`.
//!
//! A secret's bytes are also wiped (set to zero) when the value is dropped, so that a token the
//! app held for hours is not left in freed memory for a later allocation, a core dump or a
//! swapped page to show. This covers what plexlink keeps; the copies that pass through an HTTP
//! stack's buffers, and Python's immutable `str`, are out of its reach.

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// `Debug` and `Display` print `[redacted]`; read the value with `secret()`. Its bytes
        /// are wiped when it is dropped.
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself: the one explicit way to read it.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Unwraps the secret value; wiping the returned `String` is then the caller's.
            pub fn into_secret(mut self) -> String {
                std::mem::take(&mut self.0)
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                zeroize::Zeroize::zeroize(&mut self.0);
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_type!(
    /// A Plex token: an account token, a server's access token, a transient token or a Plex JWT.
    /// Tokens have no fixed length.
    Token
);
secret_type!(
    /// An account password.
    Password
);
secret_type!(
    /// A PIN login code (the 4-character or the strong code), or a Home user's PIN.
    PinCode
);
secret_type!(
    /// A device's private key as text (base64url of its 32-byte Ed25519 seed), as an app
    /// stores it: [`DeviceKey::private_key`](crate::jwt::DeviceKey::private_key) and
    /// [`DeviceKey::from_private_key`](crate::jwt::DeviceKey::from_private_key).
    PrivateKey
);
secret_type!(
    /// A two-factor verification code (six digits, or a longer backup code).
    VerificationCode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let token = Token::new("Hg7FGK9xVGdWZRa_sj76");
        assert_eq!(format!("{token}"), "[redacted]");
        assert_eq!(format!("{token:?}"), "Token([redacted])");
        assert_eq!(token.secret(), "Hg7FGK9xVGdWZRa_sj76");
        let pw = Password::from("hunter2");
        assert!(!format!("{pw:?} {pw}").contains("hunter2"));
        let code = PinCode::from("7RQZ");
        assert!(!format!("{code:?} {code}").contains("7RQZ"));
        let v = VerificationCode::from("123456");
        assert!(!format!("{v:?} {v}").contains("123456"));
    }

    #[test]
    fn secrets_inside_structs_stay_hidden() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            token: Token,
        }
        let h = Holder {
            token: Token::new("abc123secret"),
        };
        assert!(!format!("{h:?}").contains("abc123secret"));
    }
}
