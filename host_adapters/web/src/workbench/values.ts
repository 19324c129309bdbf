// A recorded value as the officer reads it, from the workflow view's field
// definition: a choice by its option's label, a boolean as Ja/Nee, a moment in
// the browser's own time zone, a civil date as that day, an answer or a
// decision as Ja/Nee with its explanation. Used by the summary before an
// irreversible record and by the chronology. The same for what the host's
// system reported (a host event) and a household's move: titled by their kind,
// their members named in words, never by their JSON names.
import { locale, t, type Key } from "../i18n.js";
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

/** schemas/host_event.schema.json's kinds and elements: the ones the UI has words for. */
const HOST_EVENT_KINDS = ["nuisance_complaint", "rent_arrears", "repeated_repair", "access_refused", "safety_move_request",
  "tenant_changed"];
const ELEMENTS = ["door", "lock", "wall", "window", "other"];
/** What a count counts, by the event's kind (the schema's description of count). */
const COUNTED: Record<string, Key> = { rent_arrears: "host_count_rent_arrears", repeated_repair: "host_count_repeated_repair",
  access_refused: "host_count_access_refused" };
/** The members shown, in this order; the kind is the title. */
const MEMBERS: Record<string, Key> = { count: "host_count", element: "host_element", description: "host_description",
  from_unit_id: "moved_from", to_unit_id: "moved_to", household_ref: "host_household", event_id: "host_event_id" };

function known(list: string[], v: unknown): v is string {
  return typeof v === "string" && list.includes(v);
}

/** A host event's title by its kind, or a household's move; a kind the UI does not know by the general words. */
export function hostEntryTitle(entryKind: string, d: Record<string, unknown>): string {
  if (entryKind === "household_moved") return t("kind_household_moved");
  return known(HOST_EVENT_KINDS, d.kind) ? t(`host_event_${d.kind}` as Key) : t("kind_host_event");
}

/** A host event's or a move's members as label and value; a member the UI does not know keeps its name. */
export function hostEntryFacts(d: Record<string, unknown>): { name: string; label: string; value: unknown }[] {
  const names = [...Object.keys(MEMBERS).filter((n) => n in d), ...Object.keys(d).filter((n) => !(n in MEMBERS) && n !== "kind")];
  return names.map((name) => {
    const v = d[name];
    if (name === "count") return { name, label: t(COUNTED[String(d.kind)] ?? "host_count"), value: v };
    if (name === "element") return { name, label: t("host_element"), value: known(ELEMENTS, v) ? t(`element_${v}` as Key) : v };
    return { name, label: MEMBERS[name] ? t(MEMBERS[name]!) : name, value: v };
  });
}
