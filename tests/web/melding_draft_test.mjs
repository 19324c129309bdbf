// The melding draft for Veilig Thuis in the workbench (issue 19): reached
// from the concern's page, printed to PDF by Debian's chromium, and the PDF's
// text read back with poppler's pdftotext: every section with the content
// recorded, the places to fill in marked, the screen's controls and the
// technician's id not on paper; the technician named only when ticked.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { DESKTOP, TECH, concern, now, seriousViolations, stack, watchConsole } from "./harness.mjs";

const s = stack();

const OBSERVATION = "Een kind huilde achter een deur met een slot aan de buitenkant.";
const INTERPRETATION = "De opzichter denkt dat het kind wordt opgesloten.";
const READING = "Ik duid de reactie als ontwijkend.";
const NOT_TO_SHARE = "Dat het kind zelf over het slot vertelde.";

async function act(ref, action, fields) {
  const r = await s.sidecar.call("POST", `/v1/concerns/${ref}/actions`, { body: { action, fields } });
  assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.body)}`);
}

/** A concern walked through the five steps to a melding, as an officer records it. */
async function reportedConcern() {
  const ref = await concern(s.sidecar, 1901, { observations: OBSERVATION });
  await act(ref, "assign", { assignee: "af-1" });
  await act(ref, "record_people", { people: [{ person: "adult A", relation: "possible_victim" },
    { person: "adult B", relation: "suspected_perpetrator" }, { person: "child 1", relation: "child_witness", age: 7 }] });
  await act(ref, "map_signals", { observations: "Slot op de buitenkant van de kinderkamer.", supporting_signals: "Geschreeuw gemeld.",
    undermining_signals: "Geen letsel gezien.", children_involved: "yes", interpretations: INTERPRETATION });
  await act(ref, "consult", { consulted_with: "Veilig Thuis, anoniem advies", consulted_at: now(), question: "Melden?",
    advice: "Eerst het gesprek voeren, dan afwegen." });
  await act(ref, "hold_conversation", { held_with: "adult A", held_at: now(), facts_presented: "Het slot.",
    reaction: "Het slot is van de vorige huurder.", officer_reading: READING });
  await act(ref, "weigh", { suspicion: { answer: true, explanation: "Slot en geschreeuw samen." },
    unsafety: { answer: true, explanation: "Structureel, al maanden." } });
  await act(ref, "decide", { report: { decision: true, rationale: "Norm 1." }, help: { decision: false, rationale: "Veilig Thuis beslist." } });
  await act(ref, "report_to_veilig_thuis", { reported_at: now(), channel: "phone", region: "Utrecht", client_informed: false,
    not_informed_reason: "Het kind zou gevaar lopen.", reporter_unnamed_to_family: true,
    corporation_role: "Blijft reparaties doen.", not_to_share_with_family: NOT_TO_SHARE });
  return ref;
}

/** The text of a PDF, its whitespace collapsed: lines wrap where the page ends. */
function pdfText(pdf) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "meldcode-pdf-")), "draft.pdf");
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

test("the officer opens the melding draft from the concern and prints it to PDF", async () => {
  const ref = await reportedConcern();
  const context = await s.browser.newContext({ ...DESKTOP, locale: "nl-NL", timezoneId: "Europe/Amsterdam",
    storageState: s.ui.storageState });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(`${s.ui.url}/ui/index.html#/concerns/${ref}`);
  await page.locator("[data-melding-draft-link]").click();
  await page.locator("[data-melding-draft]").waitFor();
  assert.equal(new URL(page.url()).hash, `#/concerns/${ref}/melding-draft`);
  assert.equal(await page.locator("[data-include-observer]").isChecked(), false);
  assert.deepEqual(await seriousViolations(page), []);

  await page.emulateMedia({ media: "print" });
  const text = pdfText(await page.pdf({ format: "A4", printBackground: false }));
  for (const wanted of ["Concept-melding aan Veilig Thuis", "«in te vullen:", "1. Melder", "2. Betrokkenen", "3. Melding",
    "4. Ondersteunend netwerk", "5. Overige informatie", "Volwassene A", "Mogelijk slachtoffer", "Kind 1", "7 jaar",
    OBSERVATION, INTERPRETATION, READING, "(interpretatie)", "(feit)", "Afweging 2: Is er sprake van acute onveiligheid",
    "Eerst het gesprek voeren, dan afwegen.", "Het kind zou gevaar lopen.", NOT_TO_SHARE,
    "naam en geboortedatum uit het eigen systeem"]) {
    assert.ok(text.includes(wanted), `the PDF lacks ${wanted}`);
  }
  // On paper: the draft only, not the screen's controls, the signed-in
  // officer or the technician.
  for (const absent of ["Afdrukken of opslaan als pdf", "Terug naar de zorg", "Uitloggen", TECH]) {
    assert.ok(!text.includes(absent), `the PDF holds ${absent}`);
  }

  await page.emulateMedia({ media: "screen" });
  await page.locator("[data-include-observer]").check();
  await page.locator("[data-melding-draft]", { hasText: `medewerker ${TECH}` }).waitFor();
  assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused to|Uncaught/.test(e)), []);
  await context.close();
});
