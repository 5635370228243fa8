//! The listener: TLS (unless serving plain HTTP), the bearer token, the
//! request log, then the router.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request as HttpRequest, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::Request;
use crate::router::{self, Call, Query, Target};
use crate::status::{self, Failure};
use crate::store::Store;

/// What every connection shares.
pub struct State {
    pub store: Mutex<Store>,
    pub log: Mutex<Vec<Request>>,
    pub token: String,
    /// Every request is let in, with or without the token (a proxy).
    pub anonymous: bool,
    /// The user the token stands for, as a Forbidden message names it.
    pub user: String,
    /// (group, plural) the user may not touch.
    pub forbidden: Vec<(String, String)>,
    /// The most a LIST page holds, whatever `limit` asks (a server may
    /// return fewer items than asked for).
    pub page_cap: Option<usize>,
    /// `host:port` clients reach the double at.
    pub address: String,
    /// Which persisting writes (1-based) answer 500.
    pub failing_writes: Vec<u64>,
    /// Persisting writes so far.
    pub writes: AtomicU64,
}

impl State {
    pub fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn log(&self) -> std::sync::MutexGuard<'_, Vec<Request>> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    state: Arc<State>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((tcp, _)) = accepted else { continue };
        let acceptor = acceptor.clone();
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, req).await) }
            });
            // A client that hangs up mid-request is its own business.
            match acceptor {
                Some(acceptor) => {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                }
                None => {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                }
            }
        });
    }
}

async fn handle(state: &State, req: HttpRequest<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let header = |name: hyper::header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let content_type = header(hyper::header::CONTENT_TYPE);
    let authorization = header(hyper::header::AUTHORIZATION);
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return respond(Err(status::bad_request(format!("reading the body: {e}")))),
    };
    let write = matches!(method.as_str(), "PATCH" | "DELETE" | "POST" | "PUT");
    state.log().push(Request {
        method: method.clone(),
        path: path.clone(),
        query: raw_query.clone(),
        content_type: content_type.clone(),
        body: write.then(|| String::from_utf8_lossy(&body).into_owned()),
        authorization: authorization.is_some(),
    });
    if !state.anonymous && authorization.as_deref() != Some(&format!("Bearer {}", state.token)) {
        return respond(Err(status::unauthorized()));
    }
    let mut query = Query::parse(&raw_query);
    if let (Some(cap), Some(limit)) = (state.page_cap, query.get("limit")) {
        let capped = limit
            .parse::<usize>()
            .map_or(cap, |l| if l == 0 { cap } else { l.min(cap) });
        query.set("limit", capped.to_string());
    }
    let mut store = state.store();
    let answer = router::resolve(&store, &path, &state.address).and_then(|target| {
        forbid(state, &store, &method, &target)?;
        if write && query.get("dryRun").is_none_or(str::is_empty) {
            let n = state.writes.fetch_add(1, Ordering::SeqCst) + 1;
            if state.failing_writes.contains(&n) {
                return Err(status::internal_error(&format!(
                    "write {n} failed: the double was told to fail it"
                )));
            }
        }
        let call = Call {
            method: &method,
            target,
            query,
            content_type: content_type.as_deref(),
            body,
        };
        router::route(&mut store, &call)
    });
    respond(answer)
}

fn forbid(state: &State, store: &Store, method: &str, target: &Target) -> Result<(), Failure> {
    let (Target::Collection {
        resource,
        namespace,
    }
    | Target::Object {
        resource,
        namespace,
        ..
    }) = target
    else {
        return Ok(());
    };
    let r = &store.resources[*resource];
    if state
        .forbidden
        .iter()
        .any(|(g, p)| g == r.group && p == r.plural)
    {
        return Err(status::forbidden(
            &state.user,
            router::verb(method, target),
            r.group,
            r.plural,
            namespace.as_deref(),
        ));
    }
    Ok(())
}

fn respond(answer: Result<(u16, Value), Failure>) -> Response<Full<Bytes>> {
    let (code, body) = match answer {
        Ok(ok) => ok,
        Err(failure) => (failure.code, failure.body),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    Response::builder()
        .status(code)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(bytes)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
