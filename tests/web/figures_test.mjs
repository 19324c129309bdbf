// The figures view in Debian's chromium: an officer reaches it from the
// header; a manager signs in to it and sees nothing else. Each chart has a
// table beside it with the counts (the chart is hidden from screen readers);
// a count below k shows as "—"; no serious or critical WCAG 2.1 AA violation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DESKTOP, concern, launchBrowser, seriousViolations, startSidecar, startUi } from "./harness.mjs";

const s = {};
before(async () => {
  s.sidecar = await startSidecar();
  // Six concerns this quarter, one of them acute: the acute one is hidden
  // (fewer than 5), and so is a complement beside it.
  for (let n = 0; n < 6; n++) await concern(s.sidecar, 900 + n, n === 5 ? { acute: true } : {});
  s.officer = await startUi(s.sidecar);
  s.manager = await startUi(s.sidecar, "mg-1", "manager");
  s.browser = await launchBrowser();
});
after(async () => {
  await s.browser?.close();
  await s.officer?.stop();
  await s.manager?.stop();
  await s.sidecar?.stop();
});

async function open(ui, hash) {
  const context = await s.browser.newContext({ ...DESKTOP, locale: "nl-NL", timezoneId: "Europe/Amsterdam",
    storageState: ui.storageState });
  const page = await context.newPage();
  // Every page names its icon (none: data:,), so chromium asks for no
  // /favicon.ico and logs no 404: any error logged is the page's.
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${ui.url}/ui/index.html${hash}`);
  return { page, context, errors };
}

/** The rows of the table captioned `caption`: [row header, ...cells]. */
async function tableRows(page, caption) {
  const table = page.locator("table", { has: page.locator("caption", { hasText: caption }) });
  await table.waitFor();
  return table.locator("tbody tr").evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll("th, td")].map((c) => c.textContent.trim())));
}

test("a manager signs in to the figures and sees nothing else", async () => {
  const { page, context, errors } = await open(s.manager, "#/");
  await page.getByRole("heading", { name: "Managementcijfers per kwartaal" }).waitFor();
  assert.equal(await page.locator("mc-concern-list").count(), 0);
  assert.equal(await page.getByRole("link", { name: "Zorgen" }).count(), 0);
  const opened = await tableRows(page, "Binnengekomen zorgen");
  assert.deepEqual(opened, [["Zorgen", "0", "0", "0", "6"]]);
  const priority = await tableRows(page, "Naar prioriteit");
  assert.deepEqual(priority.find((r) => r[0] === "Acuut").slice(-1), ["—"]);
  assert.deepEqual(priority.find((r) => r[0] === "Normaal").slice(-1), ["0"]);
  // Every table has its chart beside it, hidden from screen readers.
  const sections = page.locator("section[data-table]");
  assert.equal(await sections.count(), 7);
  for (const section of await sections.all()) {
    assert.equal(await section.locator("svg[aria-hidden=true]").count(), 1);
    assert.equal(await section.locator("table caption").count(), 1);
  }
  // Going to the list by hand changes nothing: figures only.
  await page.evaluate(() => { location.hash = "#/concerns/c_x"; });
  await page.getByRole("heading", { name: "Managementcijfers per kwartaal" }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("an officer reaches the figures from the header; a future quarter is said plainly", async () => {
  const { page, context, errors } = await open(s.officer, "#/");
  await page.getByRole("link", { name: "Cijfers" }).click();
  await page.getByRole("heading", { name: "Managementcijfers per kwartaal" }).waitFor();
  const csv = await page.getByRole("link", { name: "Download als CSV" }).getAttribute("href");
  assert.match(csv, /^\/v1\/figures\?from=\d{4}-Q[1-4]&to=\d{4}-Q[1-4]&format=csv$/);
  const to = await page.locator("input[name=to]").inputValue();
  const [year, q] = to.split("-Q").map(Number);
  const next = q === 4 ? `${year + 1}-Q1` : `${year}-Q${q + 1}`;
  await page.locator("input[name=to]").fill(next);
  await page.getByRole("button", { name: "Toepassen" }).click();
  await page.getByRole("alert").filter({ hasText: "Dat kwartaal is nog niet begonnen." }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);
  assert.deepEqual(errors.filter((e) => !e.includes("422")), []);
  await context.close();
});
