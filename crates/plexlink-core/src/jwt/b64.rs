//! base64url without padding (RFC 7515 §2), in constant time, as every JWT part is written.

use base64ct::{Base64UrlUnpadded, Encoding};

pub(crate) fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Refuses padding, other alphabets and non-canonical trailing bits.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, base64ct::Error> {
    Base64UrlUnpadded::decode_vec(text)
}
