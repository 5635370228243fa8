//! One self-contained HTML page: the SVG drawing inline, the graph as JSON,
//! and a script for searching, filtering and showing an edge's details.
//! Nothing is fetched from the network, so the page works from a file and
//! offline.
//!
//! Filters can be given in the URL fragment (`#ns=myns&port=6379&q=front`,
//! also `w`, `proto`, `ext=0` and `sel` for a node or edge key), which is
//! how links to a view are shared and how the browser test drives it.

use serde_json::{Value, json};

use super::svg::{esc, legend_svg, render};
use super::{Drawing, caption};
use crate::sim::reach::{Conns, GraphNodeKind, Reach};

/// The interactive page.
pub fn html(reach: &Reach) -> String {
    page(&Drawing::new(reach))
}

pub(super) fn page(d: &Drawing) -> String {
    let svg = render(d, true);
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
        "<header><h1>{}</h1><span class=\"summary\">{}</span></header>\n",
        d.title(),
        esc(&summary)
    ));
    out.push_str(CONTROLS);
    out.push_str("<main>\n<div id=\"canvas\">\n");
    out.push_str(&svg);
    out.push_str("</div>\n");
    out.push_str(
        "<aside id=\"side\"><div id=\"details\"><h2>Details</h2>\
         <p class=\"hint\">Click a node or an edge. Scroll to zoom, drag to pan.</p></div>\n\
         <div class=\"legend\"><h2>Legend</h2>\n",
    );
    out.push_str(&legend_svg(d.styles()));
    out.push_str("</div></aside>\n");
    out.push_str("</main>\n<script type=\"application/json\" id=\"graph-data\">");
    out.push_str(&script_json(&data(d)));
    out.push_str("</script>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
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
  var svg = document.querySelector('#canvas svg');
  var byKey = {};
  data.nodes.forEach(function (n) { byKey[n.key] = n; n.out = []; n.in = []; });
  data.edges.forEach(function (e) {
    byKey[e.key] = e;
    e.ports = parseConns(e.conns);
    byKey[e.src].out.push(e);
    byKey[e.dst].in.push(e);
  });
  function els(selector) {
    var map = {};
    svg.querySelectorAll(selector).forEach(function (el) {
      var k = el.getAttribute('data-key');
      (map[k] = map[k] || []).push(el);
    });
    return map;
  }
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
    var touched = {}, shownEdges = 0, shownNodes = 0;
    data.edges.forEach(function (e) {
      var a = byKey[e.src], b = byKey[e.dst];
      e.visible = admit(a) && admit(b) && (inNs(a) || inNs(b)) && (!s.w || isW(a) || isW(b)) &&
        (!s.port || allows(e, s.port, s.proto));
      if (e.visible) { touched[a.key] = touched[b.key] = true; shownEdges++; }
      show(edgeEls[e.key], e.visible);
      show(labelEls[e.key], e.visible);
    });
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
    });
    selected = byKey[key] ? key : '';
    if (!selected) { if (controls.q.value.trim()) showMatches(); else hint(); return; }
    mark(nodeEls[key] || edgeEls[key], 'selected', true);
    if (key.charAt(0) === 'e') showEdge(byKey[key]); else showNode(byKey[key]);
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
  readHash();
  fit();
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
