// A refused action as the officer reads it: a sentence in the UI's language
// made from the problem's stable code and pointer, naming the field by the
// label the form shows (never "/fields/<name>" or an internal action or state
// name). The server's English detail is kept only as a secondary line, with
// the pointers in it replaced by the labels, where it says more than the
// sentence does. The same holds for what fails outside an action's form (a
// page that did not load, the legal hold, an export): problemOf.
import { html, nothing, type TemplateResult } from "lit";
import { ApiError } from "../api.js";
import { t, tf, type Key } from "../i18n.js";
import { action, stateLabel, type WorkflowView } from "./workflow.js";

export interface Refusal {
  /** The JSON pointer of the problem: /fields/<name>[/...] names a field of the form. */
  pointer: string;
  /** The sentence shown, in the UI's language. */
  message: string;
  /** The server's own explanation, as a secondary line; absent when the sentence says it all. */
  detail?: string;
}

/** The conflict codes of the workflow's order: the same words as the "not yet" list. */
const ORDER_CODES = ["not_reported", "no_feedback_pending", "feedback_required", "melding_required",
  "specialist_consultation_required", "assessment_missing"];

/** The label of the action's field a pointer names, or "" when it names none. */
export function fieldLabel(w: WorkflowView, actionId: string, pointer: string): string {
  const [, root, name] = pointer.split("/");
  if (root !== "fields" || !name) return "";
  return action(w, actionId)?.fields.find((x) => x.name === name)?.label ?? "";
}

/** The server's detail without the pointers: each /fields/<name> named by its label. */
function readable(w: WorkflowView, actionId: string, detail: string): string {
  const why = detail.replace(/^invalid field \S+: /, "");
  return why.replace(/\/fields\/[a-z0-9_]+(\/[A-Za-z0-9_/]*)?/g, (p) => {
    const label = fieldLabel(w, actionId, p);
    return label ? `‘${label}’` : "";
  });
}

export function refusalOf(err: ApiError, w: WorkflowView, actionId: string, state: string): Refusal {
  const pointer = err.pointer;
  const field = fieldLabel(w, actionId, pointer);
  const say = (withField: Key, without: Key, values: Record<string, string> = {}) =>
    field ? tf(withField, { ...values, field }) : t(without);
  const code = err.code;
  const detail = err.message && err.message !== code ? readable(w, actionId, err.message) : "";
  switch (code) {
    case "missing_field":
      return { pointer, message: say("refused_missing_field", "refused_missing") };
    case "in_the_future":
      return { pointer, message: say("refused_in_the_future", "refused_in_the_future_plain") };
    case "invalid_field": {
      // The reasons an officer meets most, in the UI's own words; any other one as the secondary line.
      if (field && /must not be empty/.test(err.message)) return { pointer, message: tf("refused_not_empty", { field }) };
      if (field && /too long/.test(err.message)) return { pointer, message: tf("refused_too_long", { field }) };
      if (field && /must not be in the past/.test(err.message)) return { pointer, message: tf("refused_past_date", { field }) };
      return { pointer, message: say("refused_invalid_field", "refused_invalid"), ...(detail ? { detail } : {}) };
    }
    case "string_too_long":
      return { pointer, message: say("refused_too_long", "refused_invalid") };
    case "control_character":
      return { pointer, message: say("refused_control_character", "refused_invalid") };
    case "report_required":
      return { pointer, message: field ? tf("refused_report_required", { field }) : t("report_forced") };
    case "transition_not_allowed":
      return { pointer: "", message: tf("refused_transition_not_allowed",
        { action: action(w, actionId)?.label ?? actionId, state: stateLabel(w, state) }) };
    case "concern_changed":
      return { pointer: "", message: t("concern_changed") };
    case "unknown_field":
      return { pointer: "", message: t("refused_unknown_field") };
    case "idempotency_key_reused":
      return { pointer: "", message: t("refused_idempotency_key_reused") };
  }
  if (ORDER_CODES.includes(code)) return { pointer, message: tf("refused_not_now", { why: t(`blocked_${code}` as Key) }) };
  if (err.status === 403) return { pointer: "", message: t("refused_forbidden") };
  if (err.status === 404) return { pointer: "", message: t("refused_not_found") };
  return { pointer, message: field ? say("refused_invalid_field", "refused_other") : t("refused_other"), ...(detail ? { detail } : {}) };
}

/** Why something other than an action failed: what failed (`failed`, in the UI's words), then why,
 *  from the answer's status; the server's English at most as the detail, as with an action. A
 *  request that got no answer says so: its error text is the browser's, not the server's. */
export function problemOf(err: unknown, failed: Key): Refusal {
  if (!(err instanceof ApiError)) return { pointer: "", message: `${t(failed)} ${t("problem_network")}` };
  const why = err.status === 403 ? t("problem_forbidden") : err.status === 404 ? t("refused_not_found")
    : err.status === 429 ? t("problem_busy") : t("problem_try_again");
  const detail = err.message && err.message !== err.code ? err.message : "";
  return { pointer: err.pointer, message: `${t(failed)} ${why}`, ...(detail ? { detail } : {}) };
}

/** The sentence, with `lead` before it, and the server's English, if any, as a second line marked as English. */
export function refusalLines(r: Refusal, lead = ""): TemplateResult {
  return html`<p class="utrecht-paragraph">${lead ? html`<strong>${lead}</strong> ` : nothing}${r.message}</p>
    ${r.detail ? html`<p class="utrecht-paragraph mc-hint" data-refusal-detail>${t("refused_detail")}
      <span lang="en">${r.detail}</span></p>` : nothing}`;
}

/** A page's alert for a problem (problemOf), or nothing. */
export function problemAlert(r: Refusal | undefined): TemplateResult | typeof nothing {
  return r ? html`<div class="utrecht-alert utrecht-alert--error" role="alert" data-problem>${refusalLines(r)}</div>` : nothing;
}
