//! A Kubernetes API server double for polctl's tests and benches: HTTPS
//! on loopback with a CA made per run, a bearer token, and an in-memory
//! object store seeded from manifests. It speaks the wire protocol real
//! clients (kube, kubectl) use for what polctl needs: discovery, GET, and
//! LIST with `limit`/`continue` and `labelSelector`, server-side apply
//! (PATCH with `fieldManager`/`force`/`dryRun`, managedFields per manager,
//! 409 conflicts) and DELETE, with `Status` bodies for 401, 403, 404, 409
//! and injected 500s.
//!
//! ```no_run
//! let double = polctl_apiserver_double::Double::builder()
//!     .seed_path("fixtures/tiers")
//!     .unwrap()
//!     .without_group("cilium.io")
//!     .start()
//!     .unwrap();
//! // KUBECONFIG=double.kubeconfig() reaches it; double.requests() tells what was asked.
//! ```

mod managed;
mod openapi;
mod read;
mod resources;
mod router;
mod selector;
mod server;
mod status;
mod store;
mod tls;
mod write;

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub use resources::Resource;
pub use router::{Query, Target};
pub use status::Failure;
pub use store::Store;

/// A failure to set the double up.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn error(context: &str, e: impl std::fmt::Display) -> Error {
    Error(format!("{context}: {e}"))
}

/// One request as the double received it, before authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// The raw query string, still encoded.
    pub query: String,
    pub content_type: Option<String>,
    /// The body of a write (PATCH, DELETE), as sent.
    pub body: Option<String>,
    /// Whether it carried an `Authorization` header.
    pub authorization: bool,
}

impl Request {
    /// A decoded query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        Query::parse(&self.query).get(name).map(String::from)
    }
}

/// How to start a double.
#[derive(Debug)]
pub struct Builder {
    seeds: Vec<(String, String)>,
    without: Vec<String>,
    forbidden: Vec<(String, String)>,
    page_cap: Option<usize>,
    context: String,
    failing_writes: Vec<u64>,
    plain_http: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            seeds: Vec::new(),
            without: Vec::new(),
            forbidden: Vec::new(),
            page_cap: None,
            context: "double".to_string(),
            failing_writes: Vec::new(),
            plain_http: false,
        }
    }
}

impl Builder {
    /// Objects to serve, as YAML or JSON text (`name` is for errors).
    pub fn seed(mut self, name: &str, text: &str) -> Self {
        self.seeds.push((name.to_string(), text.to_string()));
        self
    }

    /// Objects to serve from a manifest file or a directory tree.
    pub fn seed_path(mut self, path: impl AsRef<Path>) -> Result<Self, Error> {
        let mut files = Vec::new();
        manifest_files(path.as_ref(), &mut files)?;
        for file in files {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| error(&file.display().to_string(), e))?;
            self.seeds.push((file.display().to_string(), text));
        }
        Ok(self)
    }

    /// Serve nothing of this API group (as a cluster without the CRDs or
    /// the aggregated API server): discovery leaves it out, its paths 404.
    pub fn without_group(mut self, group: &str) -> Self {
        self.without.push(group.to_string());
        self
    }

    /// Answer 403 Forbidden to every request on this resource.
    pub fn forbid(mut self, group: &str, plural: &str) -> Self {
        self.forbidden.push((group.to_string(), plural.to_string()));
        self
    }

    /// Hold at most `n` items in a LIST page, whatever `limit` a client asks.
    pub fn page_cap(mut self, n: usize) -> Self {
        self.page_cap = Some(n.max(1));
        self
    }

    /// Answer the `n`th write (counting from 1) with 500 InternalError and
    /// change nothing: a server failing midway through an apply. Only
    /// writes that would persist count; dry runs pass through.
    pub fn fail_write(mut self, n: u64) -> Self {
        self.failing_writes.push(n);
        self
    }

    /// Serve plain HTTP instead of HTTPS, as `kubectl proxy` does: the
    /// kubeconfig's server is then `http://…`, and requests need no
    /// credential (clients send none over plain HTTP; the proxy adds its own).
    pub fn plain_http(mut self) -> Self {
        self.plain_http = true;
        self
    }

    /// The kubeconfig context's name (`double` unless set).
    pub fn context(mut self, name: &str) -> Self {
        self.context = name.to_string();
        self
    }

    pub fn start(self) -> Result<Double, Error> {
        let served = resources::known()
            .into_iter()
            .filter(|r| !self.without.iter().any(|g| g == r.group))
            .collect();
        let mut store = Store::new(served);
        for (name, text) in &self.seeds {
            store.seed(text).map_err(|e| error(name, e))?;
        }
        let certs = tls::generate().map_err(|e| error("generating certificates", e))?;
        // ring, as kube's client uses here: aws-lc would be a second C
        // build for a test server whose key exchange nobody attacks.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| error("TLS", e))?
            .with_no_client_auth()
            .with_single_cert(vec![certs.server_cert], certs.server_key)
            .map_err(|e| error("TLS", e))?;
        // HTTP/1.1 only: Go and hyper clients fall back to it through ALPN.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];

        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| error("bind", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| error("bind", e))?;
        let address = listener
            .local_addr()
            .map_err(|e| error("bind", e))?
            .to_string();
        let token = format!("double-{:016x}{:016x}", random(), random());
        let state = Arc::new(server::State {
            store: Mutex::new(store),
            log: Mutex::new(Vec::new()),
            token: token.clone(),
            anonymous: self.plain_http,
            user: "system:serviceaccount:polctl:double".to_string(),
            forbidden: self.forbidden,
            page_cap: self.page_cap,
            failing_writes: self.failing_writes,
            writes: std::sync::atomic::AtomicU64::new(0),
            address: address.clone(),
        });

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_io()
            .build()
            .map_err(|e| error("runtime", e))?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let acceptor =
            (!self.plain_http).then(|| tokio_rustls::TlsAcceptor::from(Arc::new(config)));
        let serving = state.clone();
        let thread = std::thread::Builder::new()
            .name("apiserver-double".into())
            .spawn(move || {
                runtime.block_on(async move {
                    // Outside a runtime the conversion cannot fail; if it did,
                    // clients would see the connection refused.
                    if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                        server::serve(listener, acceptor, serving, stopped).await;
                    }
                });
            })
            .map_err(|e| error("thread", e))?;

        let dir = tempfile::tempdir().map_err(|e| error("temp dir", e))?;
        let scheme = if self.plain_http { "http" } else { "https" };
        let server_url = format!("{scheme}://{address}");
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            tls::kubeconfig(
                &server_url,
                (!self.plain_http).then_some(certs.ca_pem.as_str()),
                &token,
                &self.context,
            ),
        )
        .map_err(|e| error("writing the kubeconfig", e))?;
        Ok(Double {
            server: server_url,
            token,
            context: self.context,
            ca_pem: certs.ca_pem,
            kubeconfig,
            dir,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A running double; stopped when dropped.
pub struct Double {
    server: String,
    token: String,
    context: String,
    ca_pem: String,
    kubeconfig: PathBuf,
    dir: tempfile::TempDir,
    state: Arc<server::State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Double {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `https://127.0.0.1:<port>` (`http://` with `plain_http`)
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The kubeconfig that reaches the double (its context is current).
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// A directory that lives as long as the double (kubectl's cache, …).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The bearer token the double accepts.
    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn context(&self) -> &str {
        &self.context
    }

    /// The CA that signed the server's certificate (PEM).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.log().clone()
    }

    pub fn clear_requests(&self) {
        self.state.log().clear();
    }

    /// The object store, to look at or change between requests.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.state.store())
    }

    /// Runs the real kubectl against the double, `stdin` piped in, with a
    /// HOME and cache of the double's own: (succeeded, stdout, stderr).
    /// `None`, with a notice on stderr, where kubectl is not installed, so
    /// that the honesty tests skip rather than fail there.
    #[allow(clippy::print_stderr)] // the notice that kubectl is absent
    pub fn kubectl(&self, args: &[&str], stdin: Option<&str>) -> Option<(bool, String, String)> {
        use std::io::Write;
        use std::process::{Command, Stdio};
        if !Path::new(KUBECTL).exists() {
            eprintln!("skipped: {KUBECTL} is not installed");
            return None;
        }
        let mut child = Command::new(KUBECTL)
            .env_clear()
            .env("HOME", self.dir())
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .arg("--cache-dir")
            .arg(self.dir().join("cache"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        let mut input = child.stdin.take().expect("kubectl's stdin");
        input
            .write_all(stdin.unwrap_or("").as_bytes())
            .expect("write kubectl's stdin");
        drop(input);
        let out = child.wait_with_output().expect("kubectl finishes");
        Some((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

/// The real kubectl the honesty tests drive (the machine image ships it).
pub const KUBECTL: &str = "/usr/bin/kubectl";

impl Drop for Double {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn random() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(std::process::id().into());
    h.finish()
}

fn manifest_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| error(&path.display().to_string(), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            manifest_files(&entry, out)?;
        }
    } else if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
    {
        out.push(path.to_path_buf());
    }
    Ok(())
}
