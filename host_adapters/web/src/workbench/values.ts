// A recorded value as the officer reads it, from the workflow view's field
// definition: a choice by its option's label, a boolean as Ja/Nee, a moment in
// the browser's own time zone, a civil date as that day, an answer or a
// decision as Ja/Nee with its explanation. Used by the summary before an
// irreversible record and by the chronology.
import { locale, t } from "../i18n.js";
import { formatDate } from "./list.js";
import type { FieldView } from "./workflow.js";

/** A moment (RFC 3339) in the browser's time zone, as the rest of the workbench shows one. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(locale() === "nl" ? "nl-NL" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function yesNo(b: unknown): string {
  return b ? t("yes") : t("no");
}

/** The value of field `f` of action `actionId`; `feedback` names give_feedback's fixed messages. */
export function fieldValue(actionId: string, f: FieldView | undefined, v: unknown,
                           feedback: { id: string; text: string }[] = []): string {
  if (v && typeof v === "object" && ("answer" in v || "decision" in v)) {
    const o = v as { answer?: boolean; decision?: boolean; explanation?: string; rationale?: string };
    const why = o.explanation || o.rationale || "";
    return yesNo(o.answer ?? o.decision) + (why ? `: ${why}` : "");
  }
  if (typeof v === "boolean") return yesNo(v);
  if (actionId === "give_feedback" && f?.name === "message") return feedback.find((m) => m.id === v)?.text ?? String(v);
  if (f?.type === "choice") return f.options?.find((o) => o.id === v)?.label ?? String(v);
  if (f?.type === "date_time" && typeof v === "string") return formatDateTime(v);
  if (f?.type === "date" && typeof v === "string") return formatDate(v);
  return typeof v === "string" ? v : JSON.stringify(v);
}
