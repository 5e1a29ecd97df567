// Enhancement only: every page is complete without this script.
// Adds the reader's own local time beside times shown in the site's zone,
// when the reader's zone differs from the site's.
(function () {
  "use strict";
  if (!window.Intl || !document.querySelectorAll) return;
  var readerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var siteZone = document.documentElement.getAttribute("data-timezone") || "UTC";
  var clock = { hour: "2-digit", minute: "2-digit", day: "numeric", month: "numeric" };
  var inSite, inReader;
  try {
    inSite = new Intl.DateTimeFormat("en", Object.assign({ timeZone: siteZone }, clock));
    inReader = new Intl.DateTimeFormat("en", clock);
  } catch (e) { return; }
  var full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var short = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  var nodes = document.querySelectorAll("time[data-local]");
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i];
    var when = new Date(node.getAttribute("datetime"));
    if (isNaN(when.getTime())) continue;
    node.title = "Your time: " + full.format(when) + " (" + readerZone + ")";
    if (node.getAttribute("data-local") === "date") continue;
    if (inSite.format(when) === inReader.format(when)) continue;
    var mine = short.format(when);
    var span = document.createElement("span");
    span.className = "local-time";
    span.textContent = " (" + mine + " your time)";
    node.parentNode.insertBefore(span, node.nextSibling);
  }
})();
