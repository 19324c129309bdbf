// The UI's afwegingskader logic (host_adapters/web/src/workbench/framework.ts)
// against the plugin's own rules, through a live sidecar: every set of
// answers the UI can make is accepted, asking a question the UI hides is
// refused, and in step 5 the plugin accepts exactly the decisions the UI
// offers (but for "neither report nor help", which it refuses by its own
// rule and the UI leaves to that refusal).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { build } from "esbuild";
import path from "node:path";
import { ROOT, concern, localDate, now, startSidecar } from "./harness.mjs";

let sidecar, framework;
let n = 0;

before(async () => {
  const out = await build({
    entryPoints: [path.join(ROOT, "host_adapters/web/src/workbench/framework.ts")],
    bundle: true, format: "esm", write: false, platform: "neutral",
  });
  framework = await import("data:text/javascript;base64," + Buffer.from(out.outputFiles[0].text).toString("base64"));
  sidecar = await startSidecar();
});

after(async () => sidecar?.stop());

const QUESTIONS = ["suspicion", "unsafety", "help_possible", "help_accepted"];

/** A concern at step 4 (conversation done). */
async function atStep4() {
  const ref = await concern(sidecar, ++n);
  for (const [action, fields] of [
    ["map_signals", { observations: "f", supporting_signals: "s", undermining_signals: "u", children_involved: "yes" }],
    ["consult", { consulted_with: "collega", consulted_at: now(), question: "q", advice: "a" }],
    ["skip_conversation", { skip_reason: "gevaar" }],
  ]) {
    assert.equal((await sidecar.call("POST", `/v1/concerns/${ref}/actions`, { body: { action, fields } })).status, 200);
  }
  return ref;
}

function weighFields(answers) {
  return Object.fromEntries(Object.entries(answers).map(([q, a]) => [q, { answer: a, explanation: "e" }]));
}

/** Every complete set of answers the UI can give: each shown question answered. */
function uiPaths() {
  const paths = [];
  const walk = (answers) => {
    const shown = framework.visibleQuestions(answers);
    const next = shown.find((q) => !(q in answers));
    if (!next) return paths.push(answers);
    for (const a of [true, false]) walk({ ...answers, [next]: a });
  };
  walk({});
  return paths;
}

function act(ref, action, fields) {
  return sidecar.call("POST", `/v1/concerns/${ref}/actions`, { body: { action, fields } });
}

test("every set of answers the UI shows is one the plugin accepts, and each has an outcome", async () => {
  const paths = uiPaths();
  assert.equal(paths.length, 5);
  for (const answers of paths) {
    assert.ok(framework.outcome(answers), JSON.stringify(answers));
    const r = await act(await atStep4(), "weigh", weighFields(answers));
    assert.equal(r.status, 200, JSON.stringify({ answers, r }));
  }
});

test("a question the UI does not show yet is refused by the plugin", async () => {
  for (const answers of uiPaths()) {
    const shown = framework.visibleQuestions(answers);
    const hidden = QUESTIONS.find((q) => !shown.includes(q));
    if (!hidden) continue;
    const r = await act(await atStep4(), "weigh", weighFields({ ...answers, [hidden]: true }));
    assert.equal(r.status, 422, JSON.stringify({ answers, hidden }));
    assert.match(r.body.pointer, new RegExp(`^/fields/${hidden}`));
  }
});

test("step 5: the plugin accepts exactly the decisions the UI offers", async () => {
  const review = localDate(30);
  for (const answers of uiPaths()) {
    const offered = framework.allowedDecisions(answers);
    for (const report of [true, false]) {
      for (const help of [true, false]) {
        const ref = await atStep4();
        assert.equal((await act(ref, "weigh", weighFields(answers))).status, 200);
        const fields = { report: { decision: report, rationale: "r" }, help: { decision: help, rationale: "r" },
                         ...(help ? { monitoring_agreements: "m", review_date: review } : {}) };
        const r = await act(ref, "decide", fields);
        const uiOffers = offered.report.includes(report) && offered.help.includes(help);
        const neither = answers.suspicion && !report && !help;
        const expected = uiOffers && !neither ? 200 : 422;
        assert.equal(r.status, expected, JSON.stringify({ answers, report, help, body: r.body }));
      }
    }
  }
});
