//! WeChat's safe mode: pushes come AES-encrypted in an `<Encrypt>` field,
//! signed as `msg_signature`, the SHA1 of the sorted token, timestamp,
//! nonce and the encrypted text.
//!
//! The key is the account's EncodingAESKey (43 characters of base64: 32
//! bytes); AES-256-CBC with the key's first 16 bytes as the IV; the plain
//! text is 16 random bytes, the message's length (4 bytes, big-endian),
//! the message, then the app id, padded PKCS#7-style to a multiple of 32.

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
use base64::Engine;

type Decryptor = cbc::Decryptor<aes::Aes256>;

/// Base64 as WeChat's own code reads it: the key's last character may
/// carry bits past the 32 bytes, which strict decoders refuse.
const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// The 32-byte key from an EncodingAESKey, if it is one.
pub fn key(encoding_aes_key: &str) -> Result<[u8; 32], String> {
    let k = encoding_aes_key.trim();
    let bytes = LENIENT
        .decode(format!("{k}="))
        .ok()
        .filter(|_| k.len() == 43);
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| "encoding_aes_key must be the 43 characters WeChat shows".to_string())
}

/// The message inside `encrypt` (base64), and the app id it names.
pub fn decrypt(key: &[u8; 32], encrypt: &str) -> Result<(String, String), String> {
    let mut buf = base64::engine::general_purpose::STANDARD
        .decode(encrypt.trim())
        .map_err(|_| "the Encrypt field is not base64".to_string())?;
    if buf.is_empty() || buf.len() % 16 != 0 {
        return Err("the Encrypt field is not whole AES blocks".into());
    }
    let plain = Decryptor::new(key.into(), key[..16].into())
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| "the Encrypt field does not decrypt".to_string())?;
    let pad = *plain.last().unwrap_or(&0) as usize;
    if !(1..=32).contains(&pad) || pad > plain.len() {
        return Err("the decrypted message is badly padded (a wrong key?)".into());
    }
    let plain = &plain[..plain.len() - pad];
    if plain.len() < 20 {
        return Err("the decrypted message is too short".into());
    }
    let len = u32::from_be_bytes([plain[16], plain[17], plain[18], plain[19]]) as usize;
    let rest = &plain[20..];
    if len > rest.len() {
        return Err("the decrypted message's length is wrong (a wrong key?)".into());
    }
    let msg = String::from_utf8(rest[..len].to_vec())
        .map_err(|_| "the decrypted message is not UTF-8".to_string())?;
    let app_id = String::from_utf8_lossy(&rest[len..]).into_owned();
    Ok((msg, app_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn any_push_is_opened_or_refused(text in "[A-Za-z0-9+/=]{0,200}", raw in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let k = [7u8; 32];
            let _ = decrypt(&k, &text);
            let _ = decrypt(&k, &base64::engine::general_purpose::STANDARD.encode(&raw));
            let _ = key(&text);
        }
    }

    #[test]
    fn keys_are_43_characters_of_base64() {
        let k = key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
        assert_eq!(k.len(), 32);
        assert!(key("short").is_err());
        assert!(key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!").is_err());
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        let k = key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
        assert!(decrypt(&k, "not base64!").is_err());
        assert!(decrypt(&k, "AAAA").is_err());
        let junk = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        assert!(decrypt(&k, &junk).is_err());
    }
}
