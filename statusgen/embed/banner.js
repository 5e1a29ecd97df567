/* statusgen in-app banner; see docs/embed.md. Use: <script src="https://STATUS-HOST/embed/banner.js" async></script> */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.URL) return;
  var root = new URL("../", script.src);
  var api = new URL("api/v2/summary.json", root).href;
  var only = (script.getAttribute("data-components") || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  var KEY = "statusgen-banner-dismissed:" + root.href;
  var COLOURS = { critical: "#b3261e", major: "#b3261e", minor: "#8a5a00", maintenance: "#0a58ca" };
  var LABELS = { critical: "Major outage", major: "Outage", minor: "Degraded service", maintenance: "Maintenance in progress" };
  var host = null;
  var signature = "";

  function stored() { try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function store(value) { try { localStorage.setItem(KEY, value); } catch (e) { /* private mode */ } }
  function safeLink(href) {
    try { var u = new URL(href, root); return u.protocol === "https:" || u.protocol === "http:" ? u.href : root.href; }
    catch (e) { return root.href; }
  }
  function el(tag, css, text) {
    var node = document.createElement(tag);
    for (var k in css) node.style[k] = css[k];
    if (text) node.textContent = text;
    return node;
  }
  function relevant(item) {
    if (!only.length) return true;
    return (item.components || []).some(function (c) { return only.indexOf(c.id) !== -1; });
  }
  function remove() { if (host && host.parentNode) host.parentNode.removeChild(host); host = null; }

  function show(items) {
    remove();
    var first = items[0];
    var impact = first.impact in COLOURS ? first.impact : "minor";
    host = el("div", {});
    host.setAttribute("data-statusgen-banner", "");
    var mount = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var bar = el("div", {
      background: COLOURS[impact], color: "#fff", font: "14px/1.4 system-ui, sans-serif",
      padding: "8px 12px", display: "flex", gap: "12px", alignItems: "center", flexWrap: "wrap"
    });
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", "Service status");
    var text = el("p", { margin: "0", flex: "1 1 16em" });
    text.appendChild(el("strong", {}, LABELS[impact] + ": "));
    text.appendChild(document.createTextNode(first.name));
    var names = [];
    items.forEach(function (item) {
      (item.components || []).forEach(function (c) { if (names.indexOf(c.name) === -1) names.push(c.name); });
    });
    if (names.length) text.appendChild(document.createTextNode(" (affecting " + names.join(", ") + ")"));
    if (items.length > 1) text.appendChild(document.createTextNode(" and " + (items.length - 1) + " more"));
    var link = el("a", { color: "#fff", fontWeight: "bold" }, "View status");
    link.href = safeLink(items.length > 1 ? root.href : first.shortlink);
    var close = el("button", {
      background: "transparent", color: "#fff", border: "1px solid #fff", borderRadius: "4px",
      font: "inherit", padding: "2px 10px", cursor: "pointer"
    }, "Dismiss");
    close.type = "button";
    close.addEventListener("click", function () { store(signature); remove(); });
    bar.appendChild(text);
    bar.appendChild(link);
    bar.appendChild(close);
    mount.appendChild(bar);
    document.body.insertBefore(host, document.body.firstChild);
  }

  function update(summary) {
    var items = (summary.incidents || []).filter(function (i) { return i.status !== "resolved"; });
    (summary.scheduled_maintenances || []).forEach(function (m) {
      if (m.status === "in_progress" || m.status === "verifying") items.push(m);
    });
    items = items.filter(relevant);
    var rank = { critical: 0, major: 1, minor: 2, none: 3, maintenance: 4 };
    items.sort(function (a, b) { return (rank[a.impact] || 3) - (rank[b.impact] || 3); });
    signature = items.map(function (i) { return i.id; }).sort().join(",");
    if (!items.length || signature === stored()) { remove(); return; }
    if (!host || host.getAttribute("data-signature") !== signature) { show(items); host.setAttribute("data-signature", signature); }
  }

  function check() {
    fetch(api, { cache: "no-store", credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(update)
      .catch(function () { /* the status page is unreachable: say nothing rather than something wrong */ });
  }

  function start() {
    check();
    setInterval(check, 60000);
    window.addEventListener("focus", check);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) check(); });
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
