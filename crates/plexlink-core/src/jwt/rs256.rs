//! RS256 verification (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 §8.2.2): one modular power
//! and a comparison with the expected encoding. Public keys only: nothing here is secret, so
//! nothing needs to run in constant time.

use num_bigint::BigUint;
use sha2::{Digest, Sha256};

/// The DER prefix of a SHA-256 `DigestInfo` (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
];

/// Plex publishes 2048-bit keys; 1024 is the least still accepted anywhere, and past 8192 a
/// hostile key would only make verifying slow.
const MIN_BITS: u64 = 1024;
const MAX_BITS: u64 = 8192;
/// Keys use 65537 (or 3); an exponent as long as the modulus would make each check a modular
/// power of 8192 steps (a third of a second at 8192 bits). 2^33 - 1 at most, as RustCrypto's
/// `rsa` crate allows.
const MAX_EXPONENT_BITS: u64 = 33;

/// An RSA public key, checked to be of a usable size.
#[derive(Clone, Debug)]
pub(crate) struct RsaKey {
    n: BigUint,
    e: BigUint,
    /// The modulus's length in bytes: every signature has exactly this length.
    len: usize,
}

impl RsaKey {
    /// The key of a JWK's `n` and `e` (big-endian bytes); `None` when it is not usable.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Option<Self> {
        let n = BigUint::from_bytes_be(n);
        let e = BigUint::from_bytes_be(e);
        let bits = n.bits();
        // An even modulus or an exponent of 1 (or even) is no RSA key.
        if !(MIN_BITS..=MAX_BITS).contains(&bits)
            || !n.bit(0)
            || e <= BigUint::from(1u8)
            || !e.bit(0)
            || e >= n
            || e.bits() > MAX_EXPONENT_BITS
        {
            return None;
        }
        let len = usize::try_from(bits.div_ceil(8)).ok()?;
        Some(Self { n, e, len })
    }

    /// Whether `signature` is this key's RS256 signature of `message`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != self.len {
            return false;
        }
        let s = BigUint::from_bytes_be(signature);
        if s >= self.n {
            return false;
        }
        let m = s.modpow(&self.e, &self.n).to_bytes_be();
        // EM = 0x00 0x01 PS 0x00 DigestInfo hash, PS being at least 8 bytes of 0xff; `to_bytes_be`
        // drops the leading zero byte.
        let digest = Sha256::digest(message);
        let tail_len = 1 + SHA256_DIGEST_INFO.len() + digest.len();
        if m.len() != self.len - 1 || m.len() < 1 + 8 + tail_len || m[0] != 0x01 {
            return false;
        }
        let (padding, tail) = m[1..].split_at(m.len() - 1 - tail_len);
        padding.iter().all(|&b| b == 0xff)
            && tail[0] == 0x00
            && tail[1..=SHA256_DIGEST_INFO.len()] == SHA256_DIGEST_INFO
            && tail[1 + SHA256_DIGEST_INFO.len()..] == digest[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_keys_are_refused() {
        let odd_2048 = {
            let mut n = vec![0xff; 256];
            n[255] = 0xfd;
            n
        };
        assert!(RsaKey::new(&odd_2048, &[1, 0, 1]).is_some());
        assert!(RsaKey::new(&odd_2048[..100], &[1, 0, 1]).is_none(), "too small");
        assert!(RsaKey::new(&vec![0xff; 1100], &[1, 0, 1]).is_none(), "too large");
        let mut even = odd_2048.clone();
        even[255] = 0xfe;
        assert!(RsaKey::new(&even, &[1, 0, 1]).is_none(), "even modulus");
        assert!(RsaKey::new(&odd_2048, &[1]).is_none(), "exponent 1");
        assert!(RsaKey::new(&odd_2048, &[]).is_none(), "no exponent");
        let key = RsaKey::new(&odd_2048, &[1, 0, 1]).unwrap();
        assert!(!key.verifies(b"m", &[0; 255]), "short signature");
        assert!(!key.verifies(b"m", &[0xff; 256]), "signature not below the modulus");
        assert!(!key.verifies(b"m", &[0; 256]));
    }

    #[test]
    fn an_exponent_past_33_bits_is_refused() {
        let mut n = vec![0xff; 1024];
        n[1023] = 0xfd;
        // e = n - 2: odd and below n, and as long. The jwt fuzz target's regression
        // (fuzz/regressions/jwt/rsa-exponent-as-long-as-the-modulus): three such 8192-bit keys
        // made one verification cost about a second of CPU; 65537 costs a millisecond.
        let mut huge = n.clone();
        huge[1023] = 0xfb;
        assert!(RsaKey::new(&n, &huge).is_none());
        assert!(RsaKey::new(&n, &((1u64 << 33) - 1).to_be_bytes()).is_some());
        assert!(RsaKey::new(&n, &((1u64 << 33) + 1).to_be_bytes()).is_none());
        assert!(RsaKey::new(&n, &[3]).is_some());
    }
}
