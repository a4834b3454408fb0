//! TLS for golive's requests: which certificates it trusts, and which algorithms it
//! offers.
//!
//! Trust roots are read once, at the first `https` request of a run (a run over plain
//! `http`, as the tests and benchmarks make, reads none): the bundle in `SSL_CERT_FILE`,
//! else the files of `SSL_CERT_DIR`, else the first system bundle that exists; where no
//! bundle exists (macOS, Windows) the platform's own verifier decides. Reading one file
//! instead of every file of `/etc/ssl/certs` is most of a trigger's own time.
//!
//! The algorithms are *ring*'s, without ChaCha20-Poly1305 (every Microsoft and GitHub
//! endpoint offers AES-GCM, mandatory in TLS 1.3) and without loading private keys (golive
//! presents no client certificate): code golive would never run stays out of the binary.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::crypto::{
    CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms,
};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use rustls::sign::SigningKey;
use rustls::{ClientConfig, RootCertStore, SignatureScheme};
use webpki::ring as algs;

use crate::files;

/// Where trust roots come from, as the environment names them (read once, by `cli`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustRoots {
    /// `SSL_CERT_FILE`: a PEM bundle.
    pub cert_file: Option<PathBuf>,
    /// `SSL_CERT_DIR`: a directory of PEM files.
    pub cert_dir: Option<PathBuf>,
}

/// The system bundles, the first that exists wins: Debian, Ubuntu, Alpine, Arch and
/// golive's scratch image; Fedora and RHEL; openSUSE; RHEL 7+; macOS and the BSDs.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The largest bundle golive reads (the system's is about 200 KiB).
const BUNDLE_CAP: u64 = 16 * 1024 * 1024;

/// Roots as loaded: the store, and where it came from (for error messages).
pub struct Loaded {
    /// `None`: no bundle here; the platform's verifier decides.
    pub roots: Option<RootCertStore>,
    pub source: String,
}

/// The TLS configuration of golive's clients: these roots, golive's provider, TLS 1.2
/// and 1.3, no client certificate.
pub fn config(roots: RootCertStore) -> Result<ClientConfig, rustls::Error> {
    Ok(ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Reads the roots (see the module documentation).
pub fn load(roots: &TrustRoots) -> Result<Loaded, String> {
    if let Some(file) = &roots.cert_file {
        let roots = bundle(file)
            .and_then(store)
            .map_err(|e| format!("SSL_CERT_FILE {}: {e}", file.display()))?;
        return Ok(Loaded {
            roots: Some(roots),
            source: format!("SSL_CERT_FILE ({})", file.display()),
        });
    }
    if let Some(dir) = &roots.cert_dir {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("SSL_CERT_DIR {}: {e}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        // Hashed links and the bundle itself may name a certificate twice: harmless.
        let certificates: Vec<CertificateDer<'static>> = paths
            .iter()
            .filter_map(|p| bundle(p).ok())
            .flatten()
            .collect();
        let roots = store(certificates)
            .map_err(|_| format!("SSL_CERT_DIR {}: no PEM certificate in it", dir.display()))?;
        return Ok(Loaded {
            roots: Some(roots),
            source: format!("SSL_CERT_DIR ({})", dir.display()),
        });
    }
    match SYSTEM_BUNDLES.iter().map(Path::new).find(|p| p.is_file()) {
        Some(file) => Ok(Loaded {
            roots: Some(
                bundle(file)
                    .and_then(store)
                    .map_err(|e| format!("{}: {e}", file.display()))?,
            ),
            source: file.display().to_string(),
        }),
        None => Ok(Loaded {
            roots: None,
            source: "the system's certificate store".to_owned(),
        }),
    }
}

/// The certificates of one PEM file; none is an error.
fn bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = files::read_capped(path, BUNDLE_CAP).map_err(|e| e.to_string())?;
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .filter_map(Result::ok)
        .collect();
    if certificates.is_empty() {
        return Err("holds no PEM certificate".to_owned());
    }
    Ok(certificates)
}

/// A root store of the certificates that parse as trust anchors; none is an error.
fn store(certificates: Vec<CertificateDer<'static>>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    let (added, _) = store.add_parsable_certificates(certificates);
    if added == 0 {
        return Err("holds no certificate usable as a root".to_owned());
    }
    Ok(store)
}

/// The algorithms golive offers: *ring*'s AES-GCM suites for TLS 1.3 and 1.2, its key
/// exchange groups and signature verification algorithms (as rustls' own ring provider
/// lists them), the OS's randomness, and no private keys.
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1],
        signature_verification_algorithms: SIGNATURES,
        secure_random: &OsRandom,
        key_provider: &NoKeys,
    }
}

/// rustls' `SUPPORTED_SIG_ALGS` for *ring* (rustls 0.23, `crypto/ring/mod.rs`).
static SIGNATURES: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        algs::ECDSA_P256_SHA256,
        algs::ECDSA_P256_SHA384,
        algs::ECDSA_P384_SHA256,
        algs::ECDSA_P384_SHA384,
        algs::ED25519,
        algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        algs::RSA_PKCS1_2048_8192_SHA256,
        algs::RSA_PKCS1_2048_8192_SHA384,
        algs::RSA_PKCS1_2048_8192_SHA512,
        algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[algs::ECDSA_P384_SHA384, algs::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[algs::ECDSA_P256_SHA256, algs::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[algs::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[algs::RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[algs::RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[algs::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

/// Randomness for TLS from the OS (`getrandom`, as *ring* itself uses).
#[derive(Debug)]
struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        getrandom::getrandom(buf).map_err(|_| GetRandomFailed)
    }
}

/// golive presents no client certificate, so it loads no private key.
#[derive(Debug)]
struct NoKeys;

impl KeyProvider for NoKeys {
    fn load_private_key(
        &self,
        _key_der: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "golive loads no private keys".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem() -> String {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        cert.cert.pem()
    }

    #[test]
    fn roots_come_from_the_file_then_the_directory_then_the_system() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bundle.pem");
        std::fs::write(&file, format!("{}{}", pem(), pem())).unwrap();
        let from_file = load(&TrustRoots {
            cert_file: Some(file.clone()),
            cert_dir: Some(dir.path().to_owned()),
        })
        .unwrap();
        assert_eq!(from_file.roots.map(|r| r.len()), Some(2));
        assert!(from_file.source.starts_with("SSL_CERT_FILE"));

        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        std::fs::write(certs.join("a.pem"), pem()).unwrap();
        std::fs::write(certs.join("b.pem"), pem()).unwrap();
        std::fs::write(certs.join("README"), "not a certificate").unwrap();
        let from_dir = load(&TrustRoots {
            cert_file: None,
            cert_dir: Some(certs),
        })
        .unwrap();
        assert_eq!(from_dir.roots.map(|r| r.len()), Some(2));

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let error = load(&TrustRoots {
            cert_file: Some(empty),
            cert_dir: None,
        })
        .err()
        .unwrap_or_default();
        assert!(error.contains("SSL_CERT_FILE"), "{error}");

        let system = load(&TrustRoots::default()).unwrap();
        let expected = SYSTEM_BUNDLES.iter().find(|p| Path::new(p).is_file());
        assert_eq!(expected.is_some(), system.roots.is_some());
        assert!(config(RootCertStore::empty()).is_ok());
    }

    #[test]
    fn the_provider_offers_aes_gcm_only_and_works() {
        let provider = provider();
        assert!(
            provider
                .cipher_suites
                .iter()
                .all(|s| format!("{:?}", s.suite()).contains("AES"))
        );
        assert!(provider.fips() == rustls::crypto::ring::default_provider().fips());
        let mut bytes = [0u8; 16];
        assert!(provider.secure_random.fill(&mut bytes).is_ok());
    }
}
