// The browser tests' harness: a real meldcoded on a free loopback port (its
// config from scripts/meldcoded_config.py, the one place configs are made)
// serving the built UI under /ui/, officers signed in to it for real, and
// Debian's chromium driven by playwright-core (headless, no sandbox as root,
// no background networking: nothing leaves the machine, nothing downloads a
// browser).
import { AxeBuilder } from "@axe-core/playwright";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import * as OTPAuth from "otpauth";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BUILD = process.env.MELDCODE_BUILD_DIR ?? path.join(ROOT, "build");
export const DIST = path.join(BUILD, "host_adapters/web/dist");
export const TECH = "tech-17";
export const OFFICER = "af-1";
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

export function now(days = 0) {
  return new Date(Date.now() + days * 86400e3).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The Dutch civil date, days from now: review dates are civil dates, and from 23:00 UTC
 *  (22:00 in summer) Amsterdam is already a day ahead of UTC. */
export function localDate(days = 0) {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Amsterdam" }).format(new Date(Date.now() + days * 86400e3));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A sidecar with the demo integration token (acts for any observer or
 *  officer), serving the built UI; `extra`: more of its config
 *  (scripts/meldcoded_config.py). A sign-in stays recent enough for an export
 *  for a whole test file; served_test.mjs tests the re-sign-in itself. */
export async function startSidecar(extra = {}, port = undefined) {
  // Another process may take a free port before meldcoded binds it: a port
  // chosen here is tried again with another (a port given is the caller's).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSidecarOn(extra, port ?? (await freePort()));
    } catch (e) {
      if (port !== undefined || attempt === 5) throw e;
    }
  }
}

async function startSidecarOn(extra, port) {
  extra = { ui: { dir: DIST, session: { reauthenticate_after_seconds: 3600 } }, ...extra };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meldcode-web-"));
  const made = JSON.parse(execFileSync("python3", ["-c", `
import json, sys
sys.path.insert(0, sys.argv[1])
import meldcoded_config as m
token = m.new_token()
config = m.sidecar_config(sys.argv[2], sys.argv[3], [m.demo_token_entry(token)], int(sys.argv[4]), extra=json.loads(sys.argv[5]))
print(json.dumps({"token": token, "config": config}))`,
    path.join(ROOT, "scripts"), path.join(BUILD, "plugins/meldcode/libmeldcode.so"), path.join(dir, "meldcode.db"), String(port), JSON.stringify(extra)]));
  const configPath = path.join(dir, "meldcoded.json");
  fs.writeFileSync(configPath, JSON.stringify(made.config));
  const log = fs.openSync(path.join(dir, "stderr.log"), "a");
  const child = spawn(path.join(BUILD, "host_adapters/rest/meldcoded"), ["--config", configPath], { stdio: ["ignore", "pipe", log] });
  const url = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once("line", (line) => (line.includes("listening on") ? resolve(line.split("listening on ")[1].trim()) : reject(new Error(line))));
    child.once("exit", (code) => reject(new Error("meldcoded exited " + code + "; see " + dir)));
  }).catch((e) => {
    child.kill("SIGKILL");  // none left behind by an attempt that failed
    throw e;
  });
  const sidecar = {
    url, token: made.token, dir, configPath,
    /** One /v1 call as an officer or the technician (acting through the demo token), or as "integration": the host's system itself. */
    async call(method, p, { as = "officer", body, headers = {} } = {}) {
      const acting = as === "integration" ? {} : { "X-Acting-Actor": as === "officer" ? OFFICER : TECH, "X-Acting-Role": as };
      const h = { Authorization: "Bearer " + made.token, ...acting, ...headers };
      if (body !== undefined) h["Content-Type"] = "application/json";
      const r = await fetch(url + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return sidecar;
}

export const PASSWORD = "correct horse battery staple";

/** The TOTP step now, with at least 12 s of it left: codes one step either side stay valid meanwhile. */
export async function freshStep() {
  const left = 30 - (Date.now() / 1000) % 30;
  if (left < 12) await new Promise((r) => setTimeout(r, (left + 0.5) * 1000));
  return Math.floor(Date.now() / 30000);
}

async function postJson(sidecar, p, body) {
  const r = await fetch(sidecar.url + p, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return r;
}

/** The UI as the sidecar serves it, with `officer` signed in for real: enrolled
 *  through meldcode-admin's link, signed in with password + TOTP (npm otpauth
 *  is the authenticator app). `storageState` gives a browser context the
 *  session cookie, as if the officer had signed in in it. */
export async function startUi(sidecar, officer = OFFICER, role = "officer") {
  const link = execFileSync(path.join(BUILD, "host_adapters/cli/meldcode-admin"),
    ["enrol", "--config", sidecar.configPath, "--actor", officer, "--role", role], { encoding: "utf8" }).trim();
  const enrolment = link.split("#")[1];
  const { totp_uri: uri } = await (await postJson(sidecar, "/ui/auth/enrol", { enrolment_token: enrolment, password: PASSWORD })).json();
  const code = (step) => OTPAuth.URI.parse(uri).generate({ timestamp: step * 30000 });
  const step = await freshStep();
  await postJson(sidecar, "/ui/auth/enrol/confirm", { enrolment_token: enrolment, totp: code(step - 1) });
  const signedIn = await postJson(sidecar, "/ui/auth/password", { username: officer, password: PASSWORD, totp: code(step) });
  const value = /mc_session=([^;]+)/.exec(signedIn.headers.get("set-cookie") ?? "")?.[1];
  if (!value) throw new Error("no session cookie for " + officer);
  const { csrf_token: csrf } = await signedIn.json();
  const cookie = { name: "mc_session", value, domain: "127.0.0.1", path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Strict" };
  return {
    url: sidecar.url,
    storageState: { cookies: [cookie], origins: [] },
    /** The officer's TOTP code for a later sign-in: a step after the one used, each code being taken once. */
    nextCode: () => code(Math.max(step + 1, Math.floor(Date.now() / 30000))),
    /** Signs the officer out: the session ends with the tests that used it. */
    stop: () => fetch(sidecar.url + "/ui/auth/logout", { method: "POST", headers: { Cookie: `mc_session=${value}`, "X-CSRF-Token": csrf } }),
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/** For a test file: a sidecar, the UI in front of it and a browser, started
 *  before its tests and stopped after them. */
export function stack() {
  const s = {};
  before(async () => {
    s.sidecar = await startSidecar();
    s.ui = await startUi(s.sidecar);
    s.browser = await launchBrowser();
  });
  after(async () => {
    await s.browser?.close();
    await s.ui?.stop();
    await s.sidecar?.stop();
  });
  return s;
}

/** A ticket closed for the technician; returns the prompt (with its token and form). */
export async function prompt(sidecar, n, extra = {}) {
  const r = await sidecar.call("POST", "/v1/tickets/closed", { as: "observer", body: {
    host_ticket_id: `WO-${n}-${Date.now()}`, unit_id: `unit-${n}`, work_type: "REP", entered_dwelling: true,
    technician_id: TECH, closed_at: now(), ...extra } });
  if (r.status !== 200 || !r.body.ask) throw new Error("no prompt: " + JSON.stringify(r));
  return r.body;
}

/** A concern from one submission; returns its ref. */
export async function concern(sidecar, n, extra = {}) {
  const p = await prompt(sidecar, n);
  const r = await sidecar.call("POST", "/v1/submissions", { as: "observer", body: {
    prompt_token: p.prompt_token, idempotency_key: `seed-${n}-${Date.now()}`, signals: ["mc.home.holes_in_walls_or_doors"],
    observations: "Een gat in de slaapkamerdeur.", children_involved: "yes", acute: false, ...extra } });
  const c = await sidecar.call("GET", `/v1/submissions/${r.body.submission_ref}/concern`);
  return c.body.concern_ref;
}

/** axe-core's WCAG 2.1 A and AA rules; the serious and critical violations. */
export async function seriousViolations(page) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Fails the test on any error the page logs (a CSP refusal among them). */
export function watchConsole(page, errors = []) {
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}
