// docs/embedding.md's <meldcode-capture> block, run as written in a host's
// own page: the element renders the form, sends, and hands the receipt over.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { test } from "node:test";
import { DIST, PHONE, ROOT, launchBrowser, prompt, stack, startSidecar } from "./harness.mjs";

const s = stack();

/** The host's page: the element's module and styles as docs/embedding.md says, then `script`. */
function hostPage(script) {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, "manifest.json"), "utf8"));
  return `<!doctype html><html lang="nl"><head><title>Werkorders</title>
    <link rel="stylesheet" href="/ui/${manifest.styles}"></head><body class="utrecht-theme">
    <main id="meldcode"></main>
    <script type="module">
      import "/ui/${manifest["capture-element"]}";
      ${script}
    </script></body></html>`;
}

/** The host's own web server on another origin (a real one: Chromium lets only a page that
 *  came from the loopback call the loopback): its page, and the element's files from the
 *  sidecar as a host's proxy or build would serve them. */
async function hostServer(sidecarUrl) {
  const host = { page: "" };
  const server = http.createServer(async (req, res) => {
    if (req.url === "/host/app.html") {
      res.writeHead(200, { "Content-Type": "text/html" }).end(host.page);
    } else if (req.url.startsWith("/ui/")) {
      const r = await fetch(sidecarUrl() + req.url);
      res.writeHead(r.status, { "Content-Type": r.headers.get("content-type") ?? "text/plain" });
      res.end(Buffer.from(await r.arrayBuffer()));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  host.url = `http://127.0.0.1:${server.address().port}`;
  host.close = () => new Promise((resolve) => server.close(resolve));
  return host;
}

/** "Ja", a category, a signal, send: the receipts the host's page kept. */
async function sendAConcern(page) {
  await page.getByRole("button", { name: "Ja", exact: true }).tap();
  await page.locator("[data-category]").first().tap();
  await page.locator("[data-group=signals]").first().tap();
  await page.getByRole("button", { name: "Versturen" }).tap();
  await page.locator(".mc-received").waitFor();
  return page.evaluate(() => window.receipts);
}

function docBlock() {
  const doc = fs.readFileSync(path.join(ROOT, "docs/embedding.md"), "utf8");
  return /```js checked-by=tests\/web\/embed_test\.mjs\n([\s\S]*?)```/.exec(doc)[1];
}

test("docs/embedding.md: <meldcode-capture> in a host's page sends and hands over the receipt", async () => {
  const p = await prompt(s.sidecar, 1);
  const host = hostPage(`
      const promptToken = ${JSON.stringify(p.prompt_token)};
      window.receipts = [];
      const keepWithTechnician = (ref) => window.receipts.push(ref);
      ${docBlock()}`);
  const context = await s.browser.newContext(PHONE);
  const page = await context.newPage();
  await page.route(`${s.ui.url}/host/app.html`, (route) => route.fulfill({ contentType: "text/html", body: host }));
  await page.goto(`${s.ui.url}/host/app.html`);
  const receipts = await sendAConcern(page);
  assert.equal(receipts.length, 1);
  assert.match(receipts[0], /^s_/);
  await page.keyboard.press("Escape");
  await page.locator("meldcode-capture").waitFor({ state: "detached" });
  assert.equal(await page.title(), "Werkorders", "the host's page stays; only the form is gone");
  await context.close();
});

test("with api-base, a host app on another origin sends through CORS, and only to the capture routes", async () => {
  let sidecar;
  const host = await hostServer(() => sidecar.url);
  const allowed = host.url; // the host app's origin; the sidecar is on another port
  sidecar = await startSidecar({ ui: { dir: DIST, capture_element_origins: [allowed] } });
  const browser = await launchBrowser();
  try {
    const p = await prompt(sidecar, 2);
    host.page = hostPage(`
      window.receipts = [];
      const capture = document.createElement("meldcode-capture");
      capture.setAttribute("api-base", ${JSON.stringify(sidecar.url)});
      capture.token = ${JSON.stringify(p.prompt_token)};
      capture.addEventListener("meldcode-sent", (e) => window.receipts.push(e.detail));
      document.querySelector("#meldcode").append(capture);
      // Any other route stays closed to the host's page, whatever it sends.
      window.other = fetch(${JSON.stringify(sidecar.url + "/v1/concerns")}, {
        headers: { Authorization: "Prompt " + capture.token } }).then((r) => r.status, (e) => "refused");`);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${allowed}/host/app.html`);
    const receipts = await sendAConcern(page);
    assert.equal(receipts.length, 1);
    const status = await sidecar.call("GET", `/v1/submissions/${receipts[0]}`, { as: "observer" });
    assert.equal(status.status, 200, "the submission was stored");
    assert.equal(await page.evaluate(() => window.other), "refused");
    await context.close();

    // What the browser did, spelled out: a preflight from another origin is refused, with no
    // header that would let the browser go on, and no failed sign-in is counted for it.
    const preflight = (origin, route) => fetch(sidecar.url + route, { method: "OPTIONS", headers: {
      Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization" } });
    const ok = await preflight(allowed, "/v1/submissions");
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), allowed);
    assert.equal(ok.headers.get("access-control-allow-credentials"), null, "never with cookies");
    for (const [origin, route] of [["https://elders.example", "/v1/submissions"], [allowed, "/v1/concerns"]]) {
      const refused = await preflight(origin, route);
      assert.equal(refused.status, 403, `${origin} ${route}`);
      assert.equal(refused.headers.get("access-control-allow-origin"), null);
    }
    const metrics = await (await fetch(sidecar.url + "/metrics")).text();
    assert.match(metrics, /meldcoded_auth_failures_total\{reason="missing_token"\} 0/);
  } finally {
    await browser.close();
    await sidecar.stop();
    await host.close();
  }
});
