// Validates every real exchange the end-to-end test recorded against
// schemas/openapi.yaml with ajv, independently of the sidecar's code:
// the status must be documented for the operation, the content type must be
// the documented one and the body must match the documented schema (the
// payload schemas themselves, by $ref). Every documented operation must have
// been exercised at least once with a success status.
//
//   node tests/rest/check_openapi_responses.mjs <exchanges.jsonl>...   (from the repository root)
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const Ajv = require("ajv");
const addFormats = require("ajv-formats");
const yaml = require("js-yaml");

const schemaDir = path.resolve("schemas");
const doc = yaml.load(fs.readFileSync(path.join(schemaDir, "openapi.yaml"), "utf8"));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const idOf = {};
for (const file of fs.readdirSync(schemaDir).filter((f) => f.endsWith(".schema.json"))) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, file), "utf8"));
    ajv.addSchema(schema);
    idOf[`./${file}`] = schema.$id;
}

const pointer = (ref) => ref.slice(2).split("/").reduce((node, key) => node[key], doc);
const deref = (node) => (node && node.$ref && node.$ref.startsWith("#/") ? deref(pointer(node.$ref)) : node);
// A payload file named relatively ("./x.schema.json#/properties/y") by its $id.
const absolute = (node) => {
    if (Array.isArray(node)) return node.map(absolute);
    if (typeof node !== "object" || node === null) return node;
    const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, absolute(v)]));
    const [file, fragment] = (node.$ref ?? "").split("#");
    if (idOf[file]) out.$ref = idOf[file] + (fragment === undefined ? "" : "#" + fragment);
    return out;
};
const validatorFor = (schema) =>
    schema.$ref && idOf[schema.$ref] ? ajv.getSchema(idOf[schema.$ref]) : ajv.compile(absolute(schema));

// Documented operations, with a regular expression for each path template.
const operations = [];
for (const [template, item] of Object.entries(doc.paths)) {
    const re = new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$");
    for (const [method, op] of Object.entries(item)) {
        operations.push({ key: `${method.toUpperCase()} ${template}`, method: method.toUpperCase(), re, op, ok: 0 });
    }
}
const find = (method, p) => operations.find((o) => o.method === method && o.re.test(p));

const failures = [];
const lines = process.argv
    .slice(2)
    .flatMap((file) => fs.readFileSync(file, "utf8").split("\n"))
    .filter(Boolean);
for (const line of lines) {
    const x = JSON.parse(line);
    const where = `${x.method} ${x.path} -> ${x.status}`;
    const operation = find(x.method, x.path);
    if (!operation) {
        // Undocumented routes may only ever answer with a problem.
        if (x.content_type !== "application/problem+json" || ![401, 404, 405, 429].includes(x.status)) {
            failures.push(`${where}: undocumented route answered ${x.content_type}`);
        } else if (!validatorFor(doc.components.schemas.Problem)(x.body)) {
            failures.push(`${where}: not a Problem`);
        }
        continue;
    }
    const response = deref(operation.op.responses[String(x.status)]);
    if (!response) {
        failures.push(`${where}: status not documented for ${operation.key}`);
        continue;
    }
    if (!response.content && x.content_type === "" && x.body === "") {
        if (x.status < 400) operation.ok += 1;  // 204, 302: documented without a body
        continue;
    }
    const media = x.content_type.split(";")[0].trim();
    const content = response.content?.[media];
    if (!content) {
        failures.push(`${where}: content type ${media} not documented`);
        continue;
    }
    if (media === "text/plain") {
        if (typeof x.body !== "string") failures.push(`${where}: not text`);
    } else {
        const validate = validatorFor(deref(content.schema));
        if (!validate(x.body)) failures.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    }
    if (x.status < 300) operation.ok += 1;
}
for (const o of operations) if (o.ok === 0) failures.push(`${o.key}: never exercised with success`);

console.log(`${lines.length} exchanges against ${operations.length} documented operations`);
for (const f of failures) console.error("FAIL " + f);
process.exit(failures.length ? 1 : 0);
