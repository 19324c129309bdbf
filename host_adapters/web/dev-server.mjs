#!/usr/bin/env node
// For developing the UI against a running sidecar (scripts/run) before the
// sidecar serves /ui/ itself: serves dist/ under /ui/ with the headers the
// sidecar sends (a strict CSP, no-store, nosniff, no referrer), and forwards
// /v1/ to the sidecar with the demo integration token, acting as the officer
// (or, for a call authorised with "Prompt <token>", as the technician).
// /ui/auth/session answers a fixed development officer: it is NOT a sign-in
// and must never face a network.
//   node host_adapters/web/dev-server.mjs --api http://127.0.0.1:8080 --token "$(cat data/demo_token)"
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json" };
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function headers(type) {
  return { "Content-Type": type, "Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };
}

function serveFile(dist, urlPath, res) {
  const rel = urlPath.replace(/^\/ui\/?/, "") || "index.html";
  const file = path.resolve(dist, rel);
  if (!file.startsWith(path.resolve(dist) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, headers("text/plain")).end("not found");
    return;
  }
  res.writeHead(200, headers(TYPES[path.extname(file)] ?? "application/octet-stream"));
  fs.createReadStream(file).pipe(res);
}

/** What the sidecar will do for the capture page (ui-auth): GET /v1/prompt
 *  opens the prompt token; a submission takes the token from the header. */
function emulatePromptRoutes(req, body) {
  const token = (req.headers.authorization ?? "").replace(/^Prompt\s+/i, "");
  const url = new URL(req.url, "http://x");
  if (req.method === "GET" && url.pathname === "/v1/prompt") {
    const locale = url.searchParams.get("locale") ?? "nl";
    return { path: "/v1/catalog?locale=" + locale, wrap: (form) => ({ locale, expires_at: new Date(Date.now() + 14 * 86400e3).toISOString(), form }) };
  }
  if (req.method === "POST" && url.pathname === "/v1/submissions") {
    return { path: req.url, body: JSON.stringify({ ...JSON.parse(body.toString() || "{}"), prompt_token: token }) };
  }
  return { path: req.url };
}

async function forward(opts, req, res) {
  const h = { ...req.headers };
  const prompt = /^Prompt\s+/i.test(h.authorization ?? "");
  delete h.cookie;
  delete h["x-csrf-token"];
  delete h.host;
  h.authorization = "Bearer " + opts.token;
  h["x-acting-actor"] = prompt ? opts.observer : opts.officer;
  h["x-acting-role"] = prompt ? "observer" : "officer";
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const call = prompt ? emulatePromptRoutes(req, Buffer.concat(chunks)) : { path: req.url };
  const body = call.body ?? Buffer.concat(chunks);
  delete h["content-length"];
  const api = new URL(opts.api);
  const out = http.request({ host: api.hostname, port: api.port, path: call.path, method: req.method, headers: h }, (r) => {
    const parts = [];
    r.on("data", (c) => parts.push(c));
    r.on("end", () => {
      let text = Buffer.concat(parts);
      if (call.wrap && r.statusCode === 200) text = Buffer.from(JSON.stringify(call.wrap(JSON.parse(text.toString()))));
      const hs = { ...r.headers, "cache-control": "no-store", "content-length": text.length };
      res.writeHead(r.statusCode, hs).end(text);
    });
  });
  out.on("error", () => res.writeHead(502).end());
  out.end(body);
}

/** opts: dist, api, token, officer, observer; returns the listening server. */
export function createDevServer(opts) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname.startsWith("/v1/")) return forward(opts, req, res);
    if (url.pathname === "/ui/auth/session") {
      res.writeHead(200, headers("application/json")).end(JSON.stringify({
        actor: { id: opts.officer, role: "officer" }, csrf_token: "dev", expires_at: new Date(Date.now() + 8 * 3600e3).toISOString(),
        idle_expires_at: new Date(Date.now() + 900e3).toISOString() }));
      return;
    }
    if (url.pathname === "/ui/auth/methods") return res.writeHead(200, headers("application/json")).end('{"password":true}');
    if (url.pathname.startsWith("/ui/")) return serveFile(opts.dist, url.pathname, res);
    res.writeHead(404, headers("text/plain")).end("not found");
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf("--" + name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const opts = {
    dist: arg("dist", path.join(root, "build/host_adapters/web/dist")),
    api: arg("api", "http://127.0.0.1:8080"),
    token: arg("token", ""),
    officer: arg("officer", "af-1"),
    observer: arg("observer", "tech-17"),
  };
  const port = Number(arg("port", "8081"));
  createDevServer(opts).listen(port, "127.0.0.1", () => console.log(`UI on http://127.0.0.1:${port}/ui/ (development only)`));
}
