//! A certificate authority and a server certificate for 127.0.0.1 and
//! localhost, made fresh for every double, and the kubeconfig that trusts
//! them.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct Certs {
    /// The CA certificate clients trust (PEM).
    pub ca_pem: String,
    pub server_cert: CertificateDer<'static>,
    pub server_key: PrivateKeyDer<'static>,
}

pub fn generate() -> Result<Certs, rcgen::Error> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "polctl API server double CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate()?;
    let mut server =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
    server
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    server.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = server.signed_by(&key, &issuer)?;
    Ok(Certs {
        ca_pem: ca_cert.pem(),
        server_cert: cert.der().clone(),
        server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// A kubeconfig with one cluster, one user (a bearer token) and one
/// context, which is the current one. Without a CA (plain HTTP) the
/// cluster has only its server.
pub fn kubeconfig(server: &str, ca_pem: Option<&str>, token: &str, context: &str) -> String {
    use base64::Engine;
    let ca = ca_pem.map_or_else(String::new, |pem| {
        format!(
            "    certificate-authority-data: {}\n",
            base64::engine::general_purpose::STANDARD.encode(pem)
        )
    });
    format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {context}-cluster\n  \
           cluster:\n    \
             server: {server}\n\
         {ca}\
         users:\n\
         - name: {context}-user\n  \
           user:\n    \
             token: {token}\n\
         contexts:\n\
         - name: {context}\n  \
           context:\n    \
             cluster: {context}-cluster\n    \
             user: {context}-user\n    \
             namespace: default\n\
         current-context: {context}\n"
    )
}
