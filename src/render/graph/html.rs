//! One self-contained HTML page: the SVG drawing inline, the graph as JSON,
//! and a script for searching, filtering and showing an edge's details.
//! Nothing is fetched from the network, so the page works from a file and
//! offline.
//!
//! Filters can be given in the URL fragment (`#ns=myns&port=6379&q=front`,
//! also `w`, `proto`, `ext=0` and `sel` for a node or edge key), which is
//! how links to a view are shared and how the browser test drives it.

use serde_json::{Value, json};

use super::svg::{Extras, draw, esc, legend_svg, render};
use petgraph::visit::EdgeRef;

use super::{Drawing, View, caption};
use crate::sim::reach::{Conns, GraphNodeKind};

/// Above this many workload edges (or workloads), the page holds the
/// namespace view and the matrix only: a drawing of every edge would be
/// hundreds of megabytes that no one reads, and the namespace view says
/// how to draw a part (`-n`, `--focus`).
const PAGE_EDGES: usize = 3_000;
const PAGE_WORKLOADS: usize = 400;
/// A namespace of up to this many workloads can be expanded in place, if
/// its drawing has at most `EXPAND_EDGES` edges; expansions stop once
/// their drawings hold `EXPANDED_EDGES` in all.
const EXPAND_WORKLOADS: usize = 120;
const EXPAND_EDGES: usize = 800;
const EXPANDED_EDGES: usize = 2_500;

/// The interactive page. For the workload view it opens at namespace
/// level: a click on a namespace expands it into its workloads, and a
/// namespace × namespace matrix shows large graphs at a glance.
pub fn html(view: &View) -> String {
    if view.is_grouped() {
        return page_with(&Drawing::of_view(view), None);
    }
    let namespaces = View::namespaces_of(&view.reach);
    let mut expansions = Vec::new();
    let mut budget = EXPANDED_EDGES;
    let ng = &namespaces.reach.graph;
    // Edges inside each namespace, which its expansion draws one by one:
    // one pass tells which expansions could not be drawn.
    let g = &view.reach.graph;
    let mut inside: std::collections::HashMap<&str, usize> = Default::default();
    for e in g.edge_references() {
        let (a, b) = (&g[e.source()].namespace, &g[e.target()].namespace);
        if let (Some(a), Some(b)) = (a, b)
            && a == b
        {
            *inside.entry(a.as_str()).or_default() += 1;
        }
    }
    for i in ng.node_indices() {
        if ng[i].is_external()
            || namespaces.members[i.index()] > EXPAND_WORKLOADS
            || inside.get(ng[i].id.as_str()).copied().unwrap_or(0) > EXPAND_EDGES
        {
            continue;
        }
        let expanded = View::expanded(&view.reach, &ng[i].id);
        let edges = expanded.reach.graph.edge_count();
        if edges > EXPAND_EDGES {
            continue;
        }
        let Some(left) = budget.checked_sub(edges) else {
            break;
        };
        budget = left;
        expansions.push((ng[i].id.clone(), expanded));
    }
    let levels = Levels {
        overview: &namespaces,
        expansions,
        matrix: matrix(view, &namespaces),
        workloads: view.reach.graph.edge_count() <= PAGE_EDGES
            && view.reach.graph.node_count() <= PAGE_WORKLOADS,
    };
    page_with(&Drawing::of_view(view), Some(&levels))
}

pub(super) fn page(d: &Drawing) -> String {
    page_with(d, None)
}

/// The namespace level of a workload page.
struct Levels<'v> {
    overview: &'v View,
    /// Per namespace: the drawing with its workloads in place.
    expansions: Vec<(String, View)>,
    matrix: String,
    /// Whether the page holds the workload drawing.
    workloads: bool,
}

/// The namespace × namespace matrix: per cell the connections every
/// workload pair has, shaded by the share of pairs with any connection.
fn matrix(workloads: &View, namespaces: &View) -> String {
    use std::collections::HashMap;
    use std::fmt::Write;
    let g = &workloads.reach.graph;
    let ng = &namespaces.reach.graph;
    let names: Vec<&str> = ng
        .node_indices()
        .filter(|&i| !ng[i].is_external())
        .map(|i| ng[i].id.as_str())
        .collect();
    let size: HashMap<&str, usize> = ng
        .node_indices()
        .map(|i| (ng[i].id.as_str(), namespaces.members[i.index()]))
        .collect();
    let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
    for e in g.edge_references() {
        let (s, d) = (&g[e.source()], &g[e.target()]);
        if let (Some(a), Some(b)) = (&s.namespace, &d.namespace) {
            *pairs.entry((a.as_str(), b.as_str())).or_default() += 1;
        }
    }
    let mut label: HashMap<(&str, &str), String> = HashMap::new();
    for e in ng.edge_references() {
        label.insert(
            (ng[e.source()].id.as_str(), ng[e.target()].id.as_str()),
            super::short_label(e.weight(), "pairs"),
        );
    }
    let mut out = String::from(
        "<table class=\"matrix\"><caption>From (rows) to (columns): what every workload \
         pair has; the shade is the share of pairs with any connection</caption>\n<tr><th></th>",
    );
    for n in &names {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(n));
    }
    out.push_str("</tr>\n");
    for a in &names {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", esc(a));
        for b in &names {
            let (m, n) = (size[a], size[b]);
            let total = if a == b {
                m * m.saturating_sub(1)
            } else {
                m * n
            };
            let have = pairs.get(&(*a, *b)).copied().unwrap_or(0);
            let share = if total == 0 {
                0.0
            } else {
                have as f64 / total as f64
            };
            let text = label.get(&(*a, *b)).map_or("", String::as_str);
            let _ = write!(
                out,
                "<td data-src=\"{}\" data-dst=\"{}\" style=\"background:rgba(31,95,168,{:.2})\" \
                 title=\"{} of {} workload pairs\"{}>{}</td>",
                esc(a),
                esc(b),
                0.08 + 0.6 * share,
                have,
                total,
                if share > 0.6 { " class=\"dark\"" } else { "" },
                esc(text)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

fn page_with(d: &Drawing, levels: Option<&Levels>) -> String {
    let with_workloads = levels.is_none_or(|l| l.workloads);
    let (svg, extras) = if with_workloads {
        draw(d, true)
    } else {
        (String::new(), Extras::default())
    };
    let summary = d.summary();
    let mut out = String::with_capacity(svg.len() * 2 + STYLE.len() + SCRIPT.len());
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    out.push_str(&format!(
        "<title>polctl graph: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&summary)
    ));
    out.push_str(&format!(
        "<header><h1>{}</h1><span class=\"summary\">{}</span>",
        d.title(),
        esc(&summary)
    ));
    if levels.is_some() {
        out.push_str(
            "<nav id=\"levels\"><button type=\"button\" data-level=\"ns\">Namespaces</button>\
             <button type=\"button\" data-level=\"w\">Workloads</button>\
             <button type=\"button\" data-level=\"matrix\">Matrix</button></nav>",
        );
    }
    out.push_str("</header>\n");
    out.push_str(CONTROLS);
    out.push_str("<main>\n<div id=\"canvas\">\n");
    if let Some(l) = levels {
        // The namespace drawing's elements are named apart from the
        // workload drawing's, which the filters address.
        let drawing = |v: &View| {
            render(&Drawing::of_view(v), true)
                .replace("<g class=\"node ", "<g class=\"group ")
                .replace("<g class=\"edge ", "<g class=\"group-edge ")
                .replace("<g class=\"edge-label\"", "<g class=\"group-label\"")
        };
        out.push_str("<div id=\"level-ns\" class=\"level\">\n");
        out.push_str(&drawing(l.overview));
        out.push_str("</div>\n");
        for (ns, v) in &l.expansions {
            out.push_str(&format!(
                "<div class=\"level expansion off\" data-ns=\"{}\">\n",
                esc(ns)
            ));
            out.push_str(&drawing(v));
            out.push_str("</div>\n");
        }
        out.push_str("<div id=\"level-matrix\" class=\"level off\">\n");
        out.push_str(&l.matrix);
        out.push_str("</div>\n");
        if !l.workloads {
            out.push_str(&format!(
                "<p id=\"level-w\" class=\"level hint off\">{} is too many to draw in a page \
                 ({PAGE_EDGES} edges or {PAGE_WORKLOADS} workloads at most): draw a part with \
                 <code>-n NAMESPACE</code> or <code>--focus WORKLOAD</code>.</p>\n",
                esc(&d.summary())
            ));
        }
    }
    if with_workloads {
        out.push_str(&format!(
            "<div id=\"level-w\" class=\"level{}\">\n",
            if levels.is_some() { " off" } else { "" }
        ));
        out.push_str(&svg);
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
    out.push_str(
        "<aside id=\"side\"><div id=\"details\"><h2>Details</h2>\
         <p class=\"hint\">Click a node or an edge. Scroll to zoom, drag to pan.</p></div>\n\
         <div class=\"legend\"><h2>Legend</h2>\n",
    );
    out.push_str(&legend_svg(d.styles(), extras));
    out.push_str("</div></aside>\n");
    out.push_str("</main>\n<script type=\"application/json\" id=\"graph-data\">");
    let data = if with_workloads {
        data(d)
    } else {
        json!({ "namespaces": [], "nodes": [], "edges": [] })
    };
    out.push_str(&script_json(&data));
    out.push_str("</script>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n");
    if levels.is_some() {
        out.push_str("<script>");
        out.push_str(LEVELS_SCRIPT);
        out.push_str("</script>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// What the script needs, keyed as the SVG elements are (`n<i>`, `e<i>`).
fn data(d: &Drawing) -> Value {
    let describe = |c: &Conns| -> Vec<String> { c.describe() };
    let nodes: Vec<Value> = d
        .nodes()
        .map(|i| {
            let n = d.node(i);
            let (title, sub) = caption(n);
            json!({
                "key": format!("n{}", i.index()),
                "id": n.id,
                "name": title,
                "kind": match &n.kind {
                    GraphNodeKind::Workload { kind } => kind.as_str(),
                    GraphNodeKind::External => "external",
                },
                "caption": sub,
                "external": n.is_external(),
                "side": if d.sources.contains(&i) {
                    "sources"
                } else if d.destinations.contains(&i) {
                    "destinations"
                } else {
                    ""
                },
                "namespace": n.namespace,
                "labels": n.labels,
                "pods": n.pods,
            })
        })
        .collect();
    let edges: Vec<Value> = d
        .edges()
        .map(|(e, s, t, w)| {
            json!({
                "key": format!("e{}", e.index()),
                "src": format!("n{}", s.index()),
                "dst": format!("n{}", t.index()),
                "conns": describe(&w.conns),
                "l7": describe(&w.l7),
                "auth": describe(&w.auth),
                "some": w.some.as_ref().map(describe),
                "policies": w.policies,
                "change": d.changes.and_then(|c| c.get(e.index())).map(|(_, label)| label),
            })
        })
        .collect();
    let namespaces: Vec<&str> = d.namespaces.iter().map(|(ns, _)| ns.as_str()).collect();
    json!({ "namespaces": namespaces, "nodes": nodes, "edges": edges })
}

/// JSON that cannot end its `<script>` element early: `<`, `>` and `&`
/// only occur inside strings, where `\u003c` and friends mean the same.
fn script_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

const CONTROLS: &str = r##"<form id="filters" autocomplete="off" onsubmit="return false">
<input id="q" type="search" placeholder="Search nodes, ports, policies" aria-label="Search">
<select id="ns" aria-label="Namespace"><option value="">All namespaces</option></select>
<input id="w" type="text" placeholder="Workload" aria-label="Workload">
<input id="port" type="number" min="1" max="65535" placeholder="Port" aria-label="Port">
<select id="proto" aria-label="Protocol"><option value="">Any protocol</option><option>TCP</option><option>UDP</option><option>SCTP</option></select>
<label><input id="ext" type="checkbox" checked> External ranges</label>
<button id="reset" type="button">Reset</button>
<button id="fit" type="button">Fit</button>
<span id="status" role="status"></span>
</form>
"##;

const STYLE: &str = r##"
*{box-sizing:border-box}
html,body{margin:0;height:100%;font:14px/1.4 Helvetica,Arial,sans-serif;color:#1d2939;background:#f8f9fb}
body{display:flex;flex-direction:column}
header{display:flex;align-items:baseline;gap:12px;padding:10px 16px 0}
header h1{font-size:18px;margin:0}
header .summary{color:#475467}
#filters{display:flex;flex-wrap:wrap;align-items:center;gap:8px;padding:8px 16px;border-bottom:1px solid #e4e7ec}
#filters input,#filters select,#filters button{font:inherit;padding:4px 8px;border:1px solid #d0d5dd;border-radius:6px;background:#fff}
#filters input[type=number]{width:7em}
#filters input[type=search]{width:17em}
#filters button{cursor:pointer}
#status{margin-left:auto;color:#475467}
main{flex:1;display:flex;min-height:0}
#canvas{flex:1;min-width:0;overflow:hidden;background:#fff;cursor:grab}
#canvas.panning{cursor:grabbing}
#canvas svg{width:100%;height:100%;display:block}
#canvas [hidden]{display:none}
#canvas .node,#canvas .edge{cursor:pointer}
#canvas .dim{opacity:.18}
#canvas .match rect{stroke:#f79009;stroke-width:3}
#canvas .selected rect{stroke:#e31b54;stroke-width:3}
#canvas .edge.selected path:not(.hit){stroke:#e31b54;stroke-width:3}
#canvas .edge:hover path:not(.hit){stroke-width:3}
#canvas svg.focus .edge:not(.selected),#canvas svg.focus .edge-label:not(.selected),
#canvas svg.focus .group-edge:not(.selected),#canvas svg.focus .group-label:not(.selected){opacity:.12}
#canvas .group.selected rect{stroke:#e31b54;stroke-width:3}
#canvas .group-edge.selected path:not(.hit){stroke-width:2.6}
#canvas .group{cursor:pointer}
#canvas .edge-label.selected text{font-size:12px}
#canvas{position:relative}
#canvas .level{width:100%;height:100%}
/* Hidden, not undisplayed: the legend's arrowheads are a drawing's markers. */
#canvas .level.off{position:absolute;top:0;left:0;visibility:hidden;pointer-events:none}
#levels{display:flex;gap:4px;margin-left:auto}
#levels button{font:inherit;padding:3px 10px;border:1px solid #d0d5dd;border-radius:6px;background:#fff;cursor:pointer}
#levels button.on{background:#1f5fa8;color:#fff;border-color:#1f5fa8}
body.at-ns #filters,body.at-matrix #filters{display:none}
#level-matrix{overflow:auto;padding:16px}
table.matrix{border-collapse:collapse;font-size:12px}
table.matrix caption{text-align:left;color:#475467;padding-bottom:8px}
table.matrix th{font-weight:600;padding:4px 8px;text-align:left;white-space:nowrap}
table.matrix td{border:1px solid #fff;padding:6px 8px;min-width:64px;color:#101828;white-space:nowrap}
table.matrix td.dark{color:#fff}
p.level.hint{padding:24px;color:#475467}
#side{width:320px;overflow:auto;padding:12px 16px;border-left:1px solid #e4e7ec;background:#fff;display:flex;flex-direction:column;gap:16px}
#side h2{font-size:15px;margin:0 0 8px}
#side .legend{margin-top:auto;border-top:1px solid #e4e7ec;padding-top:10px}
#details dl{margin:0}
#details dt{font-weight:bold;color:#475467;margin-top:8px}
#details dd{margin:2px 0 0;word-break:break-word}
#details ul{margin:2px 0;padding-left:18px}
#details a{color:#1f5fa8;cursor:pointer;text-decoration:underline}
#details .hint{color:#667085}
"##;

const SCRIPT: &str = r##"
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('graph-data').textContent);
  var svg = document.querySelector('#level-w svg');
  // Whether labels and nodes keep apart and stay in view, for tests:
  // `#check=1` writes the result to <body data-check>.
  window.polctlCheck = function () {
    var level = document.querySelector('#canvas .level:not(.off)') || document.getElementById('canvas');
    var view = document.getElementById('canvas').getBoundingClientRect();
    var boxes = [];
    level.querySelectorAll('g.node rect, g.group rect, g.edge-label text, g.group-label text').forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) {
        var g = el.closest('g');
        boxes.push({ key: (g.getAttribute('data-key') || '') + ' ' + (el.textContent || g.getAttribute('data-id') || ''), r: r });
      }
    });
    var overlaps = [], outside = [], slack = 0.5;
    boxes.forEach(function (a, i) {
      if (a.r.left < view.left - slack || a.r.top < view.top - slack ||
          a.r.right > view.right + slack || a.r.bottom > view.bottom + slack) outside.push(a.key);
      for (var j = i + 1; j < boxes.length; j++) {
        var b = boxes[j].r;
        if (a.r.left < b.right - slack && b.left < a.r.right - slack &&
            a.r.top < b.bottom - slack && b.top < a.r.bottom - slack) overlaps.push(a.key + ' / ' + boxes[j].key);
      }
    });
    var result = { boxes: boxes.length, overlaps: overlaps.slice(0, 10), outside: outside.slice(0, 10) };
    if (/(^#|&)check=1/.test(location.hash)) document.body.setAttribute('data-check', JSON.stringify(result));
    return result;
  };
  if (!svg) { window.polctlCheck(); return; }
  var byKey = {};
  data.nodes.forEach(function (n) { byKey[n.key] = n; n.out = []; n.in = []; });
  data.edges.forEach(function (e) {
    byKey[e.key] = e;
    e.ports = parseConns(e.conns);
    byKey[e.src].out.push(e);
    byKey[e.dst].in.push(e);
  });
  // A bundle's element stands for every edge in its data-edges.
  function els(selector) {
    var map = {};
    svg.querySelectorAll(selector).forEach(function (el) {
      (el.getAttribute('data-edges') || el.getAttribute('data-key')).split(' ').forEach(function (k) {
        (map[k] = map[k] || []).push(el);
      });
    });
    return map;
  }
  var markEls = Array.prototype.slice.call(svg.querySelectorAll('.connector circle[data-for]'));
  var nodeEls = els('g.node'), edgeEls = els('g.edge'), labelEls = els('g.edge-label');
  var nsEls = Array.prototype.slice.call(svg.querySelectorAll('.namespace, .namespace-title'));
  var sideEls = Array.prototype.slice.call(svg.querySelectorAll('.column-title'));
  var $ = function (id) { return document.getElementById(id); };
  var controls = { q: $('q'), ns: $('ns'), w: $('w'), port: $('port'), proto: $('proto'), ext: $('ext') };
  data.namespaces.forEach(function (ns) {
    var o = document.createElement('option');
    o.value = ns; o.textContent = ns || '(cluster-scoped)';
    controls.ns.appendChild(o);
  });
  var selected = '';

  // "all", or per protocol the port ranges: "TCP 80,8000-8080".
  function parseConns(list) {
    var out = { all: false, protos: {} };
    list.forEach(function (item) {
      if (item === 'all') { out.all = true; return; }
      var m = /^(TCP|UDP|SCTP) ([0-9,\-]+)$/.exec(item);
      if (!m) return;
      out.protos[m[1]] = m[2].split(',').map(function (r) {
        var p = r.split('-');
        return [Number(p[0]), Number(p.length > 1 ? p[1] : p[0])];
      });
    });
    return out;
  }
  function allows(e, port, proto) {
    if (e.ports.all) return true;
    return Object.keys(e.ports.protos).some(function (p) {
      return (!proto || p === proto) && e.ports.protos[p].some(function (r) {
        return r[0] <= port && port <= r[1];
      });
    });
  }
  function has(text, q) { return String(text).toLowerCase().indexOf(q) >= 0; }
  function nodeMatches(n, q) {
    if (has(n.id, q) || has(n.kind, q)) return true;
    return Object.keys(n.labels || {}).some(function (k) { return has(k + '=' + n.labels[k], q); });
  }
  function edgeMatches(e, q) {
    return e.conns.concat(e.policies).some(function (t) { return has(t, q); });
  }

  function state() {
    var port = parseInt(controls.port.value, 10);
    return {
      q: controls.q.value.trim().toLowerCase(),
      ns: controls.ns.value,
      w: controls.w.value.trim().toLowerCase(),
      port: port >= 1 && port <= 65535 ? port : 0,
      proto: controls.proto.value,
      ext: controls.ext.checked
    };
  }
  function show(list, on) {
    (list || []).forEach(function (el) {
      if (on) { el.removeAttribute('hidden'); el.style.display = ''; }
      else { el.setAttribute('hidden', ''); el.style.display = 'none'; }
    });
  }
  function mark(list, cls, on) {
    (list || []).forEach(function (el) { el.classList.toggle(cls, on); });
  }

  // The same rules as the command line: -n keeps a namespace's workloads
  // and the edges with an end there (with the nodes at their other ends);
  // the workload and port filters keep matching edges and then only the
  // nodes they touch.
  function apply() {
    var s = state();
    var admit = function (n) { return !n.external || s.ext; };
    var inNs = function (n) { return !s.ns || (!n.external && n.namespace === s.ns); };
    var isW = function (n) { return !!s.w && !n.external && has(n.id, s.w); };
    var narrowing = !!s.w || !!s.port;
    var touched = {}, shownEdges = 0, shownNodes = 0, lit = new Map();
    data.edges.forEach(function (e) {
      var a = byKey[e.src], b = byKey[e.dst];
      e.visible = admit(a) && admit(b) && (inNs(a) || inNs(b)) && (!s.w || isW(a) || isW(b)) &&
        (!s.port || allows(e, s.port, s.proto));
      if (e.visible) { touched[a.key] = touched[b.key] = true; shownEdges++; }
      // A bundle shows while any edge it stands for does.
      (edgeEls[e.key] || []).concat(labelEls[e.key] || []).forEach(function (el) {
        lit.set(el, lit.get(el) || e.visible);
      });
    });
    lit.forEach(function (on, el) { show([el], on); });
    var visibleNs = {}, visibleSide = {};
    data.nodes.forEach(function (n) {
      n.visible = admit(n) && (inNs(n) || !!touched[n.key]) &&
        (!narrowing || !!touched[n.key] || isW(n));
      if (n.visible) {
        shownNodes++;
        visibleNs[n.namespace || ''] = true;
        visibleSide[n.side] = true;
      }
      show(nodeEls[n.key], n.visible);
    });
    nsEls.forEach(function (el) { show([el], !!visibleNs[el.getAttribute('data-ns')]); });
    markEls.forEach(function (el) {
      var k = el.getAttribute('data-for');
      show([el], k.indexOf('ns:') === 0 ? !!visibleNs[k.slice(3)] : !!(byKey[k] && byKey[k].visible));
    });
    sideEls.forEach(function (el) { show([el], !!visibleSide[el.getAttribute('data-side')]); });
    // Search highlights what matches and dims the rest.
    data.nodes.forEach(function (n) {
      var hit = !!s.q && nodeMatches(n, s.q);
      n.hit = hit;
      mark(nodeEls[n.key], 'match', hit);
      mark(nodeEls[n.key], 'dim', !!s.q && !hit);
    });
    data.edges.forEach(function (e) {
      var hit = !!s.q && (edgeMatches(e, s.q) || byKey[e.src].hit || byKey[e.dst].hit);
      mark(edgeEls[e.key], 'dim', !!s.q && !hit);
      mark(labelEls[e.key], 'dim', !!s.q && !hit);
    });
    var status = $('status');
    status.setAttribute('data-nodes', shownNodes);
    status.setAttribute('data-edges', shownEdges);
    status.textContent = shownNodes + ' of ' + data.nodes.length + ' nodes, ' +
      shownEdges + ' of ' + data.edges.length + ' edges';
    if (!selected) { if (s.q) showMatches(); else hint(); }
  }

  function readHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ''));
    controls.q.value = p.get('q') || '';
    controls.ns.value = p.get('ns') || '';
    controls.w.value = p.get('w') || '';
    controls.port.value = p.get('port') || '';
    controls.proto.value = (p.get('proto') || '').toUpperCase();
    controls.ext.checked = p.get('ext') !== '0';
    apply();
    select(p.get('sel') || '');
  }
  function writeHash() {
    var s = state(), p = new URLSearchParams();
    if (s.ns) p.set('ns', s.ns);
    if (s.w) p.set('w', controls.w.value.trim());
    if (s.port) p.set('port', s.port);
    if (s.proto) p.set('proto', s.proto);
    if (!s.ext) p.set('ext', '0');
    if (s.q) p.set('q', controls.q.value.trim());
    if (selected) p.set('sel', selected);
    var text = p.toString();
    history.replaceState(null, '', text ? '#' + text : location.pathname + location.search);
  }

  // Details panel.
  var details = $('details');
  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function link(key, text) {
    var a = el('a', text);
    a.addEventListener('click', function () { select(key); writeHash(); });
    return a;
  }
  function list(items) {
    var ul = el('ul');
    items.forEach(function (i) { var li = el('li'); li.appendChild(i); ul.appendChild(li); });
    return ul;
  }
  function panel(title, rows) {
    details.textContent = '';
    details.appendChild(el('h2', title));
    var dl = el('dl');
    rows.forEach(function (r) {
      if (!r) return;
      dl.appendChild(el('dt', r[0]));
      var dd = el('dd');
      if (typeof r[1] === 'string') dd.textContent = r[1]; else dd.appendChild(r[1]);
      dl.appendChild(dd);
    });
    details.appendChild(dl);
  }
  function edgeLine(e, other) {
    var n = byKey[other];
    return link(e.key, n.id + ': ' + e.conns.join(', '));
  }
  function showEdge(e) {
    var a = byKey[e.src], b = byKey[e.dst];
    panel('Edge', [
      ['From', link(a.key, a.id)],
      ['To', link(b.key, b.id)],
      e.change ? ['Change', e.change] : null,
      ['Connections', e.conns.join(', ') || 'none'],
      e.l7.length ? ['Filtered by an L7 proxy', e.l7.join(', ')] : null,
      e.auth.length ? ['Requires mutual authentication', e.auth.join(', ')] : null,
      e.some ? ['Some pods only', e.some.join(', ')] : null,
      ['Policies', e.policies.length ? list(e.policies.map(function (p) { return el('span', p); }))
        : '(none: allowed by default)']
    ]);
  }
  function showNode(n) {
    var labels = Object.keys(n.labels || {}).map(function (k) { return el('span', k + '=' + n.labels[k]); });
    panel(n.external ? 'External range' : 'Workload', [
      ['Id', n.id],
      ['Kind', n.caption],
      n.namespace ? ['Namespace', n.namespace] : null,
      labels.length ? ['Labels', list(labels)] : null,
      ['Reaches (' + n.out.length + ')', n.out.length ? list(n.out.map(function (e) { return edgeLine(e, e.dst); })) : 'nothing'],
      ['Reached from (' + n.in.length + ')', n.in.length ? list(n.in.map(function (e) { return edgeLine(e, e.src); })) : 'nothing']
    ]);
  }
  function hint() {
    details.textContent = '';
    details.appendChild(el('h2', 'Details'));
    details.appendChild(el('p', 'Click a node or an edge. Scroll to zoom, drag to pan.')).className = 'hint';
  }
  function showMatches() {
    var hits = data.nodes.filter(function (n) { return n.hit; });
    panel('Search', [['Matching nodes (' + hits.length + ')',
      hits.length ? list(hits.map(function (n) { return link(n.key, n.id); })) : 'none']]);
  }
  function select(key) {
    Object.keys(nodeEls).concat(Object.keys(edgeEls)).forEach(function (k) {
      mark(nodeEls[k] || edgeEls[k], 'selected', false);
      mark(labelEls[k], 'selected', false);
    });
    svg.classList.remove('focus');
    selected = byKey[key] ? key : '';
    if (!selected) { if (controls.q.value.trim()) showMatches(); else hint(); return; }
    mark(nodeEls[key] || edgeEls[key], 'selected', true);
    var bundled = key.charAt(0) === 'e' && (edgeEls[key] || [])[0];
    var members = bundled ? (bundled.getAttribute('data-edges') || '').split(' ').filter(Boolean) : [];
    if (members.length > 1) {
      panel('Edges drawn as one (' + members.length + ')', [
        ['From', bundled.getAttribute('data-src').replace(/^namespace:/, 'every workload in ')],
        ['To', bundled.getAttribute('data-dst').replace(/^namespace:/, 'every workload in ')],
        ['Edges', list(members.map(function (k) {
          var e = byKey[k];
          return link(k, byKey[e.src].id + ' -> ' + byKey[e.dst].id + ': ' + e.conns.join(', '));
        }))]
      ]);
    } else if (key.charAt(0) === 'e') showEdge(byKey[key]); else {
      // A node's edges stand out; the others fade.
      byKey[key].out.concat(byKey[key].in).forEach(function (e) {
        mark(edgeEls[e.key], 'selected', true);
        mark(labelEls[e.key], 'selected', true);
      });
      svg.classList.add('focus');
      showNode(byKey[key]);
    }
  }
  svg.addEventListener('click', function (ev) {
    if (moved) return;
    var target = ev.target.closest('g.node, g.edge, g.edge-label');
    select(target ? target.getAttribute('data-key') : '');
    writeHash();
  });

  // Zoom and pan by changing the viewBox.
  var initial = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  var vb = initial.slice(), moved = false, drag = null;
  function setView() { svg.setAttribute('viewBox', vb.join(' ')); }
  function toSvg(ev) {
    var ctm = svg.getScreenCTM();
    if (!ctm) return { x: vb[0], y: vb[1] };
    var p = svg.createSVGPoint();
    p.x = ev.clientX; p.y = ev.clientY;
    return p.matrixTransform(ctm.inverse());
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var p = toSvg(ev), f = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    vb = [p.x - (p.x - vb[0]) * f, p.y - (p.y - vb[1]) * f, vb[2] * f, vb[3] * f];
    setView();
  }, { passive: false });
  svg.addEventListener('pointerdown', function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, vb: vb.slice() };
    moved = false;
  });
  window.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    var ctm = svg.getScreenCTM(), scale = ctm ? ctm.a : 1;
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; $('canvas').classList.add('panning'); }
    vb = [drag.vb[0] - dx / scale, drag.vb[1] - dy / scale, vb[2], vb[3]];
    if (moved) setView();
  });
  window.addEventListener('pointerup', function () {
    drag = null;
    $('canvas').classList.remove('panning');
    setTimeout(function () { moved = false; }, 0);
  });
  // Fits the view to what the filters leave (hidden elements take no
  // room in getBBox), never magnifying past 1.5 times.
  function fit() {
    var box = null;
    ['g.content'].forEach(function (sel) {
      var g = svg.querySelector(sel);
      if (!g) return;
      var b = g.getBBox(), m = g.transform.baseVal.consolidate();
      var dx = m ? m.matrix.e : 0, dy = m ? m.matrix.f : 0;
      if (!b.width && !b.height) return;
      var r = [b.x + dx, b.y + dy, b.x + dx + b.width, b.y + dy + b.height];
      box = box ? [Math.min(box[0], r[0]), Math.min(box[1], r[1]),
        Math.max(box[2], r[2]), Math.max(box[3], r[3])] : r;
    });
    if (!box) { vb = initial.slice(); setView(); return; }
    var pad = 24, w = box[2] - box[0] + 2 * pad, h = box[3] - box[1] + 2 * pad;
    var minW = (svg.clientWidth || w) / 1.5, minH = (svg.clientHeight || h) / 1.5;
    var cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
    w = Math.max(w, minW); h = Math.max(h, minH);
    vb = [cx - w / 2, cy - h / 2, w, h];
    setView();
  }
  $('fit').addEventListener('click', fit);

  ['q', 'ns', 'w', 'port', 'proto', 'ext'].forEach(function (k) {
    controls[k].addEventListener(k === 'ns' || k === 'proto' || k === 'ext' ? 'change' : 'input', function () {
      apply();
      if (k !== 'q') fit();
      writeHash();
    });
  });
  $('reset').addEventListener('click', function () {
    controls.q.value = controls.ns.value = controls.w.value = controls.port.value = controls.proto.value = '';
    controls.ext.checked = true;
    select('');
    apply();
    fit();
    writeHash();
  });
  window.addEventListener('hashchange', function () { readHash(); fit(); });
  window.polctlFit = fit;
  readHash();
  fit();
  if (!document.getElementById('levels')) window.polctlCheck();
})();
"##;

/// Namespace level, workload level and matrix: which one shows, and a
/// click on a namespace expands it into its workloads.
const LEVELS_SCRIPT: &str = r##"
(function () {
  'use strict';
  var filterKeys = ['ns', 'w', 'port', 'proto', 'q', 'sel', 'ext'];
  var all = Array.prototype.slice.call(document.querySelectorAll('#canvas .level'));
  // `ns`, `w`, `matrix`, or a namespace expanded (`expand=NS`).
  function show(level, ns) {
    var shown = null;
    all.forEach(function (el) {
      var on = level === 'expand' ? el.classList.contains('expansion') && el.getAttribute('data-ns') === ns
        : el.id === 'level-' + level;
      el.classList.toggle('off', !on);
      if (on) shown = el;
    });
    if (!shown) { level = 'ns'; document.getElementById('level-ns').classList.remove('off'); }
    document.querySelectorAll('#levels button').forEach(function (b) {
      b.classList.toggle('on', b.getAttribute('data-level') === (level === 'expand' ? 'ns' : level));
    });
    document.body.className = 'at-' + (level === 'w' ? 'w' : 'ns');
    if (level === 'w' && window.polctlFit) window.polctlFit();
  }
  function fromHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ''));
    if (p.has('expand')) return show('expand', p.get('expand'));
    var level = p.get('view');
    if (level !== 'ns' && level !== 'w' && level !== 'matrix') {
      level = filterKeys.some(function (k) { return p.has(k); }) ? 'w' : 'ns';
    }
    show(level);
  }
  document.querySelectorAll('#levels button').forEach(function (b) {
    b.addEventListener('click', function () {
      var level = b.getAttribute('data-level');
      location.hash = level === 'w' ? '' : 'view=' + level;
      show(level);
    });
  });
  // In a namespace drawing a click on a namespace expands it; a click on
  // a workload or a range makes its edges stand out.
  all.forEach(function (level) {
    var svg = level.querySelector('svg');
    if (!svg || level.id === 'level-w') return;
    svg.addEventListener('click', function (ev) {
      var node = ev.target.closest('g.group');
      svg.querySelectorAll('.selected').forEach(function (el) { el.classList.remove('selected'); });
      svg.classList.remove('focus');
      if (!node) return;
      var id = node.getAttribute('data-id'), ns = node.getAttribute('data-ns');
      if (!node.classList.contains('external') && id === ns) {
        location.hash = 'expand=' + encodeURIComponent(id);
        return;
      }
      var key = node.getAttribute('data-ref');
      node.classList.add('selected');
      svg.querySelectorAll('g.group-edge').forEach(function (e) {
        if (e.getAttribute('data-src') !== key && e.getAttribute('data-dst') !== key) return;
        e.classList.add('selected');
        var label = svg.querySelector('g.group-label[data-key="' + e.getAttribute('data-key') + '"]');
        if (label) label.classList.add('selected');
      });
      svg.classList.add('focus');
    });
  });
  document.querySelectorAll('#level-matrix td').forEach(function (td) {
    td.addEventListener('click', function () {
      location.hash = 'expand=' + encodeURIComponent(td.getAttribute('data-src'));
    });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
  window.polctlCheck();
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_cannot_close_the_script() {
        let text = script_json(&json!({ "id": "</script><!--&" }));
        assert!(!text.contains('<'));
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back["id"], "</script><!--&");
    }
}
