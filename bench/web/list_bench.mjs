#!/usr/bin/env node
// Benchmark (not a test): the officer's list page with N concerns in the
// store (default 10,000), interactive within 1 s in Debian's chromium; and
// the bundle's size gzipped (target <= 150 KB). Prints a Markdown block for
// bench/RESULTS.md. Floors from the same run: the neutral page (the same
// stylesheet, no script, no data) and the page's API calls fetched bare.
//   node bench/web/list_bench.mjs [concerns] [runs]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { DESKTOP, DIST, launchBrowser, now, startSidecar, startUi, TECH } from "../../tests/web/harness.mjs";

const CONCERNS = Number(process.argv[2] ?? 10000);
const RUNS = Number(process.argv[3] ?? 7);
const PARALLEL = 8;

async function seed(sidecar) {
  let next = 0;
  const started = Date.now();
  async function worker() {
    while (next < CONCERNS) {
      const i = next++;
      const p = await sidecar.call("POST", "/v1/tickets/closed", { as: "observer", body: {
        host_ticket_id: `B-${i}`, unit_id: `unit-${i}`, work_type: "REP", entered_dwelling: true, technician_id: TECH, closed_at: now() } });
      const r = await sidecar.call("POST", "/v1/submissions", { as: "observer", body: {
        prompt_token: p.body.prompt_token, idempotency_key: `bench-key-${i}`, signals: ["mc.home.holes_in_walls_or_doors"],
        observations: "", children_involved: i % 3 ? "unknown" : "yes", acute: i % 50 === 0 } });
      if (r.status !== 201) throw new Error("seed failed: " + JSON.stringify(r));
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return (Date.now() - started) / 1000;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Milliseconds from navigation start until the list's rows are rendered and a row's link takes focus. */
async function listInteractive(browser, ui) {
  const context = await browser.newContext({ ...DESKTOP, storageState: ui.storageState });
  const page = await context.newPage();
  await page.goto(`${ui.url}/ui/index.html`, { waitUntil: "commit" });
  await page.locator("tr[data-concern] a").first().focus();
  const ms = await page.evaluate(() => performance.now());
  await context.close();
  return ms;
}

async function neutralPage(browser, ui) {
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  await page.goto(`${ui.url}/ui/neutral.html`, { waitUntil: "load" });
  const ms = await page.evaluate(() => performance.now());
  await context.close();
  return ms;
}

async function bareFirstPage(sidecar) {
  const t = performance.now();
  await sidecar.call("GET", "/v1/workflow?locale=nl");
  await sidecar.call("GET", "/v1/concerns?sort=priority&limit=100");
  await sidecar.call("GET", "/v1/steps/due");
  return performance.now() - t;
}

function gzipped(files) {
  return files.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(path.join(DIST, f)), { level: 9 }).length, 0);
}

/** What a page loads: its HTML, the assets it names, and the chunks they import. */
function pageFiles(html) {
  const files = new Set([html]);
  const queue = [...fs.readFileSync(path.join(DIST, html), "utf8").matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => m[1]);
  while (queue.length) {
    const f = queue.shift();
    if (files.has(f)) continue;
    files.add(f);
    if (f.endsWith(".js")) {
      for (const m of fs.readFileSync(path.join(DIST, f), "utf8").matchAll(/from"\.\/([^"]+)"|import"\.\/([^"]+)"/g)) queue.push("assets/" + (m[1] ?? m[2]));
    }
  }
  return [...files];
}

const sidecar = await startSidecar();
const ui = await startUi(sidecar);
const browser = await launchBrowser();
try {
  const seconds = await seed(sidecar);
  await listInteractive(browser, ui); // warm: the plugin's caches, the browser's compile
  const list = [], neutral = [], bare = [];
  for (let i = 0; i < RUNS; i++) {
    list.push(await listInteractive(browser, ui));
    neutral.push(await neutralPage(browser, ui));
    bare.push(await bareFirstPage(sidecar));
  }
  const all = fs.readdirSync(path.join(DIST, "assets")).map((f) => "assets/" + f);
  const rows = {
    workbench: gzipped(pageFiles("index.html")),
    capture: gzipped(pageFiles("capture.html")),
    all: gzipped(all),
  };
  const cpu = os.cpus()[0]?.model ?? "unknown";
  const load = os.loadavg().map((x) => x.toFixed(1)).join(", ");
  console.log(`### Web UI: the officer's list with ${CONCERNS} concerns (${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.cpus().length} cores)

Seeded in ${seconds.toFixed(0)} s through the API; load average ${load} (other builds share the cores). ${RUNS} runs, median, in Debian's chromium (headless):

| what | ms | ratio to floor |
| --- | ---: | ---: |
| list page interactive (navigation start to a row's link focused) | ${median(list).toFixed(0)} | ${(median(list) / median(neutral)).toFixed(1)}x the neutral page |
| floor: the neutral page (same stylesheet, no script) loaded | ${median(neutral).toFixed(0)} | 1.0x |
| floor: the page's API calls fetched bare (workflow, the first 100 by priority, the reminders; no browser) | ${median(bare).toFixed(0)} | |

Bundle, gzipped (level 9): the workbench loads ${(rows.workbench / 1024).toFixed(1)} KB, the capture page ${(rows.capture / 1024).toFixed(1)} KB, all assets together ${(rows.all / 1024).toFixed(1)} KB (target <= 150 KB).`);
} finally {
  await browser.close();
  await ui.stop();
  await sidecar.stop();
}
