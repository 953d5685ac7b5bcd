"""Open a `dvc plots` page in headless Chromium with the network off, and say what it drew."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

# Runs first in <head>: records errors while the Vega scripts load, then, once the page has settled, writes into
# the DOM which plots drew something (a Vega <svg> with marks or a <canvas> with an opaque pixel; images that
# loaded) and which resources came from anywhere but the disk.
PROBE = """<script>
window.probeErrors = [];
const consoleError = console.error.bind(console);
console.error = (...args) => { probeErrors.push(args.map(String).join(" ")); consoleError(...args); };
addEventListener("error", event => probeErrors.push(String(event.message)));
addEventListener("unhandledrejection", event => probeErrors.push("unhandled rejection: " + String(event.reason)));
function drawn(div) {
  const images = [...div.querySelectorAll("img")];
  if (images.length) return images.every(image => image.complete && image.naturalWidth > 0);
  const marks = div.querySelector(".marks");  // what Vega draws into: an <svg> or a <canvas>
  if (!marks) return false;
  if (marks.tagName.toLowerCase() === "svg") return marks.querySelectorAll("path, rect, line, text").length > 0;
  if (!marks.width || !marks.height) return false;
  const pixels = marks.getContext("2d").getImageData(0, 0, marks.width, marks.height).data;
  for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha]) return true;
  return false;
}
addEventListener("load", () => setTimeout(() => {
  const plots = [...document.querySelectorAll("body > div[id]")].map(
    div => ({id: div.id, vega: !div.querySelector("img"), drawn: drawn(div)}));
  const remote = performance.getEntriesByType("resource").map(entry => entry.name)
    .filter(name => !/^(file|data|blob):/.test(name));
  const report = document.createElement("pre");
  report.id = "probe-report";
  report.textContent = JSON.stringify({plots, errors: probeErrors, remote});
  document.body.appendChild(report);
}, 20000));
</script>"""

REPORT = re.compile(r'<pre id="probe-report">(.*?)</pre>', re.S)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(index: Path, profile: Path) -> dict:
    """Open ``index`` (a copy with the probe, beside it so relative image paths hold) and return the probe's
    report: ``plots`` (id, vega, drawn), ``errors`` and ``remote`` resource URLs."""
    html = index.read_text(encoding="utf-8")
    probed = index.with_name("probed.html")
    probed.write_text(html.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    result = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
         "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # no network: every request fails
         "--virtual-time-budget=60000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=300)
    found = REPORT.search(result.stdout)
    if not found:
        raise AssertionError(f"the probe did not report; chromium said:\n{result.stderr[-2000:]}")
    return json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
