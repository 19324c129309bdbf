// The workflow definition in one locale, as the officer's forms are rendered
// from it: GET /v1/workflow (schemas/workflow_view.schema.json, issue 16), the
// definition the sidecar actually runs. A sidecar without that route (404) gets
// the same view made here from the definition the plugin compiles in
// (plugins/meldcode/resources/workflow.json).
import raw from "../../../../plugins/meldcode/resources/workflow.json";
import { Api, ApiError, query } from "../api.js";
import type { Locale } from "../i18n.js";

export type FieldType = "text" | "boolean" | "date" | "date_time" | "answer" | "decision" | "choice" | "people";

export interface FieldView {
  name: string;
  type: FieldType;
  required: boolean;
  label: string;
  help?: string;
  options?: { id: string; label: string }[];
}

export interface ActionView {
  id: string;
  label: string;
  help?: string;
  step?: number;
  from: string[];
  to?: string;
  warnings: { when: string; text: string }[];
  fields: FieldView[];
}

export interface WorkflowView {
  workflow_id: string;
  version: string;
  locale: Locale;
  initial_state: string;
  states: { id: string; label: string; final: boolean; allowed_actions: string[] }[];
  actions: ActionView[];
  framework: { questions: { field: string; text: string }[]; definitions: { id: string; term: string; text: string }[] };
}

type Localised = string | { nl: string; en: string } | undefined;

interface RawField {
  name: string;
  type: string;
  required: boolean;
  label?: Localised;
  help?: Localised;
  description?: string;
  options?: { id: string; label: Localised }[];
}

interface RawAction {
  id: string;
  label?: Localised;
  help?: Localised;
  step?: number;
  from: string[];
  to?: string;
  warnings?: { when: string; text: Localised }[];
  fields: RawField[];
}

interface RawWorkflow {
  id: string;
  version: string;
  initial_state: string;
  final_states: string[];
  states: { id: string; label: Localised }[];
  actions: RawAction[];
  framework?: { questions: { field: string; text: Localised }[]; definitions: { id: string; term: Localised; text: Localised }[] };
}

function text(value: Localised, locale: Locale): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  return value[locale];
}

/** "children_involved" → "Children involved": for a definition without labels. */
function humanise(name: string): string {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function allowedFrom(action: RawAction, state: string, finals: string[]): boolean {
  return action.from.includes(state) || (action.from.includes("*") && !finals.includes(state));
}

export function viewOf(w: RawWorkflow, locale: Locale): WorkflowView {
  const field = (f: RawField): FieldView => ({
    name: f.name,
    type: f.type as FieldType,
    required: f.required,
    label: text(f.label, locale) ?? humanise(f.name),
    ...(text(f.help, locale) ?? f.description ? { help: text(f.help, locale) ?? f.description } : {}),
    ...(f.options ? { options: f.options.map((o) => ({ id: o.id, label: text(o.label, locale) ?? o.id })) } : {}),
  });
  return {
    workflow_id: w.id,
    version: w.version,
    locale,
    initial_state: w.initial_state,
    states: w.states.map((s) => ({
      id: s.id,
      label: text(s.label, locale) ?? s.id,
      final: w.final_states.includes(s.id),
      allowed_actions: w.actions.filter((a) => allowedFrom(a, s.id, w.final_states)).map((a) => a.id),
    })),
    actions: w.actions.map((a) => ({
      id: a.id,
      label: text(a.label, locale) ?? humanise(a.id),
      ...(text(a.help, locale) ? { help: text(a.help, locale)! } : {}),
      ...(a.step ? { step: a.step } : {}),
      from: a.from,
      ...(a.to ? { to: a.to } : {}),
      warnings: (a.warnings ?? []).map((x) => ({ when: x.when, text: text(x.text, locale) ?? "" })),
      fields: a.fields.map(field),
    })),
    framework: {
      questions: (w.framework?.questions ?? []).map((q) => ({ field: q.field, text: text(q.text, locale) ?? q.field })),
      definitions: (w.framework?.definitions ?? []).map((d) => ({ id: d.id, term: text(d.term, locale) ?? d.id, text: text(d.text, locale) ?? "" })),
    },
  };
}

export async function loadWorkflow(api: Api, locale: Locale): Promise<WorkflowView> {
  try {
    return await api.get<WorkflowView>("/v1/workflow" + query({ locale }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return viewOf(raw as RawWorkflow, locale);
    throw e;
  }
}

export function stateLabel(w: WorkflowView, state: string): string {
  return w.states.find((s) => s.id === state)?.label ?? state;
}

export function action(w: WorkflowView, id: string): ActionView | undefined {
  return w.actions.find((a) => a.id === id);
}
