// The technician's capture page on a phone, in Debian's chromium: "nee" in
// one tap, a concern in three taps after "ja", the receipt shown, a cut
// connection that loses nothing and sends once, quick hide leaving no trace,
// and no serious or critical WCAG 2.1 AA violation on any screen.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PHONE, prompt, seriousViolations, stack, watchConsole } from "./harness.mjs";

const s = stack();
let n = 0;

/** A phone with the capture page open on a fresh prompt; counts the taps. */
async function openCapture(extraTicket = {}) {
  const p = await prompt(s.sidecar, ++n, extraTicket);
  const context = await s.browser.newContext(PHONE);
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(`${s.ui.url}/ui/capture.html#${p.prompt_token}`);
  await page.locator('[data-screen="question"]').waitFor();
  let taps = 0;
  const tap = async (locator) => {
    await locator.tap();
    taps++;
  };
  return { page, context, errors, tap, taps: () => taps, token: p.prompt_token };
}

async function concernsOfUnit() {
  const r = await s.sidecar.call("GET", "/v1/concerns?limit=200");
  return r.body.items;
}

/** "Ja", the first category, and its first signal: what a technician taps to report. */
async function tapFirstSignal(page) {
  await page.getByRole("button", { name: "Ja", exact: true }).tap();
  await page.locator("[data-category]").first().tap();
  await page.locator("[data-group=signals]").first().tap();
}

function noCspErrors(errors) {
  assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused to|Uncaught/.test(e)), []);
}

describe("capture page", () => {
  test("on a 320 px phone the form fits: the page never scrolls sideways, the children's choices neither", async () => {
    const p = await prompt(s.sidecar, ++n);
    const context = await s.browser.newContext({ ...PHONE, viewport: { width: 320, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${s.ui.url}/ui/capture.html#${p.prompt_token}`);
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    await page.locator("[data-category]").first().tap();
    await page.getByRole("group", { name: /kinderen/ }).waitFor();
    assert.deepEqual(await page.evaluate(() => [document.documentElement.scrollWidth <= window.innerWidth, window.innerWidth]), [true, 320]);
    const right = await page.getByRole("group", { name: /kinderen/ }).locator("label").evaluateAll((ls) => Math.max(...ls.map((l) => l.getBoundingClientRect().right)));
    assert.ok(right <= 320, `the children's choices end at ${right}`);
    await context.close();
  });

  test("the first screen is neutral: the question, ja and nee, no signal in sight", async () => {
    const { page, context, errors } = await openCapture();
    const text = await page.locator("meldcode-capture").innerText();
    assert.match(text, /bewoners of kinderen/);
    assert.equal(await page.locator("[data-group=signals], [data-category]").count(), 0);
    assert.equal(await page.getByRole("button", { name: "Ja", exact: true }).count(), 1);
    assert.equal(await page.getByRole("button", { name: "Nee", exact: true }).count(), 1);
    assert.equal(new URL(page.url()).hash, "", "the token is taken out of the address at once");
    noCspErrors(errors);
    await context.close();
  });

  test('"nee" ends it in one tap and records nothing', async () => {
    const before = (await concernsOfUnit()).length;
    const { page, context, tap, taps } = await openCapture();
    await tap(page.getByRole("button", { name: "Nee", exact: true }));
    await page.getByRole("heading", { name: /Klaar/ }).waitFor();
    assert.equal(taps(), 1);
    assert.equal((await concernsOfUnit()).length, before);
    await context.close();
  });

  test('a concern in three taps after "ja", and the page says it has arrived', async () => {
    const before = (await concernsOfUnit()).length;
    const { page, context, tap, taps, errors } = await openCapture();
    await tap(page.getByRole("button", { name: "Ja", exact: true }));
    const afterYes = taps();
    await tap(page.locator("[data-category]").first());
    await tap(page.locator("[data-group=signals]").first());
    await tap(page.getByRole("button", { name: "Versturen" }));
    await page.locator(".mc-received").waitFor();
    assert.equal(taps() - afterYes, 3);
    assert.match(await page.locator(".mc-received").innerText(), /Ontvangen/);
    assert.match(await page.locator('[data-screen="sent"]').innerText(), /0800-2000/);
    assert.equal((await concernsOfUnit()).length, before + 1);
    noCspErrors(errors);
    await context.close();
  });

  test("a connection cut mid-submit and restored: the page keeps trying, and it is one submission", async () => {
    const { page, context } = await openCapture();
    await tapFirstSignal(page);
    await page.getByLabel(/Wil je iets toevoegen/).fill("Deur van de slaapkamer ingetrapt.");
    // The first attempt reaches the s.sidecar, which stores it, but its answer is
    // lost on the way back; then the phone is offline for a while.
    let attempts = 0;
    await page.route("**/v1/submissions", async (route) => {
      attempts++;
      if (attempts === 1) {
        await route.fetch();
        await context.setOffline(true);
        await route.abort("internetdisconnected");
      } else {
        await route.continue();
      }
    });
    await page.getByRole("button", { name: "Versturen" }).tap();
    await page.locator(".mc-send-status", { hasText: /Nog geen verbinding/ }).waitFor();
    await context.setOffline(false);
    await page.locator(".mc-received").waitFor({ timeout: 20000 });
    assert.ok(attempts >= 2, "retried after the cut");
    const items = await concernsOfUnit();
    const mine = [];
    for (const item of items) {
      const c = await s.sidecar.call("GET", `/v1/concerns/${item.concern_ref}`);
      mine.push(...c.body.chronology.filter((e) => e.kind === "signals_submitted" && e.data.observations === "Deur van de slaapkamer ingetrapt."));
    }
    assert.equal(mine.length, 1, "one submission, however many attempts");
    await context.close();
  });

  test("quick hide: Escape replaces the page, and history, storage and cache hold nothing of the form", async () => {
    const { page, context } = await openCapture();
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    await page.locator("[data-category]").first().tap();
    await page.getByLabel(/Wil je iets toevoegen/).fill("GEHEIM-kind-huilde");
    // The screens are history entries (the back button): quick hide itself adds none.
    const historyBefore = await page.evaluate(() => history.length);
    await page.keyboard.press("Escape");
    await page.waitForURL(/neutral\.html$/);
    assert.equal(await page.evaluate(() => history.length), historyBefore, "no history entry added");
    const trace = await page.evaluate(async () => ({
      cookies: document.cookie,
      local: localStorage.length,
      session: sessionStorage.length,
      idb: (await indexedDB.databases()).length,
      caches: (await caches.keys()).length,
      body: document.body.innerText,
    }));
    assert.deepEqual({ ...trace, body: undefined }, { cookies: "", local: 0, session: 0, idb: 0, caches: 0, body: undefined });
    assert.doesNotMatch(trace.body, /GEHEIM|bewoners|zorgen/);
    assert.deepEqual(await context.cookies(), []);
    // Back leads to where the phone was before the form, never to the form.
    await page.goBack().catch(() => undefined);
    assert.doesNotMatch(page.url(), /capture\.html/);
    // Forward, over the entries the form's screens were: the neutral page, never the form.
    for (let i = 0; i < 3; i++) {
      await page.goForward().catch(() => undefined);
      await page.waitForURL(/neutral\.html$|about:blank/);
      assert.doesNotMatch(await page.locator("body").innerText(), /GEHEIM|bewoners|werkbon|niet compleet/);
    }
    await context.close();
  });

  test("the back button goes to the previous screen, keeping what was tapped and typed; the address and history hold none of it", async () => {
    const { page, context, errors } = await openCapture();
    const headingFocused = () => page.evaluate(() => document.activeElement?.matches("h1[tabindex='-1']") ?? false);
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    await page.locator('[data-screen="category"]').waitFor();
    assert.ok(await headingFocused(), "the new screen's heading has the focus");
    await page.locator("[data-category]").first().tap();
    const signal = page.locator("[data-group=signals]").first();
    await signal.tap();
    await page.getByLabel(/Wil je iets toevoegen/).fill("GEHEIM-deur-ingetrapt");
    const value = await signal.getAttribute("data-value");
    const kept = () => page.evaluate(() => [location.href, JSON.stringify(history.state)]);
    for (const text of await kept()) {
      assert.doesNotMatch(text, /GEHEIM|#|\?/);
      assert.ok(!text.includes(value), "no signal in the address or the history");
    }

    await page.goBack();
    await page.locator('[data-screen="category"]').waitFor();
    assert.ok(await headingFocused(), "back: the heading has the focus");
    await page.goForward();
    await page.locator('[data-screen="signals"]').waitFor();
    assert.ok(await page.locator("[data-group=signals] input").first().isChecked(), "the signal is still chosen");
    assert.equal(await page.getByLabel(/Wil je iets toevoegen/).inputValue(), "GEHEIM-deur-ingetrapt");
    await page.goBack();
    await page.goBack();
    await page.locator('[data-screen="question"]').waitFor();
    assert.deepEqual(JSON.parse((await kept())[1]), { screen: "question", step: 0 });
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    await page.locator("[data-category]").first().tap();
    assert.ok(await page.locator("[data-group=signals] input").first().isChecked(), "the same form, tapped again");

    // Sent: back does not reopen the form (for a second submission) but leaves it, for where the phone was before.
    await page.getByRole("button", { name: "Versturen" }).tap();
    await page.locator(".mc-received").waitFor();
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0]);
    noCspErrors(errors);
    await page.goBack().catch(() => undefined);
    await page.waitForURL((url) => !url.pathname.endsWith("/capture.html"));
    await context.close();
  });

  test("leaving with something not sent asks first, and the screen says the phone keeps nothing; nothing entered or sent asks nothing", async () => {
    const leave = async (page) => {
      const asked = [];
      page.on("dialog", (d) => { asked.push(d.type()); void d.accept(); });
      await page.close({ runBeforeUnload: true });
      await page.waitForEvent("close");
      return asked;
    };
    let { page, context } = await openCapture();
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    assert.equal(await page.locator("[data-unsent]").count(), 0, "nothing entered yet");
    assert.deepEqual(await leave(page), [], "nothing entered: not asked");
    await context.close();

    ({ page, context } = await openCapture());
    await tapFirstSignal(page);
    assert.match(await page.locator("[data-unsent]").innerText(), /Nog niet verstuurd\. Je telefoon bewaart niet wat je hier kiest of typt/);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(await leave(page), ["beforeunload"]);
    await context.close();

    ({ page, context } = await openCapture());
    await tapFirstSignal(page);
    await page.getByRole("button", { name: "Versturen" }).tap();
    await page.locator(".mc-received").waitFor();
    assert.equal(await page.locator("[data-unsent]").count(), 0);
    assert.deepEqual(await leave(page), [], "sent: not asked");
    await context.close();
  });

  test("quick hide: the visible button does the same", async () => {
    const { page, context } = await openCapture();
    await page.getByRole("button", { name: "Snel verbergen" }).tap();
    await page.waitForURL(/neutral\.html$/);
    await context.close();
  });

  test('"later invullen" with nothing entered: it says only the link is kept, and asks nothing', async () => {
    const { page, context } = await openCapture();
    let asked = 0;
    page.on("dialog", (d) => { asked++; void d.dismiss(); });
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    await page.locator('[data-control="fill_in_later"]').tap();
    const heading = page.getByRole("heading", { name: /later invullen vanuit je werkbon/ });
    await heading.waitFor();
    assert.doesNotMatch(await heading.innerText(), /Bewaard/);
    assert.match(await heading.innerText(), /niet bewaard/);
    assert.equal(asked, 0);
    await context.close();
  });

  test('"later invullen" after a signal was tapped asks first: no keeps the form, yes discards it', async () => {
    const { page, context } = await openCapture();
    await tapFirstSignal(page);
    if (!(await page.locator('[data-control="fill_in_later"]').count())) await page.locator('[data-control="other_category"]').tap();
    const dialogs = [];
    page.once("dialog", (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await page.locator('[data-control="fill_in_later"]').tap();
    await page.waitForTimeout(100);
    assert.equal(dialogs.length, 1);
    assert.match(dialogs[0], /niet bewaard/);
    assert.equal(await page.locator("[data-screen]").count(), 1, "cancelled: the form stays");
    page.once("dialog", (d) => { dialogs.push(d.message()); void d.accept(); });
    await page.locator('[data-control="fill_in_later"]').tap();
    await page.getByRole("heading", { name: /niet bewaard/ }).waitFor();
    assert.equal(dialogs.length, 2);
    await context.close();
  });

  test("English on request, and what was tapped stays", async () => {
    const { page, context } = await openCapture();
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    await page.getByRole("button", { name: "English" }).tap();
    await page.locator('[data-screen="category"] [data-control="fill_in_later"]', { hasText: "Fill in later" }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
    await context.close();
  });

  test("axe: no serious or critical WCAG 2.1 AA violation on any screen", async () => {
    const { page, context } = await openCapture();
    const found = {};
    found.question = await seriousViolations(page);
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    found.category = await seriousViolations(page);
    await page.locator("[data-category]").first().tap();
    found.signals = await seriousViolations(page);
    await page.locator("[data-group=signals]").first().tap();
    await page.getByRole("button", { name: "Versturen" }).tap();
    await page.locator(".mc-received").waitFor();
    found.sent = await seriousViolations(page);
    await page.goto(`${s.ui.url}/ui/neutral.html`);
    found.neutral = await seriousViolations(page);
    assert.deepEqual(found, { question: [], category: [], signals: [], sent: [], neutral: [] });
    await context.close();
  });

  test("a link without its token says so", async () => {
    const context = await s.browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${s.ui.url}/ui/capture.html`);
    await page.getByRole("alert").waitFor();
    assert.match(await page.getByRole("alert").innerText(), /niet compleet/);
    await context.close();
  });
});
