//! Sending a plan to the cluster: what the cluster serves is checked
//! first, then each object goes out with server-side apply (field manager
//! `polctl`), one at a time in the plan's order. Nothing is retried: a
//! failure stops the run, and every object after it is reported as not
//! sent.

use std::collections::BTreeSet;

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use miette::Diagnostic;
use serde_json::Value;
use thiserror::Error;

use super::plan::{Object, Plan};
use crate::cluster::{ClusterError, Connection};
use crate::dialect::kinds::{Class, KINDS, Kind};

/// The field manager polctl applies as.
pub(crate) const FIELD_MANAGER: &str = "polctl";

/// How objects are sent.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// `dryRun=All`: the server runs everything but persists nothing.
    pub dry_run: bool,
    /// `force=true`: take the fields other managers own (`--force-conflicts`).
    pub force: bool,
}

/// What became of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Created,
    Configured,
    Unchanged,
    Failed(Failure),
    /// Not sent: an earlier object failed.
    NotSent,
}

/// Why the cluster refused an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The HTTP status (0 when the request did not reach the server).
    pub code: u16,
    pub message: String,
    /// A 409 from server-side apply: who owns which field.
    pub conflicts: Vec<Conflict>,
}

/// A field another manager owns, from a 409's causes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Conflict {
    /// `conflict with "calicoctl"`, as the server words it.
    pub manager: String,
    /// `.spec.podSelector`
    pub field: String,
}

/// The group versions the cluster does not serve, by what needs them.
#[derive(Debug, Error, Diagnostic)]
#[error("the cluster of context `{context}` does not serve {}; nothing was sent", .missing.join(", "))]
#[diagnostic(code(polctl::apply::not_served), help("{help}"))]
pub(crate) struct NotServed {
    pub context: String,
    /// `projectcalico.org/v3 (tiers, globalnetworkpolicies)`
    pub missing: Vec<String>,
    pub help: String,
}

/// Everything that stops an apply before the first write.
#[derive(Debug, Error, Diagnostic)]
pub(crate) enum SendError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    NotServed(#[from] NotServed),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Cluster(#[from] ClusterError),
}

fn api(connection: &Connection, kind: &Kind, namespace: Option<&str>) -> Api<DynamicObject> {
    let (group, version) = kind
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", kind.api_version));
    let gvk = GroupVersionKind::gvk(group, version, kind.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, kind.resource);
    let client = connection.client.clone();
    match namespace {
        Some(ns) => Api::namespaced_with(client, ns, &resource),
        None => Api::all_with(client, &resource),
    }
}

/// Checks that the cluster serves every resource the objects need
/// (discovery: `/api/v1`, `/apis/<group>/<version>`). A group it does not
/// serve (the CRDs are not installed) is named, with the objects that
/// need it, before anything is written.
pub(crate) fn check_served(
    connection: &Connection,
    kinds: &[&'static Kind],
) -> Result<(), SendError> {
    connection.block_on(async {
        let mut versions: Vec<&'static str> = kinds.iter().map(|k| k.api_version).collect();
        versions.sort_unstable();
        versions.dedup();
        let mut missing = Vec::new();
        for version in versions {
            let listed = if version.contains('/') {
                connection.client.list_api_group_resources(version).await
            } else {
                connection.client.list_core_api_resources(version).await
            };
            let served: BTreeSet<String> = match listed {
                Ok(list) => list.resources.into_iter().map(|r| r.name).collect(),
                Err(kube::Error::Api(status)) if status.code == 404 => BTreeSet::new(),
                Err(e) => {
                    return Err(connection
                        .failure(&format!("discovery of {version}"), &e)
                        .into());
                }
            };
            let wanted: BTreeSet<&str> = kinds
                .iter()
                .filter(|k| k.api_version == version && !served.contains(k.resource))
                .map(|k| k.resource)
                .collect();
            if !wanted.is_empty() {
                let names: Vec<&str> = wanted.into_iter().collect();
                missing.push(format!("{version} ({})", names.join(", ")));
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(NotServed {
            context: connection.context().to_string(),
            help:
                "install the CRDs (or the API server) that serve them, or leave those objects out"
                    .into(),
            missing,
        }
        .into())
    })
}

/// The objects as the cluster holds them now (`None`: not there).
pub(crate) fn read_live(
    connection: &Connection,
    plan: &Plan,
) -> Result<Vec<Option<Value>>, SendError> {
    connection.block_on(async {
        let mut out = Vec::with_capacity(plan.objects.len());
        for o in &plan.objects {
            let got = api(connection, o.kind, o.namespace.as_deref())
                .get_opt(&o.name)
                .await
                .map_err(|e| connection.failure(&format!("reading {}", o.qualified()), &e))?;
            out.push(got.and_then(|o| serde_json::to_value(o).ok()));
        }
        Ok(out)
    })
}

/// The object without what the server writes on every change, to tell
/// whether an apply changed anything.
pub(crate) fn content(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["managedFields", "resourceVersion", "generation"] {
            meta.remove(key);
        }
    }
    object
}

/// Sends one object; `live` is the object before.
fn outcome_of(
    live: Option<&Value>,
    answer: Result<DynamicObject, kube::Error>,
) -> (Outcome, Option<Value>) {
    match answer {
        Ok(object) => {
            let after = serde_json::to_value(&object).unwrap_or_default();
            let outcome = match live {
                None => Outcome::Created,
                Some(before) if content(before) == content(&after) => Outcome::Unchanged,
                Some(_) => Outcome::Configured,
            };
            (outcome, Some(after))
        }
        Err(e) => (Outcome::Failed(failure(&e)), None),
    }
}

fn failure(error: &kube::Error) -> Failure {
    match error {
        kube::Error::Api(status) => Failure {
            code: status.code,
            message: status.message.clone(),
            conflicts: status
                .details
                .iter()
                .flat_map(|d| d.causes.iter())
                .filter(|c| c.reason == "FieldManagerConflict")
                .map(|c| Conflict {
                    manager: c.message.clone(),
                    field: c.field.clone(),
                })
                .collect(),
        },
        other => Failure {
            code: 0,
            message: other.to_string(),
            conflicts: Vec::new(),
        },
    }
}

/// The result of sending a plan.
#[derive(Debug)]
pub(crate) struct Sent {
    /// One per object of the plan, in order.
    pub outcomes: Vec<Outcome>,
    /// What the server answered for each object that went through: the
    /// object after the apply (for `--diff`).
    pub after: Vec<Option<Value>>,
}

impl Sent {
    pub(crate) fn failed(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Failed(_)))
    }
}

/// Applies the objects in order; `progress` is told of each as it is
/// done. For real, the first failure stops the run (what follows may
/// need what failed). A dry run goes on, so that every refusal is
/// reported at once; objects whose namespace only the dry run created are
/// not sent (there is nothing for them to go into) and count as created.
pub(crate) fn apply(
    connection: &Connection,
    plan: &Plan,
    live: &[Option<Value>],
    options: Options,
    progress: &dyn Fn(&Object, &Outcome),
) -> Sent {
    connection.block_on(async {
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = options.force;
        params.dry_run = options.dry_run;
        let mut outcomes = Vec::with_capacity(plan.objects.len());
        let mut after = Vec::with_capacity(plan.objects.len());
        // Namespaces only a dry run created: what goes into them cannot be
        // sent until they exist.
        let mut dry_namespaces: BTreeSet<&str> = BTreeSet::new();
        let mut stopped = false;
        for (o, before) in plan.objects.iter().zip(live) {
            if stopped {
                outcomes.push(Outcome::NotSent);
                after.push(None);
                continue;
            }
            if options.dry_run
                && let Some(ns) = o.namespace.as_deref()
                && dry_namespaces.contains(ns)
            {
                let outcome = Outcome::Created;
                progress(o, &outcome);
                outcomes.push(outcome);
                after.push(Some(o.body.clone()));
                continue;
            }
            let answer = api(connection, o.kind, o.namespace.as_deref())
                .patch(&o.name, &params, &Patch::Apply(&o.body))
                .await;
            let (outcome, object) = outcome_of(before.as_ref(), answer);
            if options.dry_run && o.kind.class == Class::Namespace && outcome == Outcome::Created {
                dry_namespaces.insert(&o.name);
            }
            stopped = !options.dry_run && matches!(outcome, Outcome::Failed(_));
            progress(o, &outcome);
            outcomes.push(outcome);
            after.push(object);
        }
        Sent { outcomes, after }
    })
}

/// A live policy that `--prune` would delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stale {
    pub kind: &'static Kind,
    pub namespace: Option<String>,
    pub name: String,
}

impl Stale {
    /// kubectl's name for it.
    pub(crate) fn reference(&self) -> String {
        let kind = self.kind.kind.to_ascii_lowercase();
        let name = match self.kind.group() {
            "" => format!("{kind}/{}", self.name),
            group => format!("{kind}.{group}/{}", self.name),
        };
        match &self.namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name,
        }
    }
}

/// The live policies (of every served policy kind) whose labels match
/// `selector` and that the plan does not hold.
pub(crate) fn stale(
    connection: &Connection,
    plan: &Plan,
    selector: &str,
) -> Result<Vec<Stale>, SendError> {
    let kinds: Vec<&'static Kind> = KINDS.iter().filter(|k| k.class == Class::Policy).collect();
    connection.block_on(async {
        let mut out = Vec::new();
        for kind in kinds {
            let params = ListParams::default().labels(selector);
            let listed = api(connection, kind, None).list(&params).await;
            let list = match listed {
                Ok(list) => list,
                // A kind the cluster does not serve holds nothing to prune.
                Err(kube::Error::Api(status)) if status.code == 404 => continue,
                Err(e) => {
                    return Err(connection
                        .failure(&format!("listing {}", kind.resource), &e)
                        .into());
                }
            };
            for item in list.items {
                let name = item.metadata.name.clone().unwrap_or_default();
                let namespace = item.metadata.namespace.clone();
                let kept = plan.objects.iter().any(|o| {
                    // KINDS is a constant: compare kinds by value, not address.
                    o.kind == kind && o.name == name && o.namespace == namespace
                });
                if !kept {
                    out.push(Stale {
                        kind,
                        namespace,
                        name,
                    });
                }
            }
        }
        Ok(out)
    })
}

/// Deletes the stale policies in order; the first failure stops.
pub(crate) fn delete(
    connection: &Connection,
    stale: &[Stale],
    dry_run: bool,
) -> Vec<Result<(), Failure>> {
    connection.block_on(async {
        let params = DeleteParams {
            dry_run,
            ..DeleteParams::default()
        };
        let mut out = Vec::new();
        for s in stale {
            let result = api(connection, s.kind, s.namespace.as_deref())
                .delete(&s.name, &params)
                .await
                .map(|_| ())
                .map_err(|e| failure(&e));
            let failed = result.is_err();
            out.push(result);
            if failed {
                break;
            }
        }
        out
    })
}
