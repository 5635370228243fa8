//! `Status` bodies, as the API server writes them for every failure
//! (k8s.io/apimachinery pkg/api/errors).

use serde_json::{Value, json};

/// A failed request's answer: the HTTP code and the `Status` object.
#[derive(Clone, Debug)]
pub struct Failure {
    pub code: u16,
    pub body: Value,
}

fn status(code: u16, reason: &str, message: String, details: Value) -> Failure {
    Failure {
        code,
        body: json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": details,
            "code": code,
        }),
    }
}

/// A path no served group, version or resource answers.
pub fn not_found_path() -> Failure {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource".into(),
        json!({}),
    )
}

/// An object that does not exist: `pods "web" not found`.
pub fn not_found(group: &str, plural: &str, name: &str) -> Failure {
    let resource = qualified(group, plural);
    status(
        404,
        "NotFound",
        format!("{resource} \"{name}\" not found"),
        json!({"name": name, "group": group, "kind": plural}),
    )
}

/// A request without the bearer token the double was started with.
pub fn unauthorized() -> Failure {
    status(401, "Unauthorized", "Unauthorized".into(), json!({}))
}

/// A resource the double's user may not use.
pub fn forbidden(
    user: &str,
    verb: &str,
    group: &str,
    plural: &str,
    namespace: Option<&str>,
) -> Failure {
    let resource = qualified(group, plural);
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    status(
        403,
        "Forbidden",
        format!(
            "{resource} is forbidden: User \"{user}\" cannot {verb} resource \"{plural}\" \
             in API group \"{group}\" {scope}"
        ),
        json!({"group": group, "kind": plural}),
    )
}

pub fn bad_request(message: String) -> Failure {
    status(400, "BadRequest", message, json!({}))
}

pub fn method_not_allowed(method: &str) -> Failure {
    status(
        405,
        "MethodNotAllowed",
        format!("the server does not allow this method on the requested resource ({method})"),
        json!({}),
    )
}

/// `pods` in the core group, `networkpolicies.networking.k8s.io` elsewhere.
fn qualified(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}

/// A patch type the double does not serve (it serves server-side apply).
pub fn unsupported_media_type(media: &str) -> Failure {
    status(
        415,
        "UnsupportedMediaType",
        format!(
            "the body of the request was in an unknown format ({media}) - accepted media types include: {}",
            crate::write::APPLY_PATCH
        ),
        json!({}),
    )
}

/// 409 from server-side apply: the message and one cause per field
/// (apimachinery pkg/api/errors NewApplyConflict).
pub fn apply_conflict(message: String, causes: Vec<Value>) -> Failure {
    status(409, "Conflict", message, json!({"causes": causes}))
}

/// A failure injected into a write (`Builder::fail_write`).
pub fn internal_error(message: &str) -> Failure {
    status(
        500,
        "InternalError",
        format!("Internal error occurred: {message}"),
        json!({"causes": [{"message": message}]}),
    )
}
