// The workflow definition in one locale, as the officer's forms are rendered
// from it: GET /v1/workflow (schemas/workflow_view.schema.json), the
// definition the sidecar actually runs, typed from the OpenAPI document.
import { Api, query, type Schemas } from "../api.js";
import type { Locale } from "../i18n.js";

export type WorkflowView = Schemas["workflow_view.schema"];
export type ActionView = WorkflowView["actions"][number];
export type FieldView = ActionView["fields"][number];
export type FieldType = FieldView["type"];

export function loadWorkflow(api: Api, locale: Locale): Promise<WorkflowView> {
  return api.get<WorkflowView>("/v1/workflow" + query({ locale }));
}

export function stateLabel(w: WorkflowView, state: string): string {
  return w.states.find((s) => s.id === state)?.label ?? state;
}

export function action(w: WorkflowView, id: string): ActionView | undefined {
  return w.actions.find((a) => a.id === id);
}
