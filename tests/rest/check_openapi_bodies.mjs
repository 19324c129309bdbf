// Holds schemas/openapi.yaml to the payload schemas it is built from:
// - a request body that is a payload schema less a member the request carries
//   elsewhere (x-payload: the path's concern_ref, the Idempotency-Key header)
//   lists exactly the payload's members, each by $ref to it, requires what the
//   payload requires but that member, and keeps the payload's oneOf and anyOf;
// - every example the document points to (externalValue) exists and is valid
//   for the payload schema of its operation.
// So a member added to a payload schema cannot go missing from the contract.
//
//   node tests/rest/check_openapi_bodies.mjs   (from the repository root)
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
const payloads = {};
for (const file of fs.readdirSync(schemaDir).filter((f) => f.endsWith(".schema.json"))) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, file), "utf8"));
    ajv.addSchema(schema);
    payloads[file] = schema;
}

const failures = [];
const sameSet = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
const refsTo = (file, keyword, count) => Array.from({ length: count }, (_, i) => `./${file}#/${keyword}/${i}`);

function checkBody(name, body) {
    const { schema: file, given_elsewhere: given } = body["x-payload"];
    const payload = payloads[file];
    if (!payload) return failures.push(`${name}: no payload schema ${file}`);
    const members = Object.keys(payload.properties);
    if (!sameSet(Object.keys(body.properties), members)) {
        failures.push(`${name}: members ${Object.keys(body.properties)} are not ${file}'s ${members}`);
    }
    for (const [member, schema] of Object.entries(body.properties)) {
        if (schema.$ref !== `./${file}#/properties/${member}`) failures.push(`${name}/${member}: not a $ref to ${file}`);
    }
    const required = payload.required.filter((m) => m !== given);
    if (!payload.required.includes(given)) failures.push(`${name}: ${file} does not require ${given}`);
    if (!sameSet(body.required, required)) failures.push(`${name}: requires ${body.required}, not ${required}`);
    if (body.additionalProperties !== payload.additionalProperties) failures.push(`${name}: additionalProperties differs`);
    for (const keyword of ["oneOf", "anyOf", "allOf"]) {
        const want = refsTo(file, keyword, (payload[keyword] ?? []).length);
        const have = (body[keyword] ?? []).map((s) => s.$ref);
        if (!sameSet(have, want)) failures.push(`${name}: ${keyword} is ${have}, not ${want}`);
    }
}

// The payload schema a media type's schema stands for.
function payloadOf(schema) {
    const ref = schema.$ref;
    if (ref?.startsWith("./")) return ref.slice(2);
    if (ref?.startsWith("#/components/schemas/")) {
        return doc.components.schemas[ref.split("/").pop()]["x-payload"]?.schema;
    }
    return undefined;
}

function checkExamples(where, media) {
    for (const [name, example] of Object.entries(media.examples ?? {})) {
        if (!example.externalValue) continue;
        const file = path.join(schemaDir, example.externalValue);
        if (!fs.existsSync(file)) {
            failures.push(`${where} example ${name}: ${example.externalValue} does not exist`);
            continue;
        }
        const payload = payloadOf(media.schema);
        if (!payload) {
            failures.push(`${where} example ${name}: its schema is no payload schema`);
            continue;
        }
        const validate = ajv.getSchema(payloads[payload].$id);
        if (!validate(JSON.parse(fs.readFileSync(file, "utf8")))) {
            failures.push(`${where} example ${name}: ${ajv.errorsText(validate.errors)}`);
        }
    }
}

let bodies = 0;
for (const [name, schema] of Object.entries(doc.components.schemas)) {
    if (schema["x-payload"]) {
        checkBody(name, schema);
        bodies += 1;
    }
}
let examples = 0;
for (const [group, items] of [["paths", doc.paths], ["webhooks", doc.webhooks ?? {}]]) {
    for (const [template, item] of Object.entries(items)) {
        for (const [method, op] of Object.entries(item)) {
            for (const media of Object.values(op.requestBody?.content ?? {})) {
                checkExamples(`${group} ${method.toUpperCase()} ${template}`, media);
                examples += Object.keys(media.examples ?? {}).length;
            }
        }
    }
}
if (bodies === 0 || examples === 0) failures.push("nothing was checked: the document changed shape");

console.log(`${bodies} request bodies held to their payload schemas, ${examples} examples validated`);
for (const f of failures) console.error("FAIL " + f);
process.exit(failures.length ? 1 : 0);
