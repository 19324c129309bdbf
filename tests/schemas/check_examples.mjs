// An independent check of schemas/ with ajv (JavaScript), so that the plugin's
// validator (valijson, C++) and a second implementation cannot drift apart:
// every schemas/examples/<name>/valid/*.json must match schemas/<name>.schema.json
// and every schemas/examples/<name>/invalid/*.json must not.
//
//   node tests/schemas/check_examples.mjs [schemas-dir] [--verbose]
//
// Run it from the repository root: ajv is a devDependency in package.json and
// is loaded from ./node_modules. --verbose prints why each invalid example fails.
// Exits 1 when any check fails, 2 on a usage or setup error.
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const MIN_VALID = 2;
const MIN_INVALID = 3;

const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const positional = args.filter((a) => !a.startsWith("--"));
if (positional.length > 1) {
    console.error("usage: node check_examples.mjs [schemas-dir] [--verbose]");
    process.exit(2);
}
const schemaDir = path.resolve(positional[0] ?? "schemas");
const exampleDir = path.join(schemaDir, "examples");

// Bare ESM imports resolve from this file's folder, not the working directory;
// load ajv like the repository root would (cwd first, then the repo that holds
// this script) so the script works wherever the checkout lives.
function load(name) {
    const bases = [
        path.join(process.cwd(), "package.json"),
        path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json"),
    ];
    for (const base of bases) {
        try {
            const mod = createRequire(base)(name);
            return mod.default ?? mod;
        } catch (err) {
            if (err.code !== "MODULE_NOT_FOUND") throw err;
        }
    }
    console.error(`${name} not found: run \`npm ci\` in the repository root`);
    process.exit(2);
}
const Ajv = load("ajv");
// "format": "date-time" and "date" are checked in full (real calendar dates),
// as the plugin's own format check does.
const addFormats = load("ajv-formats");

let passed = 0;
let failed = 0;
const fail = (message) => {
    failed += 1;
    console.log(`  FAIL ${message}`);
};

// Strict mode: unknown keywords, ignored keywords and the like are errors.
// Two strict checks look at one subschema at a time, and our schemas use a
// sound draft-07 idiom they cannot see through: a combinator branch that
// constrains a member its parent declares, e.g. "oneOf": [{"required":
// ["prompt_token"]}, ...] or "anyOf": [{"properties": {"signals": {"minItems":
// 1}}}, ...]. ajv then warns "required property ... is not defined"
// (strictRequired) and "missing type ... for keyword ..." (strictTypes).
// Rather than switch those checks off, they log, and each warning is excused
// only when an enclosing schema really declares that member (with that type);
// any other warning, e.g. a misspelt required name, fails the check.
const schemasById = new Map();
const strictWarnings = [];
const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictRequired: "log",
    strictTypes: "log",
    logger: {
        log: console.log,
        warn: (message) => strictWarnings.push(String(message)),
        error: console.error,
    },
});
addFormats(ajv, {mode: "full", formats: ["date-time", "date"]});

function pointerTokens(pointer) {
    return pointer
        .split("/")
        .slice(1)
        .map((t) => decodeURIComponent(t).replaceAll("~1", "/").replaceAll("~0", "~"));
}

// The schemas from the root down to (not including) the node at `pointer`.
function ancestorsOf(schema, pointer) {
    const chain = [];
    let node = schema;
    for (const token of pointerTokens(pointer)) {
        chain.push(node);
        node = node?.[token];
    }
    return chain;
}

function declaredType(node, member) {
    const type = node?.properties?.[member]?.type;
    return type === undefined ? [] : [type].flat();
}

const NOT_DEFINED = /required property "(.+)" is not defined at "(.+)#(.*)" \(strictRequired\)$/;
const MISSING_TYPE =
    /missing type "(.+)" for keyword "(.+)" at "(.+)#(.*)\/properties\/([^/]+)" \(strictTypes\)$/;

function excused(warning) {
    let m = warning.match(NOT_DEFINED);
    if (m) {
        const [, member, id, pointer] = m;
        const schema = schemasById.get(id);
        return ancestorsOf(schema, pointer).some((n) => n?.properties?.[member]);
    }
    m = warning.match(MISSING_TYPE);
    if (m) {
        const [, type, , id, pointer, member] = m;
        const schema = schemasById.get(id);
        return ancestorsOf(schema, pointer).some((n) => declaredType(n, member).includes(type));
    }
    return false;
}

function readJson(file) {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

function jsonFiles(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => path.join(dir, f));
}

function describeErrors(errors) {
    return (errors ?? [])
        .map((e) => `    ${e.instancePath || "/"} ${e.keyword}: ${e.message}`)
        .join("\n");
}

// Every schema is added before any is compiled, so the relative cross-file
// $refs ("catalog_view.schema.json", "concern.schema.json#/definitions/summary")
// resolve against the common $id base https://meldcode.invalid/schemas/.
const schemaFiles = fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith(".schema.json"))
    .sort();
if (schemaFiles.length === 0) {
    console.error(`no *.schema.json in ${schemaDir}`);
    process.exit(2);
}
const names = [];
for (const file of schemaFiles) {
    const name = file.slice(0, -".schema.json".length);
    const schema = readJson(path.join(schemaDir, file));
    const expectedId = `https://meldcode.invalid/schemas/${file}`;
    if (schema.$id !== expectedId) {
        fail(`${file}: $id is ${JSON.stringify(schema.$id)}, expected ${expectedId}`);
    }
    ajv.addSchema(schema, expectedId);
    schemasById.set(expectedId, schema);
    names.push(name);
}

for (const name of names) {
    let validate;
    try {
        validate = ajv.getSchema(`https://meldcode.invalid/schemas/${name}.schema.json`);
    } catch (err) {
        console.log(`${name}: does not compile`);
        fail(`${name}.schema.json: ${err.message}`);
        continue;
    }
    for (const warning of strictWarnings.splice(0)) {
        if (!excused(warning)) fail(`${name}.schema.json: ${warning}`);
        else if (verbose) console.log(`  excused: ${warning}`);
    }
    const dir = path.join(exampleDir, name);
    const valid = jsonFiles(path.join(dir, "valid"));
    const invalid = jsonFiles(path.join(dir, "invalid"));
    const before = failed;
    let ok = 0;
    for (const [file, expected] of [
        ...valid.map((f) => [f, true]),
        ...invalid.map((f) => [f, false]),
    ]) {
        const rel = path.relative(schemaDir, file);
        let doc;
        try {
            doc = readJson(file);
        } catch (err) {
            // An invalid example must be valid JSON that breaks a schema rule.
            fail(`${rel}: not JSON: ${err.message}`);
            continue;
        }
        const matches = validate(doc);
        if (matches === expected) {
            ok += 1;
            passed += 1;
            if (verbose && !expected) console.log(`  ${rel}\n${describeErrors(validate.errors)}`);
        } else if (expected) {
            fail(`${rel}: valid example rejected\n${describeErrors(validate.errors)}`);
        } else {
            fail(`${rel}: invalid example accepted`);
        }
    }
    if (valid.length < MIN_VALID || invalid.length < MIN_INVALID) {
        fail(
            `${path.relative(schemaDir, dir)}: needs at least ${MIN_VALID} valid and ` +
                `${MIN_INVALID} invalid examples, has ${valid.length} and ${invalid.length}`,
        );
    }
    const verdict = failed === before ? "ok" : "FAILED";
    console.log(
        `${name}: ${valid.length} valid, ${invalid.length} invalid, ${ok} as expected: ${verdict}`,
    );
}

// An examples folder without a schema is a typo or a leftover: it checks nothing.
if (fs.existsSync(exampleDir)) {
    for (const entry of fs.readdirSync(exampleDir, { withFileTypes: true })) {
        if (entry.isDirectory() && !names.includes(entry.name)) {
            fail(`examples/${entry.name}: no schema ${entry.name}.schema.json`);
        }
    }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
