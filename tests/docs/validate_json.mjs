// Validates the JSON examples of the docs (tests/docs/doc_examples_test.py
// extracts them) with ajv against schemas/ and schemas/sidecar/.
//
//   node tests/docs/validate_json.mjs checks.json
//
// checks.json: [{"where": "docs/x.md:12", "schema": "ticket", "document": {...}}].
// Run from the repository root (ajv is a devDependency). Exits 1 when any
// document does not match.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const Ajv = require("ajv");
const addFormats = require("ajv-formats");

// Strictness is tests/schemas/check_examples.mjs's job; here only whether each document matches.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv, { mode: "full", formats: ["date-time", "date"] });
for (const dir of ["schemas", "schemas/sidecar"]) {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".schema.json"))) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")));
  }
}

let failures = 0;
const checks = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const { where, schema, document } of checks) {
  const validate = ajv.getSchema(`https://meldcode.invalid/schemas/${schema}.schema.json`);
  if (!validate) {
    console.log(`${where}: no schema ${schema}`);
    failures += 1;
  } else if (!validate(document)) {
    console.log(`${where}: does not match ${schema}:`);
    for (const e of validate.errors) console.log(`  ${e.instancePath || "/"} ${e.message}`);
    failures += 1;
  } else {
    console.log(`${where}: matches ${schema}`);
  }
}
process.exit(failures === 0 && checks.length > 0 ? 0 : 1);
