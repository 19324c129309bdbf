// The UI as meldcoded itself serves it under /ui/, with its sign-in
// (docs/web-ui.md): an officer enrolled through meldcode-admin's link chooses
// a password and confirms a TOTP code (npm otpauth is the authenticator app),
// signs in with password + code, works, is asked to sign in again before
// asking for an export, which a second officer releases, and signs out; the
// cookie is then worth nothing. An observer's
// session does not reach the workbench. The technician's capture page sends
// with its prompt token as the credential. An officer also signs in through the corporation's OpenID
// Connect provider: a real one (npm oidc-provider, tests/rest/oidc_provider.mjs)
// that the test starts, multi-factor required.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import readline from "node:readline";
import * as OTPAuth from "otpauth";
import { BUILD, DESKTOP, DIST, PASSWORD, PHONE, ROOT, concern, freePort, freshStep, launchBrowser, prompt, seriousViolations, startSidecar, watchConsole } from "./harness.mjs";

// A sign-in stays recent this long: longer than the slowest step from a
// sign-in to the export it allows (a page that chromium renders, on a loaded
// two-core machine), which 2 s was not always.
const REAUTHENTICATE_AFTER = 8;

const s = {};
before(async () => {
  s.sidecar = await startSidecar({ ui: { dir: DIST, session: { reauthenticate_after_seconds: REAUTHENTICATE_AFTER } } });
  s.browser = await launchBrowser();
});
after(async () => {
  await s.browser?.close();
  await s.sidecar?.stop();
});

function codeAt(uri, step) {
  return OTPAuth.URI.parse(uri).generate({ timestamp: step * 30000 });
}

/** A code none of the steps accepted around `step` gives (another step's code is right by chance
 *  about once in 330,000 runs): its first digit differs from each of theirs. */
function wrongCode(uri, step) {
  const taken = [step - 1, step, step + 1].map((t) => codeAt(uri, t)[0]);
  return [..."0123456789"].find((d) => !taken.includes(d)) + "00000";
}

/** An account enrolled in the browser through the link meldcode-admin prints; its otpauth URI. */
async function enrol(page, actor, role, step) {
  const link = execFileSync(path.join(BUILD, "host_adapters/cli/meldcode-admin"),
    ["enrol", "--config", s.sidecar.configPath, "--actor", actor, "--role", role], { encoding: "utf8" }).trim();
  assert.match(link, /\/ui\/enrol\.html#e_/);
  await page.goto(link);
  assert.equal(new URL(page.url()).hash, "", "the enrolment token is taken out of the address");
  await page.getByLabel("Wachtwoord", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Wachtwoord nogmaals").fill(PASSWORD);
  await page.getByRole("button", { name: "Verder" }).click();
  const uri = await page.locator("[data-totp-uri]").getAttribute("data-totp-uri");
  assert.deepEqual(await seriousViolations(page), [], "the enrolment page");
  const code = codeAt(uri, step - 1);
  await page.getByLabel(/Code uit je authenticator-app/).fill(`${code.slice(0, 3)} ${code.slice(3)}`);  // as the app shows it
  await page.getByRole("button", { name: "Bevestigen" }).click();
  await page.getByRole("status").filter({ hasText: "Je account is actief." }).waitFor();
  return uri;
}

/** Password and TOTP code typed into the sign-in form, submitted with Enter. */
async function signIn(page, actor, code) {
  await page.getByLabel("Gebruikersnaam").fill(actor);
  await page.getByLabel("Wachtwoord").fill(PASSWORD);
  await page.getByLabel(/Code uit je authenticator-app/).fill(code);
  await page.getByLabel(/Code uit je authenticator-app/).press("Enter");
}

async function officerPage() {
  const context = await s.browser.newContext({ ...DESKTOP, locale: "nl-NL", timezoneId: "Europe/Amsterdam" });
  const page = await context.newPage();
  return { context, page, errors: watchConsole(page) };
}

describe("the UI as meldcoded serves it", () => {
  test("an officer enrols, signs in with password + TOTP, signs in again to ask for an export that another releases, signs out; the cookie is then refused", async () => {
    const ref = await concern(s.sidecar, 1);
    const step = await freshStep();
    const { context, page, errors } = await officerPage();
    const uri = await enrol(page, "af-web", "officer", step);
    await page.goto(`${s.sidecar.url}/ui/#/concerns/${ref}`);
    await page.getByRole("heading", { name: "Inloggen" }).waitFor();
    assert.deepEqual(await seriousViolations(page), [], "the sign-in page");
    await signIn(page, "af-web", codeAt(uri, step));
    await page.locator("mc-concern-page [data-fact=state]").waitFor();
    assert.equal(await page.evaluate(() => document.cookie), "", "the session cookie is HttpOnly");
    const cookie = (await context.cookies()).find((c) => c.name === "mc_session");
    assert.equal(cookie.sameSite, "Strict");

    // A change carries the CSRF token: placing a legal hold works in the page.
    await page.locator("[data-hold]").click();
    await page.locator("[data-fact=legal_hold]", { hasText: "Klacht" }).waitFor();

    // The sign-in is older than reauthenticate_after_seconds: asking for an export signs in again first.
    await new Promise((r) => setTimeout(r, REAUTHENTICATE_AFTER * 1000 + 500));
    await page.getByLabel("Een mogelijk slachtoffer").check();
    await page.locator("[data-export]").click();
    await page.getByText("Log opnieuw in voor dit inzageverzoek.").waitFor();
    await signIn(page, "af-web", codeAt(uri, step + 1));
    const exportRef = await page.locator("[data-export-ref]").getAttribute("data-export-ref");

    // A second officer, freshly signed in, releases it.
    const second = await officerPage();
    const step2 = await freshStep();
    const uri2 = await enrol(second.page, "af-web2", "officer", step2);
    await second.page.goto(`${s.sidecar.url}/ui/#/exports/${exportRef}`);
    await signIn(second.page, "af-web2", codeAt(uri2, step2));
    await second.page.locator("[data-approve]").click();
    await second.page.getByText("De export staat klaar.").waitFor();
    await second.context.close();

    await page.locator("[data-sign-out]").click();
    await page.getByRole("heading", { name: "Inloggen" }).waitFor();
    const stolen = await fetch(`${s.sidecar.url}/v1/concerns/${ref}`, { headers: { Cookie: `mc_session=${cookie.value}` } });
    assert.equal(stolen.status, 401, "the cookie after sign-out");
    assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused to|Uncaught/.test(e)), []);
    await context.close();
  });

  test("a wrong code is refused and says so; a code typed as the app shows it (\"123 456\") is taken; an observer's session does not reach the workbench", async () => {
    const step = await freshStep();
    const { context, page } = await officerPage();
    const uri = await enrol(page, "tech-web", "observer", step);
    await page.goto(`${s.sidecar.url}/ui/`);
    await signIn(page, "tech-web", wrongCode(uri, step));
    await page.locator(".mc-form-error").waitFor();
    assert.equal(await page.locator("tr[data-concern]").count(), 0);
    const code = codeAt(uri, step);
    await signIn(page, "tech-web", `${code.slice(0, 3)} ${code.slice(3)}`);
    await page.getByText(/geen toegang tot de werkbank/).waitFor();
    assert.equal(await page.locator("tr[data-concern]").count(), 0);
    await context.close();
  });

  test("the enrolment page says what went wrong: a short password, a reload, a wrong code; the link still works, and it shows the username", async () => {
    const link = execFileSync(path.join(BUILD, "host_adapters/cli/meldcode-admin"),
      ["enrol", "--config", s.sidecar.configPath, "--actor", "af-enrol", "--role", "officer"], { encoding: "utf8" }).trim();
    const { context, page, errors } = await officerPage();
    await page.goto(link);
    const password = page.getByLabel("Wachtwoord", { exact: true });
    assert.equal(await password.getAttribute("minlength"), "12");
    assert.match(await page.locator("#" + await password.getAttribute("aria-describedby")).innerText(), /Minstens 12 tekens/);
    await password.fill("te kort");
    await page.getByLabel("Wachtwoord nogmaals").fill("te kort");
    await page.getByRole("button", { name: "Verder" }).click();
    assert.match(await page.getByRole("alert").innerText(), /te kort: kies er een van minstens 12 tekens/);
    assert.doesNotMatch(await page.getByRole("alert").innerText(), /verlopen/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "mc-enrol-password");
    assert.deepEqual(await seriousViolations(page), [], "the enrolment page with its error");

    // A reload: the link was taken out of the address, so the page says to open it again.
    await page.reload();
    assert.match(await page.getByRole("alert").innerText(), /Open de link uit je bericht opnieuw/);
    assert.equal(await page.getByLabel("Wachtwoord", { exact: true }).count(), 0);

    // It does still work.
    await page.goto(link);
    await page.getByLabel("Wachtwoord", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Wachtwoord nogmaals").fill(PASSWORD);
    await page.getByRole("button", { name: "Verder" }).click();
    const uri = await page.locator("[data-totp-uri]").getAttribute("data-totp-uri");
    assert.equal(await page.locator("[data-username]").innerText(), "af-enrol", "the username to sign in with");
    const step = await freshStep();
    await page.getByLabel(/Code uit je authenticator-app/).fill(wrongCode(uri, step));
    await page.getByRole("button", { name: "Bevestigen" }).click();
    await page.getByRole("alert").filter({ hasText: "De code klopt niet" }).waitFor();
    assert.doesNotMatch(await page.getByRole("alert").innerText(), /verlopen/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "mc-enrol-totp");
    await page.getByLabel(/Code uit je authenticator-app/).fill(codeAt(uri, step));
    await page.getByRole("button", { name: "Bevestigen" }).click();
    await page.getByRole("status").filter({ hasText: "Je account is actief." }).waitFor();
    assert.equal(await page.locator("[data-username]").innerText(), "af-enrol");
    assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused to|Uncaught/.test(e)), []);
    await context.close();
  });

  test("the capture page sends with its prompt token as the credential, and stores nothing", async () => {
    const before = (await s.sidecar.call("GET", "/v1/concerns?limit=200")).body.items.length;
    const p = await prompt(s.sidecar, 2);
    const context = await s.browser.newContext(PHONE);
    const page = await context.newPage();
    const errors = watchConsole(page);
    const response = await page.goto(`${s.sidecar.url}/ui/capture.html#${p.prompt_token}`);
    assert.equal(response.headers()["cache-control"], "no-store");
    await page.getByRole("button", { name: "Ja", exact: true }).tap();
    await page.locator("[data-category]").first().tap();
    await page.locator("[data-group=signals]").first().tap();
    await page.getByRole("button", { name: "Versturen" }).tap();
    await page.locator(".mc-received").waitFor();
    assert.deepEqual(await context.cookies(), []);
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length]), [0, 0]);
    assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused to|Uncaught/.test(e)), []);
    const concerns = await s.sidecar.call("GET", "/v1/concerns?limit=200");
    assert.equal(concerns.body.items.length, before + 1);
    await context.close();
  });
});

/** tests/rest/oidc_provider.mjs for one sidecar port: it has no login form;
 *  the test tells it who signs in next and how ("<sub>|<group>|<amr>"). */
async function startProvider(sidecarPort) {
  const secret = "browser-test-client-" + Date.now();
  const child = spawn("node", [path.join(ROOT, "tests/rest/oidc_provider.mjs"), "meldcoded-web", secret,
    `http://127.0.0.1:${sidecarPort}/ui/auth/oidc/callback`], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error("oidc_provider.mjs exited " + code)));
  });
  return { child, secret, issuer: JSON.parse(line).issuer };
}

describe("an officer signs in through OpenID Connect in the browser", () => {
  const o = {};
  before(async () => {
      const port = await freePort();
    o.provider = await startProvider(port);
    o.dir = fs.mkdtempSync(path.join(os.tmpdir(), "meldcode-oidc-"));
    const secretFile = path.join(o.dir, "secret");
    fs.writeFileSync(secretFile, o.provider.secret + "\n", { mode: 0o600 });
    o.sidecar = await startSidecar({ ui: { dir: DIST, oidc: {
      issuer: o.provider.issuer, client_id: "meldcoded-web", client_secret_file: secretFile,
      scopes: ["openid", "groups"], role_claim: "groups", officer_values: ["meldcode-officers"] } } }, port);
    o.browser = await launchBrowser();
  });
  after(async () => {
    await o.browser?.close();
    await o.sidecar?.stop();
    o.provider?.child.kill();
    if (o.dir) fs.rmSync(o.dir, { recursive: true, force: true });
  });

  /** A browser that signs in at the provider as `hint` says, from the workbench's sign-in page. */
  async function signInAtProvider(hint, ref) {
    const context = await o.browser.newContext({ ...DESKTOP, locale: "nl-NL", timezoneId: "Europe/Amsterdam" });
    const page = await context.newPage();
    await fetch(`${o.provider.issuer}/test/next-login`, { method: "POST", body: hint });
    await page.goto(`${o.sidecar.url}/ui/#/concerns/${ref}`);
    await page.getByRole("heading", { name: "Inloggen" }).waitFor();
    await page.getByRole("link", { name: "Inloggen met OpenID Connect" }).click();
    return { context, page };
  }

  test("with a second factor the officer lands on the concern they asked for, in a session cookie only", async () => {
    const ref = await concern(o.sidecar, 1);
    const { context, page } = await signInAtProvider("af-sso|meldcode-officers|mfa", ref);
    await page.locator("mc-concern-page [data-fact=state]").waitFor();
    assert.equal(new URL(page.url()).hash, `#/concerns/${ref}`, "back where the officer was");
    const cookie = (await context.cookies()).find((c) => c.name === "mc_session");
    assert.ok(cookie?.httpOnly, "the session is an HttpOnly cookie");
    assert.equal(cookie.sameSite, "Strict");
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
    const session = await page.evaluate(async () => (await fetch("/ui/auth/session")).json());
    assert.deepEqual(session.actor, { id: "af-sso", role: "officer" });
    await context.close();
  });

  test("without a second factor, or outside the officers' group, the sign-in page says why and no session exists", async () => {
    const ref = await concern(o.sidecar, 2);
    for (const [hint, text] of [["af-pwd|meldcode-officers|pwd", "zonder tweede factor"],
                                ["staff-1|staff|mfa", "geen toegang tot de werkbank"]]) {
      const { context, page } = await signInAtProvider(hint, ref);
      await page.getByRole("alert").filter({ hasText: text }).waitFor();
      assert.equal(new URL(page.url()).search, "", "the reason is taken out of the address");
      assert.equal((await context.cookies()).find((c) => c.name === "mc_session"), undefined, hint);
      assert.equal(await page.locator("mc-concern-page").count(), 0, hint);
      await context.close();
    }
  });
});
