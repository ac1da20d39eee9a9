//! Connecting to PostgreSQL, encrypted as the URL's `sslmode` asks, with
//! libpq's meanings (so a URL that works with `psql` works here):
//!
//! - `disable`: never encrypted.
//! - `allow`, `prefer` (the default): encrypted when the server offers it,
//!   the certificate not checked (protects against listening, not against
//!   a server in the middle).
//! - `require`: always encrypted; the certificate is checked against
//!   `sslrootcert` when one is given (as libpq does), not otherwise.
//! - `verify-ca`: encrypted, and the certificate must chain to a trusted
//!   root: `sslrootcert=PATH` (PEM), or the system's roots when absent or
//!   `sslrootcert=system`.
//! - `verify-full`: as `verify-ca`, and the certificate must name the host
//!   the URL names. Use this across any network you do not own.
//!
//! The crypto is rustls (with ring, as the rest of chatsmart);
//! tokio-postgres-rustls plugs it into the driver, with channel binding.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error as TlsError, SignatureScheme};
use std::str::FromStr;
use std::sync::Arc;

/// How the connection is encrypted and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// A URL's TLS settings, taken out of it (the driver knows neither
/// `verify-*` nor `sslrootcert`), and what is left for the driver.
#[derive(Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file's path; None for the system's roots.
    pub root: Option<String>,
    /// The URL without `sslmode` and `sslrootcert`.
    pub rest: String,
}

impl TlsSettings {
    /// Reads `sslmode` and `sslrootcert` from a `postgres://` URL.
    pub fn of(url: &str) -> Result<TlsSettings, String> {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut mode = None;
        let mut root = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            match key {
                "sslmode" => {
                    mode = Some(match value.as_str() {
                        "disable" => SslMode::Disable,
                        "allow" | "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(format!(
                                "sslmode={other} is not one PostgreSQL knows: disable, allow, prefer, require, verify-ca or verify-full"
                            ))
                        }
                    });
                }
                "sslrootcert" => {
                    root = (!value.is_empty() && value != "system").then_some(value);
                }
                _ => kept.push(pair),
            }
        }
        // libpq: `require` with a root certificate checks like verify-ca.
        let mode = match mode.unwrap_or(SslMode::Prefer) {
            SslMode::Require if root.is_some() => SslMode::VerifyCa,
            m => m,
        };
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok(TlsSettings { mode, root, rest })
    }
}

/// Connects as the URL says, encrypted as its `sslmode` asks.
pub fn connect(url: &str) -> Result<postgres::Client, String> {
    let settings = TlsSettings::of(url)?;
    let mut config =
        postgres::Config::from_str(&settings.rest).map_err(|e| format!("not a usable URL: {e}"))?;
    let connected = match settings.mode {
        SslMode::Disable => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(postgres::NoTls)
        }
        mode => {
            config.ssl_mode(if mode == SslMode::Prefer {
                postgres::config::SslMode::Prefer
            } else {
                postgres::config::SslMode::Require
            });
            let tls = client_config(mode, settings.root.as_deref())?;
            config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
        }
    };
    connected.map_err(|e| {
        // The driver's own words stop at "error performing TLS handshake";
        // the cause (an unknown issuer, another name) is what helps.
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let more = s.to_string();
            if !text.contains(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            source = s.source();
        }
        text
    })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(mode: SslMode, root: Option<&str>) -> Result<rustls::ClientConfig, String> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => Arc::new(Unchecked(provider())),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = roots(root)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| format!("TLS roots: {e}"))?;
            if mode == SslMode::VerifyCa {
                Arc::new(AnyName(webpki))
            } else {
                webpki
            }
        }
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// The trusted roots: the PEM file given, or the system's.
fn roots(path: Option<&str>) -> Result<rustls::RootCertStore, String> {
    let mut store = rustls::RootCertStore::empty();
    match path {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert={path}: {e}"))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("sslrootcert={path}: {e}"))?;
            for cert in certs {
                store
                    .add(cert)
                    .map_err(|e| format!("sslrootcert={path}: {e}"))?;
            }
            if store.is_empty() {
                return Err(format!("sslrootcert={path} holds no certificate"));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = store.add(cert);
            }
            if store.is_empty() {
                return Err(
                    "no trusted root certificates on this system: give sslrootcert=PATH".into(),
                );
            }
        }
    }
    Ok(store)
}

/// `prefer` and `require` without a root: any certificate, but the
/// handshake's signatures still checked (it is encrypted to whoever holds
/// the certificate's key).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain is checked, the name is not.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, name, ocsp, now)
        {
            Err(TlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `%XX` escapes decoded (a path in `sslrootcert` may hold them).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_root_are_read_and_taken_out() {
        let s = TlsSettings::of("postgres://u:p@db:5432/chat").unwrap();
        assert_eq!(s.mode, SslMode::Prefer);
        assert_eq!(s.root, None);
        assert_eq!(s.rest, "postgres://u:p@db:5432/chat");

        let s = TlsSettings::of(
            "postgres://u@db/chat?connect_timeout=5&sslmode=verify-full&sslrootcert=/etc/ca%20x.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(s.mode, SslMode::VerifyFull);
        assert_eq!(s.root.as_deref(), Some("/etc/ca x.pem"));
        assert_eq!(
            s.rest,
            "postgres://u@db/chat?connect_timeout=5&application_name=x"
        );

        for (q, mode) in [
            ("disable", SslMode::Disable),
            ("allow", SslMode::Prefer),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::VerifyCa),
        ] {
            let s = TlsSettings::of(&format!("postgres://db/c?sslmode={q}")).unwrap();
            assert_eq!(s.mode, mode, "{q}");
            assert_eq!(s.rest, "postgres://db/c");
        }
        // As libpq: require with a root checks the chain.
        let s = TlsSettings::of("postgres://db/c?sslmode=require&sslrootcert=/ca.pem").unwrap();
        assert_eq!(s.mode, SslMode::VerifyCa);
        // The system's roots, by name.
        let s = TlsSettings::of("postgres://db/c?sslmode=verify-full&sslrootcert=system").unwrap();
        assert_eq!(s.root, None);
        // A broken escape is kept as written, never a panic.
        assert_eq!(percent_decode("/a%zz%é%4"), "/a%zz%é%4");
    }

    #[test]
    fn an_unknown_sslmode_is_refused_naming_the_known_ones() {
        let e = TlsSettings::of("postgres://db/c?sslmode=always").unwrap_err();
        assert!(e.contains("sslmode=always"), "{e}");
        assert!(e.contains("verify-full"), "{e}");
    }

    #[test]
    fn a_root_file_that_holds_no_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = roots(Some(path.to_str().unwrap())).unwrap_err();
        assert!(e.contains("holds no certificate"), "{e}");
        let e = roots(Some("/no/such/ca.pem")).unwrap_err();
        assert!(e.contains("/no/such/ca.pem"), "{e}");
    }
}
