//! Usage errors: what the command line asked that polctl cannot do. Each is
//! bad input (exit 2) with a stable code; clap reports what it parses
//! itself the same way.

use std::path::PathBuf;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::model::policy::{Cni, Version};

#[derive(Debug, Error, Diagnostic)]
pub enum UsageError {
    #[error("no input manifests")]
    #[diagnostic(
        code(polctl::usage::no_input),
        help("pass manifests with -f FILE, -f DIR (-R to recurse) or -f - for stdin")
    )]
    NoInput,

    #[error("cannot read {}: {source}", path.display())]
    #[diagnostic(code(polctl::input::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{flag} {version} needs --cni {wants}, not --cni {cni}")]
    #[diagnostic(code(polctl::usage::dataplane))]
    VersionForOtherCni {
        flag: &'static str,
        version: Version,
        wants: &'static str,
        cni: Cni,
    },

    #[error("{flag} {version} is given, but the dataplane is {cni} ({reason})")]
    #[diagnostic(
        code(polctl::usage::dataplane),
        help("pass --cni {wants} to simulate {wants}, or leave out {flag}")
    )]
    VersionUnused {
        flag: &'static str,
        version: Version,
        wants: &'static str,
        cni: Cni,
        reason: String,
    },

    #[error("the two sides are simulated on different dataplanes: OLD on {old}, NEW on {new}")]
    #[diagnostic(
        code(polctl::usage::dataplane),
        help("pass --cni (and a version) so that both sides are simulated alike")
    )]
    DataplaneDiffers { old: String, new: String },

    #[error("invalid {flag}: {message}")]
    #[diagnostic(code(polctl::usage::selector))]
    Selector {
        flag: &'static str,
        message: String,
        #[source_code]
        text: String,
        #[label("{message}")]
        span: SourceSpan,
    },

    #[error("{flag} `{value}`: {message}")]
    #[diagnostic(code(polctl::usage::value))]
    Value {
        flag: &'static str,
        value: String,
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("{flag} `{reference}`: {message}")]
    #[diagnostic(code(polctl::usage::reference))]
    Reference {
        flag: &'static str,
        reference: String,
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(polctl::usage::flow))]
    Flow {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(polctl::usage::output))]
    Output { message: String },
}

impl UsageError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        UsageError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn value(
        flag: &'static str,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        UsageError::Value {
            flag,
            value: value.into(),
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn flow(message: impl Into<String>) -> Self {
        UsageError::Flow {
            message: message.into(),
            help: None,
        }
    }
}
