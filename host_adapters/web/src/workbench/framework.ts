// The afwegingskader's logic as the plugin enforces it
// (plugins/meldcode/core/workflow_rules.cpp): which question is asked after
// which answer, and which decisions step 5 may then take. The UI shows only
// what the rules allow; the plugin still checks every action.
import type { Entry } from "../api.js";

export type Answers = Partial<Record<"suspicion" | "unsafety" | "help_possible" | "help_accepted", boolean>>;
export type Outcome = "report" | "help" | "close";

/** The questions of step 4 to show, in order: each appears when the previous answer leads there. */
export function visibleQuestions(a: Answers): (keyof Answers)[] {
  const shown: (keyof Answers)[] = ["suspicion"];
  if (a.suspicion !== true) return shown;
  shown.push("unsafety");
  if (a.unsafety !== false) return shown;
  shown.push("help_possible");
  if (a.help_possible === true) shown.push("help_accepted");
  return shown;
}

/** Where the answers lead; undefined while a shown question is unanswered. */
export function outcome(a: Answers): Outcome | undefined {
  if (a.suspicion === false) return "close";
  if (a.suspicion === undefined || a.unsafety === undefined) return undefined;
  if (a.unsafety) return "report";
  if (a.help_possible === undefined) return undefined;
  if (!a.help_possible) return "report";
  if (a.help_accepted === undefined) return undefined;
  return a.help_accepted ? "help" : "report";
}

/** The decisions step 5 may take after these answers: the values offered for each. */
export function allowedDecisions(a: Answers): { report: boolean[]; help: boolean[] } {
  const o = outcome(a);
  if (o === "close") return { report: [false], help: [false] };
  const helpRuledOut = a.help_possible === false || a.help_accepted === false;
  return {
    report: o === "report" ? [true] : [true, false],
    help: helpRuledOut ? [false] : [true, false],
  };
}

/** The answers of the last step 4 recorded in a chronology. */
export function lastAssessment(chronology: Entry[]): Answers | undefined {
  for (let i = chronology.length - 1; i >= 0; i--) {
    const data = chronology[i]!.data as { action?: string; fields?: Record<string, { answer?: boolean }> };
    if (chronology[i]!.kind === "action" && data.action === "weigh" && data.fields) {
      const answers: Answers = {};
      for (const q of ["suspicion", "unsafety", "help_possible", "help_accepted"] as const) {
        const v = data.fields[q]?.answer;
        if (typeof v === "boolean") answers[q] = v;
      }
      return answers;
    }
  }
  return undefined;
}
