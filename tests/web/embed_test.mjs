// docs/embedding.md's <meldcode-capture> block, run as written in a host's
// own page: the element renders the form, sends, and hands the receipt over.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { DIST, PHONE, ROOT, prompt, stack } from "./harness.mjs";

const s = stack();

function docBlock() {
  const doc = fs.readFileSync(path.join(ROOT, "docs/embedding.md"), "utf8");
  return /```js checked-by=tests\/web\/embed_test\.mjs\n([\s\S]*?)```/.exec(doc)[1];
}

test("docs/embedding.md: <meldcode-capture> in a host's page sends and hands over the receipt", async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, "manifest.json"), "utf8"));
  const p = await prompt(s.sidecar, 1);
  const host = `<!doctype html><html lang="nl"><head><title>Werkorders</title>
    <link rel="stylesheet" href="/ui/${manifest.styles}"></head><body class="utrecht-theme">
    <main id="meldcode"></main>
    <script type="module">
      import "/ui/${manifest["capture-element"]}";
      const promptToken = ${JSON.stringify(p.prompt_token)};
      window.receipts = [];
      const keepWithTechnician = (ref) => window.receipts.push(ref);
      ${docBlock()}
    </script></body></html>`;
  const context = await s.browser.newContext(PHONE);
  const page = await context.newPage();
  await page.route(`${s.ui.url}/host/app.html`, (route) => route.fulfill({ contentType: "text/html", body: host }));
  await page.goto(`${s.ui.url}/host/app.html`);
  await page.getByRole("button", { name: "Ja", exact: true }).tap();
  await page.locator("[data-category]").first().tap();
  await page.locator("[data-group=signals]").first().tap();
  await page.getByRole("button", { name: "Versturen" }).tap();
  await page.locator(".mc-received").waitFor();
  const receipts = await page.evaluate(() => window.receipts);
  assert.equal(receipts.length, 1);
  assert.match(receipts[0], /^s_/);
  await page.keyboard.press("Escape");
  await page.locator("meldcode-capture").waitFor({ state: "detached" });
  assert.equal(await page.title(), "Werkorders", "the host's page stays; only the form is gone");
  await context.close();
});
