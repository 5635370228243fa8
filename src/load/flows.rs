//! The `--flows FILE` format: a YAML (or JSON) list of flows, each with the
//! same fields as `polctl simulate`'s flags, plus an optional expectation.
//!
//! ```yaml
//! - from: shop/frontend
//!   to: svc:shop/api
//!   port: 8080          # number or named port
//!   protocol: TCP       # default TCP
//!   method: GET         # HTTP attributes (optional)
//!   path: /v1/items
//!   expect: allow       # optional: allow | deny
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dialect::common::IntOrString;
use crate::model::{Span, Spanned};
use crate::syntax::de::from_node;
use crate::syntax::yaml::{self, Value};
use crate::syntax::{LoadError, LoadErrors};
use crate::syntax::{SourceFile, Sources};

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowSpec {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub port: Option<IntOrString>,
    #[serde(default, alias = "proto")]
    pub protocol: Option<IntOrString>,
    #[serde(default)]
    pub src_port: Option<u16>,
    #[serde(default)]
    pub icmp_type: Option<u8>,
    #[serde(default)]
    pub icmp_code: Option<u8>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub l7: BTreeMap<String, String>,
    /// `ok` (default) or `fail`: the Cilium mutual-authentication handshake.
    #[serde(default)]
    pub auth: Option<AuthOutcome>,
    #[serde(default)]
    pub expect: Option<Expectation>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    Allow,
    Deny,
}

/// The outcome of a mutual-authentication handshake.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthOutcome {
    Ok,
    Fail,
}

/// Reads a flows file; every entry keeps its span for error messages.
pub fn read_flows(
    path: &str,
    text: String,
    sources: &mut Sources,
) -> Result<Vec<Spanned<FlowSpec>>, LoadErrors> {
    read_flows_apart(path, text).attach(sources)
}

/// A flows file read apart from the other inputs (on a thread of its own,
/// while they load): its entries' spans name a file of their own until
/// [`FlowsRead::attach`] adds the file to the run's sources.
pub struct FlowsRead {
    src: SourceFile,
    read: Result<Vec<Spanned<FlowSpec>>, LoadErrors>,
}

impl FlowsRead {
    /// Adds the file to `sources`; its entries, their spans in that file.
    pub fn attach(self, sources: &mut Sources) -> Result<Vec<Spanned<FlowSpec>>, LoadErrors> {
        let id = sources.add(self.src);
        let specs = self.read?;
        Ok(specs
            .into_iter()
            .map(|s| Spanned::new(Span { file: id, ..s.span }, s.value))
            .collect())
    }
}

/// Reads a flows file, its spans in a file of its own (see [`FlowsRead`]).
pub fn read_flows_apart(path: &str, text: String) -> FlowsRead {
    let src = SourceFile::new(path, text);
    let read = read_entries(&src);
    FlowsRead { src, read }
}

fn read_entries(src: &SourceFile) -> Result<Vec<Spanned<FlowSpec>>, LoadErrors> {
    // Any id: `FlowsRead::attach` gives the spans their file.
    let id = crate::syntax::FileId(u32::MAX);
    let fail = |errors: Vec<LoadError>| LoadErrors { errors };
    let docs = yaml::parse_documents(id, src.text()).map_err(|e| {
        fail(vec![LoadError::syntax(
            src,
            e.span,
            format!("invalid YAML: {}", e.message),
        )])
    })?;
    let invalid = |span: Span, message: String| {
        LoadError::invalid(
            src,
            span,
            message,
            "here",
            Some(
                "a flows file is a list of {from, to, port, protocol, method, path, expect} entries"
                    .into(),
            ),
        )
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for doc in &docs {
        let Value::Seq(items) = &doc.value else {
            errors.push(invalid(
                doc.span,
                format!("expected a list of flows, found {}", doc.type_name()),
            ));
            continue;
        };
        for item in items {
            match from_node::<FlowSpec>(item) {
                Ok(spec) => out.push(Spanned::new(item.span, spec)),
                Err(e) => errors.push(invalid(e.span.unwrap_or(item.span), e.message)),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(fail(errors))
    }
}
