//! Lints on AdminNetworkPolicy and BaselineAdminNetworkPolicy as the chosen
//! dataplane treats them.

use super::{ANP_NAMED_PORT_WIDENED, Finding, PolicyRef};
use crate::dialect::PolicySource;
use crate::dialect::npapi::AnpPort;
use crate::load::Inventory;
use crate::model::Spanned;
use crate::model::policy::{Cni, PolicySet, Version};

pub(super) fn lint(inventory: &Inventory, set: &PolicySet, out: &mut Vec<Finding>) {
    // Calico 3.29-3.31 converts a namedPort entry to "no port", and a rule
    // without ports to every port (libcalico-go conversion.go
    // `// TODO: Add support for NamedPorts`, SEMANTICS.md §A10); 3.32 reads
    // ClusterNetworkPolicy instead.
    let widens = set.dataplane.cni == Cni::Calico
        && set
            .dataplane
            .calico_version
            .is_some_and(|v| (Version::new(3, 29)..=Version::new(3, 31)).contains(&v));
    if !widens {
        return;
    }
    let version = set
        .dataplane
        .calico_version
        .map(|v| v.to_string())
        .unwrap_or_default();
    for object in &inventory.policies {
        let anp = match &object.source {
            PolicySource::AdminNetworkPolicy(p) | PolicySource::BaselineAdminNetworkPolicy(p) => p,
            _ => continue,
        };
        let pref = PolicyRef {
            kind: object.kind.clone(),
            namespace: None,
            name: object.name.clone(),
        };
        let ingress = anp
            .spec
            .ingress
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("ingress[{i}]"), r.action.value, r.ports.as_deref()));
        let egress = anp
            .spec
            .egress
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("egress[{i}]"), r.action.value, r.ports.as_deref()));
        for (label, action, ports) in ingress.chain(egress) {
            for port in ports.unwrap_or_default() {
                let Some(name) = named(port) else { continue };
                out.push(
                    Finding::new(
                        &ANP_NAMED_PORT_WIDENED,
                        name.span,
                        format!(
                            "namedPort `{}` in rule `{label}` of {pref}: Calico {version} does not implement namedPort, so this {action:?} rule applies to every protocol and port",
                            name.value
                        ),
                    )
                    .label("widened to every port by Calico 3.29-3.31")
                    .help("use portNumber or portRange, or Calico 3.32 (ClusterNetworkPolicy's destinationNamedPort)")
                    .policy(pref.clone()),
                );
            }
        }
    }
}

fn named(port: &Spanned<AnpPort>) -> Option<&Spanned<String>> {
    port.value.named_port.as_ref()
}
