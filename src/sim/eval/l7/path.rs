//! The request path as Envoy hands it to the policy filter: Cilium's
//! normalisation settings applied.

use std::fmt::Write as _;

/// Envoy's path handling with Cilium's settings (xds_server.go:
/// NormalizePath, MergeSlashes, UNESCAPE_AND_REDIRECT;
/// conn_manager_utility.cc `maybeNormalizePath`).
/// Ok: the `:path` the filter sees and a note if it changed; Err: why and
/// the HTTP status the client gets.
pub(super) fn envoy_path(raw: &str, grpc: bool) -> Result<(String, Option<String>), (String, u16)> {
    if raw.contains('#') {
        return Err((
            format!("Envoy rejects the request target `{raw}`: it holds a #fragment"),
            400,
        ));
    }
    if !raw.starts_with('/') {
        return Err((
            format!("Envoy only serves request targets starting with `/`, not `{raw}`"),
            404,
        ));
    }
    let (path, query) = match raw.find('?') {
        Some(q) => (&raw[..q], &raw[q..]),
        None => (raw, ""),
    };
    let (unescaped, had_escaped_slash) = unescape_slashes(path);
    if had_escaped_slash && grpc {
        return Err((
            format!(
                "the path `{raw}` holds an escaped slash, which Envoy unescapes with a redirect gRPC cannot follow"
            ),
            400,
        ));
    }
    let Some(canonical) = canonical_path(&unescaped) else {
        return Err((
            format!("Envoy cannot normalise the path `{raw}` (it holds a NUL)"),
            400,
        ));
    };
    let merged = merge_slashes(&canonical);
    let out = format!("{merged}{query}");
    let note = if out == raw {
        None
    } else if had_escaped_slash {
        Some(format!(
            "Envoy normalises the path `{raw}` to `{out}`, answering 307 first: the redirected request is the one checked"
        ))
    } else {
        Some(format!("Envoy normalises the path `{raw}` to `{out}`"))
    };
    Ok((out, note))
}

/// `%2F`/`%5C` (any case) → `/`/`\` (PathUtil::unescapeSlashes).
pub(super) fn unescape_slashes(path: &str) -> (String, bool) {
    let b = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut found = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let code = [b[i + 1].to_ascii_uppercase(), b[i + 2].to_ascii_uppercase()];
            let rep = match &code {
                b"2F" => Some('/'),
                b"5C" => Some('\\'),
                _ => None,
            };
            if let Some(c) = rep {
                out.push(c);
                found = true;
                i += 3;
                continue;
            }
        }
        // Copy one whole UTF-8 character.
        let len = utf8_len(b[i]);
        let end = (i + len).min(b.len());
        out.push_str(path.get(i..end).unwrap_or(""));
        i = end;
    }
    (out, found)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn is_slash(c: u8) -> bool {
    c == b'/' || c == b'\\'
}

/// `.` or `%2e`: its length at `i`.
fn dot_len(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'.' => Some(1),
        b'%' if b.get(i + 1) == Some(&b'2') && matches!(b.get(i + 2), Some(b'e' | b'E')) => Some(3),
        _ => None,
    }
}

enum Dot {
    NotDir,
    Current(usize),
    Up(usize),
}

/// What a dot after a slash means, and how much more input it consumes.
fn classify_after_dot(b: &[u8], after: usize) -> Dot {
    if after == b.len() {
        return Dot::Current(0);
    }
    if is_slash(b[after]) {
        return Dot::Current(1);
    }
    if let Some(d) = dot_len(b, after) {
        let a2 = after + d;
        if a2 == b.len() {
            return Dot::Up(d);
        }
        if is_slash(b[a2]) {
            return Dot::Up(d + 1);
        }
    }
    Dot::NotDir
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Envoy's RFC 3986 path canonicalisation (source/common/chromium_url/
/// url_canon_path.cc): dot segments resolved (`%2e` counts as a dot), `\`
/// becomes `/`, escapes of unreserved characters decoded, other valid
/// escapes kept as written, characters that must be escaped are. `None`:
/// invalid (a NUL), Envoy answers 400.
pub(super) fn canonical_path(p: &str) -> Option<String> {
    let b = p.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len() + 1);
    if b.first().is_none_or(|c| !is_slash(*c)) {
        out.push(b'/');
    }
    let mut ok = true;
    let mut i = 0;
    while i < b.len() {
        if let Some(dl) = dot_len(b, i) {
            if out.last() == Some(&b'/') {
                match classify_after_dot(b, i + dl) {
                    Dot::NotDir => {
                        out.push(b'.');
                        i += dl;
                    }
                    Dot::Current(n) => i += dl + n,
                    Dot::Up(n) => {
                        back_up_to_previous_slash(&mut out);
                        i += dl + n;
                    }
                }
            } else {
                out.push(b'.');
                i += dl;
            }
            continue;
        }
        let c = b[i];
        match c {
            b'\\' => out.push(b'/'),
            b'%' => match (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                (Some(h), Some(l)) => {
                    let v = h * 16 + l;
                    if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'_' | b'~') {
                        out.push(v);
                    } else {
                        out.extend_from_slice(&b[i..i + 3]);
                        if v == 0 {
                            ok = false;
                        }
                    }
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            0 => {
                out.extend_from_slice(b"%00");
                ok = false;
            }
            c if !(0x20..0x7f).contains(&c)
                || matches!(
                    c,
                    b' ' | b'"' | b'#' | b'<' | b'>' | b'`' | b'{' | b'|' | b'}' | b'^'
                ) =>
            {
                let _ = write!(Hex(&mut out), "%{c:02X}");
            }
            c => out.push(c),
        }
        i += 1;
    }
    ok.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// `write!` into a byte buffer.
struct Hex<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Hex<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn back_up_to_previous_slash(out: &mut Vec<u8>) {
    if out.len() <= 1 {
        return;
    }
    let mut i = out.len() - 2;
    while i > 0 && out[i] != b'/' {
        i -= 1;
    }
    out.truncate(i + 1);
}

/// PathTransformer::mergeSlashes.
pub(super) fn merge_slashes(path: &str) -> String {
    if !path.contains("//") {
        return path.to_string();
    }
    let prefix = if path.starts_with('/') { "/" } else { "" };
    let suffix = if path.ends_with('/') { "/" } else { "" };
    let body: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    format!("{prefix}{}{suffix}", body.join("/"))
}
