//! What goes wrong talking to a cluster, worded so the user knows which
//! context and server it was, and never showing a credential.

use miette::Diagnostic;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum ClusterError {
    #[error(
        "no cluster configured: no --kubeconfig, KUBECONFIG is not set, {home} does not exist, and polctl is not running in a pod"
    )]
    #[diagnostic(
        code(polctl::cluster::no_config),
        help("pass --kubeconfig PATH, or set KUBECONFIG")
    )]
    NoConfig { home: String },

    #[error("cannot read the kubeconfig {path}: {message}")]
    #[diagnostic(code(polctl::cluster::kubeconfig))]
    Kubeconfig { path: String, message: String },

    #[error("context `{context}` is not in the kubeconfig")]
    #[diagnostic(code(polctl::cluster::unknown_context), help("{known}"))]
    UnknownContext { context: String, known: String },

    #[error("no current context in the kubeconfig")]
    #[diagnostic(
        code(polctl::cluster::no_context),
        help("pass --context NAME ({known}), or run `kubectl config use-context NAME`")
    )]
    NoContext { known: String },

    #[error("cannot use context `{context}`: {message}")]
    #[diagnostic(code(polctl::cluster::config))]
    Config { context: String, message: String },

    #[error("cannot reach the cluster of context `{context}` at {server}: {message}")]
    #[diagnostic(
        code(polctl::cluster::unreachable),
        help(
            "check the server address and that the cluster is up (`kubectl --context {context} version`)"
        )
    )]
    Unreachable {
        context: String,
        server: String,
        message: String,
    },

    #[error("the cluster of context `{context}` at {server} refused {what}: {message}")]
    #[diagnostic(code(polctl::cluster::refused))]
    Refused {
        context: String,
        server: String,
        what: String,
        message: String,
        #[help]
        help: Option<String>,
    },
}

/// Takes every secret of the kubeconfig out of the text it is given: a
/// message from a library or a server is shown only through it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub(crate) fn add(&mut self, secret: &str) {
        let secret = secret.trim();
        // Shorter strings would blank ordinary words.
        if secret.len() >= 6 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
        }
    }

    pub(crate) fn clean(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), "[REDACTED]");
        }
        text
    }
}

/// An error and its causes, one line, as `a: b: c`.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_blanked_wherever_they_appear() {
        let mut r = Redactor::default();
        r.add("s3cr3t-token");
        r.add("abc");
        assert_eq!(
            r.clean("Bearer s3cr3t-token was refused (s3cr3t-token); abc stays"),
            "Bearer [REDACTED] was refused ([REDACTED]); abc stays"
        );
    }
}
