//! Which cluster, and how to talk to it: the kubeconfig resolved as
//! kubectl resolves it, then kube's client (TLS verified, tokens, client
//! certificates, exec credential plugins).

use std::future::Future;
use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use secrecy::ExposeSecret;

use super::error::{ClusterError, Redactor, chain};

/// `--kubeconfig` and `--context`, as given.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// A client for one context's cluster.
pub struct Connection {
    pub(crate) client: Client,
    runtime: tokio::runtime::Runtime,
    context: String,
    server: String,
    redactor: Redactor,
}

/// The context name reported for the service account's own cluster.
const IN_CLUSTER: &str = "in-cluster";

impl Connection {
    /// Resolves the kubeconfig (kubectl's order: `--kubeconfig`, then the
    /// files of `KUBECONFIG` merged, then `~/.kube/config`, then the pod's
    /// service account) and builds the client. Nothing is sent yet.
    pub fn connect(options: &ClusterOptions) -> Result<Connection, ClusterError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClusterError::Config {
                context: options.context.clone().unwrap_or_default(),
                message: format!("cannot start the client's runtime: {e}"),
            })?;
        let (config, context, redactor) = match read_kubeconfig(options)? {
            Some((kubeconfig, source)) => {
                let redactor = secrets_of(&kubeconfig);
                let context = choose_context(&kubeconfig, options.context.as_deref())?;
                let kube_options = KubeConfigOptions {
                    context: Some(context.clone()),
                    ..KubeConfigOptions::default()
                };
                let mut config = runtime
                    .block_on(Config::from_custom_kubeconfig(kubeconfig, &kube_options))
                    .map_err(|e| ClusterError::Config {
                        context: context.clone(),
                        message: format!("{} (from {source})", redactor.clean(&chain(&e))),
                    })?;
                // As kubectl (client-go's clientcmd reads a user's credentials
                // "only if we are secure"): nothing of the user goes over
                // plain HTTP, which is how `kubectl proxy` is reached.
                if config.cluster_url.scheme_str() == Some("http") {
                    config.auth_info = kube::config::AuthInfo::default();
                }
                (config, context, redactor)
            }
            None => in_cluster(options)?,
        };
        let server = config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string();
        // Building the client runs an exec credential plugin, if any.
        let client = runtime
            .block_on(async { Client::try_from(config) })
            .map_err(|e| ClusterError::Config {
                context: context.clone(),
                message: redactor.clean(&describe(&e)),
            })?;
        Ok(Connection {
            client,
            runtime,
            context,
            server,
            redactor,
        })
    }

    /// The kubeconfig context's name (`in-cluster` in a pod).
    pub fn context(&self) -> &str {
        &self.context
    }

    /// The API server's URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The error for a failed request; `what` says what was asked
    /// (`listing pods`).
    pub(crate) fn failure(&self, what: &str, error: &kube::Error) -> ClusterError {
        let clean = |text: &str| self.redactor.clean(text);
        match error {
            kube::Error::Api(status) => {
                let help = match status.code {
                    401 => Some(format!(
                        "the credentials of context `{}` were not accepted; `kubectl --context {} auth whoami` tells more",
                        self.context, self.context
                    )),
                    403 => Some(format!(
                        "the user of context `{}` needs get and list on it",
                        self.context
                    )),
                    _ => None,
                };
                ClusterError::Refused {
                    context: self.context.clone(),
                    server: self.server.clone(),
                    what: what.to_string(),
                    message: clean(&format!("{} ({})", status.message, status.code)),
                    help,
                }
            }
            kube::Error::HyperError(_) | kube::Error::Service(_) => ClusterError::Unreachable {
                context: self.context.clone(),
                server: self.server.clone(),
                message: clean(&describe(error)),
            },
            other => ClusterError::Refused {
                context: self.context.clone(),
                server: self.server.clone(),
                what: what.to_string(),
                message: clean(&describe(other)),
                help: None,
            },
        }
    }
}

/// A client error in one line, worded so that an exec credential
/// plugin's output never shows: kube's own message for a failed plugin
/// holds the command (its environment too) and everything it printed,
/// and a plugin prints the credential.
fn describe(error: &kube::Error) -> String {
    use kube::client::AuthError as A;
    let auth = match error {
        kube::Error::Auth(auth) => Some(auth),
        // A token refreshed for a request fails inside the client's stack.
        kube::Error::Service(e) => e.downcast_ref::<A>(),
        _ => None,
    };
    match auth {
        Some(A::AuthExecRun { out, .. }) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stderr = stderr.trim();
            format!(
                "the exec credential plugin failed ({}){}",
                out.status,
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {stderr}")
                }
            )
        }
        Some(A::AuthExecParse(_)) => {
            "the exec credential plugin did not print an ExecCredential (YAML or JSON)".into()
        }
        _ => chain(error),
    }
}

fn kubeconfig_error(path: &str, e: &kube::config::KubeconfigError) -> ClusterError {
    use kube::config::KubeconfigError as E;
    // A parse error may quote the file, credentials included: say where
    // the file is, not what it holds.
    let message = match e {
        E::Parse(_) => {
            format!("not a valid kubeconfig (`kubectl config view --kubeconfig {path}` shows why)")
        }
        E::ReadConfig(io, p) => format!("{}: {io}", p.display()),
        other => chain(other),
    };
    ClusterError::Kubeconfig {
        path: path.to_string(),
        message,
    }
}

/// The kubeconfig kubectl would read, and where it came from; `None` when
/// there is none (then only the in-cluster configuration is left).
fn read_kubeconfig(options: &ClusterOptions) -> Result<Option<(Kubeconfig, String)>, ClusterError> {
    if let Some(path) = &options.kubeconfig {
        let name = path.display().to_string();
        return Kubeconfig::read_from(path)
            .map(|k| Some((k, name.clone())))
            .map_err(|e| kubeconfig_error(&name, &e));
    }
    match Kubeconfig::from_env() {
        Ok(Some(k)) => return Ok(Some((k, "KUBECONFIG".into()))),
        Ok(None) => {}
        Err(e) => return Err(kubeconfig_error("named in KUBECONFIG", &e)),
    }
    let Some(path) = default_path() else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let name = path.display().to_string();
    Kubeconfig::read_from(&path)
        .map(|k| Some((k, name.clone())))
        .map_err(|e| kubeconfig_error(&name, &e))
}

fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".kube").join("config"))
}

fn known_contexts(kubeconfig: &Kubeconfig) -> String {
    let names: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if names.is_empty() {
        "the kubeconfig has no contexts".into()
    } else {
        format!("contexts in the kubeconfig: {}", names.join(", "))
    }
}

fn choose_context(kubeconfig: &Kubeconfig, wanted: Option<&str>) -> Result<String, ClusterError> {
    let context = match wanted.or(kubeconfig.current_context.as_deref()) {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => {
            return Err(ClusterError::NoContext {
                known: known_contexts(kubeconfig),
            });
        }
    };
    if !kubeconfig.contexts.iter().any(|c| c.name == context) {
        return Err(ClusterError::UnknownContext {
            context,
            known: known_contexts(kubeconfig),
        });
    }
    Ok(context)
}

/// The pod's service account, when no kubeconfig exists.
fn in_cluster(options: &ClusterOptions) -> Result<(Config, String, Redactor), ClusterError> {
    let home = default_path().map_or_else(|| "~/.kube/config".into(), |p| p.display().to_string());
    if let Some(context) = &options.context {
        return Err(ClusterError::UnknownContext {
            context: context.clone(),
            known: format!("there is no kubeconfig ({home} does not exist)"),
        });
    }
    // As client-go's rest.InClusterConfig: outside a pod (no
    // KUBERNETES_SERVICE_HOST/PORT) there is no configuration at all; in
    // one, a missing service account file is an error of its own.
    let config = Config::incluster().map_err(|e| match e {
        kube::config::InClusterError::ReadEnvironmentVariable(_) => ClusterError::NoConfig { home },
        other => ClusterError::Config {
            context: IN_CLUSTER.to_string(),
            message: format!("the pod's service account: {}", chain(&other)),
        },
    })?;
    let mut redactor = Redactor::default();
    if let Some(file) = &config.auth_info.token_file
        && let Ok(token) = std::fs::read_to_string(file)
    {
        redactor.add(&token);
    }
    Ok((config, IN_CLUSTER.to_string(), redactor))
}

/// Every credential a kubeconfig holds, to be kept out of messages.
fn secrets_of(kubeconfig: &Kubeconfig) -> Redactor {
    let mut redactor = Redactor::default();
    for user in kubeconfig
        .auth_infos
        .iter()
        .filter_map(|u| u.auth_info.as_ref())
    {
        for secret in [&user.token, &user.password, &user.client_key_data]
            .into_iter()
            .flatten()
        {
            redactor.add(secret.expose_secret());
        }
        if let Some(file) = &user.token_file
            && let Ok(token) = std::fs::read_to_string(file)
        {
            redactor.add(&token);
        }
    }
    redactor
}
