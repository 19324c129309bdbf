#!/usr/bin/env node
// Builds the web UI into <out>/dist (run by the CMake target meldcode_web):
// 1. types from schemas/openapi.yaml (openapi-typescript) into <out>/gen,
// 2. tsc type-checks every source against them, so an API change the UI does
//    not follow fails the build,
// 3. esbuild bundles the pages' code and styles with content-hashed names,
// 4. the HTML pages are written with those names; manifest.json maps each
//    entry (for a host embedding <meldcode-capture>) to its file.
// No page holds inline script or style: the sidecar's CSP forbids them.
import { build } from "esbuild";
import openapiTS, { astToString } from "openapi-typescript";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const outArg = process.argv.indexOf("--out");
const out = path.resolve(outArg > 0 ? process.argv[outArg + 1] : path.join(root, "build/host_adapters/web"));
const gen = path.join(out, "gen");
const dist = path.join(out, "dist");

async function generateTypes() {
  fs.mkdirSync(gen, { recursive: true });
  const ast = await openapiTS(pathToFileURL(path.join(root, "schemas/openapi.yaml")));
  fs.writeFileSync(path.join(gen, "openapi.d.ts"), astToString(ast));
  // "meldcode-openapi" names the generated types in the sources.
  fs.writeFileSync(path.join(gen, "tsconfig.json"), JSON.stringify({
    extends: path.join(here, "tsconfig.json"),
    compilerOptions: { paths: { "meldcode-openapi": ["./openapi.d.ts"] } },
    include: [path.join(here, "src/**/*.ts"), "./openapi.d.ts"],
  }, null, 2));
}

function typeCheck() {
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", path.join(gen, "tsconfig.json")], { stdio: "pipe" });
  } catch (e) {
    process.stderr.write(e.stdout.toString() + e.stderr.toString());
    throw new Error("web UI: the type check failed (tsc)");
  }
}

const entries = {
  workbench: "src/workbench/main.ts",
  capture: "src/capture/page.ts",
  "capture-element": "src/capture/element.ts",
  enrol: "src/enrol/main.ts",
  styles: "src/styles.css",
};

async function bundle() {
  fs.rmSync(dist, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: here,
    entryPoints: entries,
    bundle: true,
    splitting: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    outdir: path.join(dist, "assets"),
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    tsconfig: path.join(here, "tsconfig.json"),
    metafile: true,
    logLevel: "warning",
  });
  const byEntry = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const name = Object.keys(entries).find((k) => path.resolve(here, entries[k]) === path.resolve(here, meta.entryPoint));
    if (name) byEntry[name] = "assets/" + path.basename(file);
  }
  return byEntry;
}

// Every page: one shell, its stylesheet and module by their hashed names.
const pages = {
  "index.html": { title: "Meldcode", script: "workbench", body: "<meldcode-workbench></meldcode-workbench>" },
  "capture.html": { title: "Werkbon", script: "capture", bodyClass: "mc-body--capture", body: '<div id="mc-root"></div>' },
  "enrol.html": { title: "Meldcode: account activeren", script: "enrol", body: "<meldcode-enrol></meldcode-enrol>" },
  // Quick hide's cover: nothing that tells what was on the screen before.
  "neutral.html": { title: "Klaar", body: '<main class="mc-neutral"><h1 class="utrecht-heading-1">Klaar</h1>' +
    '<p class="utrecht-paragraph">Er staat niets meer open.</p></main>' },
};

function writePages(assets) {
  for (const [name, p] of Object.entries(pages)) {
    fs.writeFileSync(path.join(dist, name), `<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${p.title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets.styles}">
${p.script ? `<script type="module" src="${assets[p.script]}"></script>\n` : ""}</head>
<body class="utrecht-theme utrecht-document mc-body${p.bodyClass ? " " + p.bodyClass : ""}">
${p.body}
</body>
</html>
`);
  }
  fs.writeFileSync(path.join(dist, "manifest.json"), JSON.stringify(assets, null, 2) + "\n");
}

await generateTypes();
typeCheck();
writePages(await bundle());
