#!/usr/bin/env node
// Not a test: writes the screenshots the README shows (docs/images/) from a
// live sidecar with a few concerns, in Debian's chromium.
//   node tests/web/screenshots.mjs
import fs from "node:fs";
import path from "node:path";
import { DESKTOP, PHONE, ROOT, concern, launchBrowser, now, prompt, startSidecar, startUi } from "./harness.mjs";

const out = path.join(ROOT, "docs/images");
fs.mkdirSync(out, { recursive: true });
const sidecar = await startSidecar();
const ui = await startUi(sidecar);
const browser = await launchBrowser();
const shot = (page, name) => page.screenshot({ path: path.join(out, name + ".png"), fullPage: true });
try {
  const phone = await (await browser.newContext({ ...PHONE, deviceScaleFactor: 1 })).newPage();
  await phone.goto(`${ui.url}/ui/capture.html#${(await prompt(sidecar, 1)).prompt_token}`);
  await phone.locator('[data-screen="question"]').waitFor();
  await shot(phone, "capture-question");
  await phone.getByRole("button", { name: "Ja", exact: true }).tap();
  await phone.locator("[data-category]").first().tap();
  await phone.locator("[data-group=signals]").first().tap();
  await shot(phone, "capture-signals");
  await phone.getByRole("button", { name: "Versturen" }).tap();
  await phone.locator(".mc-received").waitFor();
  await shot(phone, "capture-sent");

  for (let i = 2; i < 6; i++) await concern(sidecar, i);
  await sidecar.call("POST", `/v1/concerns/${await concern(sidecar, 7, { acute: true })}/actions`, { body: { action: "record_acute", fields: {
    called_112: true, called_veilig_thuis: false, called_at: now(), summary: "112 gebeld" } } });
  const ref = await concern(sidecar, 6, { children_involved: "yes" });
  const desk = await (await browser.newContext({ ...DESKTOP, locale: "nl-NL", storageState: ui.storageState })).newPage();
  await desk.goto(`${ui.url}/ui/index.html`);
  await desk.locator("tr[data-concern]").first().waitFor();
  await shot(desk, "workbench-list");
  await desk.goto(`${ui.url}/ui/index.html#/concerns/${ref}`);
  await desk.locator("[data-open-action=map_signals]").waitFor();
  await desk.locator("[data-open-action=map_signals]").click();
  await shot(desk, "workbench-concern");
} finally {
  await browser.close();
  await ui.stop();
  await sidecar.stop();
}
