// <mc-action-form>: one workflow action's form, rendered from the workflow
// definition's fields. Step 4 (weigh) asks each question of the
// afwegingskader only when the previous answer leads there; step 5 (decide,
// review) offers only the decisions the answers allow. Fires mc-act with
// {action, fields}; the parent sends it and hands back the refusal, whose
// pointer names the field shown as invalid.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { LightElement } from "../element.js";
import { t } from "../i18n.js";
import { confirmation, focusConfirmation } from "./confirm.js";
import { allowedDecisions, outcome, visibleQuestions, type Answers } from "./framework.js";
import { refusalLines, type Refusal } from "./refusal.js";
import { fieldValue } from "./values.js";
import type { ActionView, FieldView, WorkflowView } from "./workflow.js";

export type { Refusal } from "./refusal.js";

/** The records that cannot be undone (step 4's weighing, step 5's decisions, the
 *  report to Veilig Thuis, the feedback sent to the observers): a summary of the
 *  answers is confirmed before they are recorded. */
export const CONFIRMED_ACTIONS = ["weigh", "decide", "review", "report_to_veilig_thuis", "give_feedback"];

type Pair = { answer?: boolean; text: string };
/** One person as the people editor holds them: the role ("adult A", "child 1"),
 *  the relation, the age as typed; other members a person already had are kept. */
export interface PersonRow {
  person: string;
  relation: string;
  age: string;
  rest?: Record<string, unknown>;
}
type Value = string | boolean | Pair | PersonRow[] | undefined;

/** A person as recorded on the concern (schemas/concern.schema.json#/definitions/person). */
export interface Person {
  person: string;
  relation: string;
  age?: number;
}

/** The most people a concern records (the plugin's kMaxPeople). */
const MAX_PEOPLE = 30;
const ADULT_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function isChild(role: string): boolean {
  return role.startsWith("child ");
}

/** A role as the officer reads it: "Volwassene A", "Kind 1". */
export function roleLabel(role: string): string {
  const [kind, id] = role.split(" ");
  return `${kind === "child" ? t("people_child") : t("people_adult")} ${id ?? ""}`.trim();
}

/** The people of a concern as the officer reads them: "Kind 1 (7 jaar): Kind als getuige". */
export function describePerson(p: Person, relations: { id: string; label: string }[]): string {
  const relation = relations.find((o) => o.id === p.relation)?.label ?? p.relation;
  const age = typeof p.age === "number" ? ` (${p.age} ${t("people_years")})` : "";
  return `${roleLabel(p.person)}${age}: ${relation}`;
}

export interface FeedbackText {
  id: string;
  text: string;
}

@customElement("mc-action-form")
export class ActionForm extends LightElement {
  @property({ attribute: false }) action!: ActionView;
  @property({ attribute: false }) workflow!: WorkflowView;
  /** The answers of step 4, for step 5's decisions. */
  @property({ attribute: false }) assessment: Answers = {};
  /** The fixed feedback messages (the form's feedback, in this locale). */
  @property({ attribute: false }) feedback: FeedbackText[] = [];
  @property({ attribute: false }) refusal?: Refusal;
  /** The concern's people now: record_people replaces them, so its editor starts from them. */
  @property({ attribute: false }) people: Person[] = [];
  @property({ type: Boolean }) busy = false;
  /** The signed-in officer's user id: "assign to me" fills it in. */
  @property() me = "";

  @state() private values: Record<string, Value> = {};
  /** What is about to be recorded, shown to confirm; undefined while the form is being filled in. */
  @state() private confirming?: Record<string, unknown>;

  private fid(name: string, part = ""): string {
    return `mc-f-${this.action.id}-${name}${part}`;
  }

  private set(name: string, value: Value): void {
    this.values = { ...this.values, [name]: value };
  }

  private pair(name: string): Pair {
    return (this.values[name] as Pair | undefined) ?? { text: "" };
  }

  /** The people field's rows: as edited, else the concern's people as they are. */
  private rows(name: string): PersonRow[] {
    const v = this.values[name];
    if (Array.isArray(v)) return v;
    return this.people.map(({ person, relation, age, ...rest }) =>
      ({ person, relation, age: age === undefined ? "" : String(age), ...(Object.keys(rest).length ? { rest } : {}) }));
  }

  /** The first role of the kind no one in the list has: roles of people kept keep their names. */
  private freeRole(kind: "adult" | "child", rows: PersonRow[]): string | undefined {
    const taken = new Set(rows.map((r) => r.person));
    const ids = kind === "adult" ? [...ADULT_LETTERS] : Array.from({ length: 99 }, (_, i) => String(i + 1));
    const id = ids.find((x) => !taken.has(`${kind} ${x}`));
    return id === undefined ? undefined : `${kind} ${id}`;
  }

  private async addPerson(name: string, kind: "adult" | "child"): Promise<void> {
    const rows = this.rows(name);
    const role = this.freeRole(kind, rows);
    if (!role || rows.length >= MAX_PEOPLE) return;
    this.set(name, [...rows, { person: role, relation: "", age: "" }]);
    await this.updateComplete;
    this.querySelector<HTMLElement>(`[data-field="${name}"] [data-person="${rows.length}"] select`)?.focus();
  }

  private async removePerson(name: string, index: number): Promise<void> {
    const rows = this.rows(name).filter((_, i) => i !== index);
    this.set(name, rows);
    await this.updateComplete;
    // The focus goes to the person now in that place, else to the first add button.
    const next = this.querySelector<HTMLElement>(`[data-field="${name}"] [data-person="${Math.min(index, rows.length - 1)}"] select`);
    (next ?? this.querySelector<HTMLElement>(`[data-field="${name}"] [data-add]`))?.focus();
  }

  private editPerson(name: string, index: number, change: Partial<PersonRow>): void {
    this.set(name, this.rows(name).map((r, i) => (i === index ? { ...r, ...change } : r)));
  }

  /** The rows as the action's people: what is left out or wrong the plugin refuses, naming it. */
  private peopleToSend(rows: PersonRow[]): Record<string, unknown>[] {
    return rows.map((r) => {
      const p: Record<string, unknown> = { ...r.rest, person: r.person };
      if (r.relation) p.relation = r.relation;
      const age = r.age.trim();
      if (age !== "") p.age = /^\d+$/.test(age) ? Number(age) : age;
      return p;
    });
  }

  private answers(): Answers {
    const a: Answers = {};
    for (const q of ["suspicion", "unsafety", "help_possible", "help_accepted"] as const) {
      const v = this.pair(q).answer;
      if (v !== undefined) a[q] = v;
    }
    return a;
  }

  /** The fields to show now, after what has been answered. */
  private visible(): FieldView[] {
    const fields = this.action.fields;
    if (this.action.id === "weigh") {
      const shown = visibleQuestions(this.answers()) as string[];
      return fields.filter((f) => shown.includes(f.name));
    }
    const help = this.pair("help").answer;
    if (this.action.id === "decide") {
      return fields.filter((f) => !["monitoring_agreements", "review_date"].includes(f.name) || help === true);
    }
    if (this.action.id === "review") {
      const effective = this.pair("help_effective").answer;
      return fields.filter((f) => f.name !== "report" || effective === false);
    }
    return fields;
  }

  /** The yes/no values a decision may take here. */
  private offered(f: FieldView): boolean[] {
    if (this.action.id === "decide" && (f.name === "report" || f.name === "help")) {
      return allowedDecisions(this.assessment)[f.name];
    }
    if (this.action.id === "review" && f.name === "report") return [true];
    return [true, false];
  }

  private fieldsToSend(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.visible()) {
      const v = this.values[f.name];
      if (f.type === "answer" || f.type === "decision") {
        const p = v as Pair | undefined;
        const only = f.type === "decision" ? this.offered(f) : [];
        const chosen = p?.answer ?? (only.length === 1 ? only[0] : undefined);
        if (chosen === undefined) continue;
        out[f.name] = f.type === "answer" ? { answer: chosen, explanation: p?.text.trim() ?? "" }
                                          : { decision: chosen, rationale: p?.text.trim() ?? "" };
      } else if (f.type === "people") {
        const rows = this.rows(f.name);
        if (rows.length) out[f.name] = this.peopleToSend(rows);
      } else if (f.type === "date_time" && typeof v === "string" && v) {
        out[f.name] = new Date(v).toISOString().replace(/\.\d{3}Z$/, "Z");
      } else if (typeof v === "string" ? v.trim() !== "" : v !== undefined) {
        out[f.name] = typeof v === "string" ? v.trim() : v;
      }
    }
    return out;
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy) return;
    if (this.confirming) {
      this.dispatchEvent(new CustomEvent("mc-act", { bubbles: true, detail: { action: this.action.id, fields: this.confirming } }));
      return;
    }
    const fields = this.fieldsToSend();
    if (!CONFIRMED_ACTIONS.includes(this.action.id)) {
      this.dispatchEvent(new CustomEvent("mc-act", { bubbles: true, detail: { action: this.action.id, fields } }));
      return;
    }
    // Irreversible: the summary first, and the focus on it, so a screen reader reads it out.
    this.confirming = fields;
    await focusConfirmation(this);
  }

  private async back(): Promise<void> {
    this.confirming = undefined;
    await this.updateComplete;
    this.querySelector<HTMLElement>("button[type=submit]")?.focus();
  }

  /** A field's value as the officer reads it in the summary. */
  private shown(f: FieldView, v: unknown): string {
    return fieldValue(this.action.id, f, v, this.feedback);
  }

  private summary(fields: Record<string, unknown>): TemplateResult {
    const rows = this.visible().filter((f) => f.name in fields).map((f) => ({ label: this.label(f), value: this.shown(f, fields[f.name]) }));
    // give_feedback without a message sends the observers "completed" (the field's help says so).
    if (this.action.id === "give_feedback" && !("message" in fields)) {
      const f = this.action.fields.find((x) => x.name === "message");
      const completed = this.feedback.find((m) => m.id === "completed")?.text;
      if (f && completed) rows.unshift({ label: f.label, value: completed });
    }
    return confirmation({ id: `mc-f-${this.action.id}`, what: this.action.label, note: t("confirm_irreversible"), rows,
      more: this.action.id === "weigh" && this.outcomeText() ? html`<p class="utrecht-paragraph">${this.outcomeText()}</p>` : nothing,
      busy: this.busy, back: () => void this.back() });
  }

  override willUpdate(changed: Map<string, unknown>): void {
    // A refusal (or the concern changed meanwhile): back to the form, where the field is shown.
    if (changed.has("refusal") && this.refusal) this.confirming = undefined;
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has("refusal") && this.refusal) {
      const [, , name, index, member] = this.refusal.pointer.split("/");
      const scope = index !== undefined ? `[data-field="${name}"] [data-person="${index}"]` : `[data-field="${name}"]`;
      const within = member ? `${scope} [data-member="${member}"]` : `${scope} input, ${scope} textarea, ${scope} select, ${scope} button`;
      const target = name ? this.querySelector<HTMLElement>(within) ?? this.querySelector<HTMLElement>(`${scope} select, ${scope} input, ${scope} button`) : null;
      (target ?? this.querySelector<HTMLElement>(".mc-form-error"))?.focus();
    }
  }

  override render(): TemplateResult {
    const a = this.action;
    const refusedField = this.refusal?.pointer.split("/")[2];
    return html`
      <form class="utrecht-form mc-action-form" novalidate autocomplete="off" data-action=${a.id}
            aria-labelledby=${this.fid("title")} @submit=${this.submit}>
        <h3 class="utrecht-heading-3" id=${this.fid("title")}>${a.label}</h3>
        ${a.help ? html`<p class="utrecht-paragraph">${a.help}</p>` : nothing}
        ${this.refusal ? html`<div class="utrecht-alert utrecht-alert--error mc-form-error" role="alert" tabindex="-1">
          ${refusalLines(this.refusal, `${t("error_generic")}.`)}</div>` : nothing}
        <div ?hidden=${!!this.confirming}>
          ${this.visible().map((f) => this.field(f, f.name === refusedField))}
          ${a.id === "weigh" ? this.weighOutcome() : nothing}
        </div>
        ${this.confirming ? this.summary(this.confirming) : html`<div class="mc-actions">
          <button type="submit" class="utrecht-button utrecht-button--primary-action" ?disabled=${this.busy}>${t("submit_action")}</button>
          <button type="button" class="utrecht-button utrecht-button--secondary-action"
                  @click=${() => this.dispatchEvent(new CustomEvent("mc-cancel", { bubbles: true }))}>${t("cancel")}</button>
        </div>`}
      </form>`;
  }

  private outcomeText(): string {
    const o = outcome(this.answers());
    return o === "report" ? t("framework_outcome_report") : o === "help" ? t("framework_outcome_help")
      : o === "close" ? t("framework_outcome_close") : "";
  }

  private weighOutcome(): TemplateResult {
    return html`<p class="utrecht-paragraph mc-outcome" role="status">${this.outcomeText()}</p>`;
  }

  private label(f: FieldView): string {
    if (this.action.id === "weigh" || (this.action.id === "review" && f.name === "help_effective")) {
      return this.workflow.framework.questions.find((q) => q.field === f.name)?.text ?? f.label;
    }
    return f.label;
  }

  private describe(f: FieldView, invalid: boolean): TemplateResult {
    return html`${f.help ? html`<p class="utrecht-form-field-description" id=${this.fid(f.name, "-help")}>${f.help}</p>` : nothing}
      ${invalid ? html`<p class="utrecht-form-field-error-message mc-error" id=${this.fid(f.name, "-error")}>${this.refusal?.message ?? t("error_field")}</p>` : nothing}`;
  }

  private describedBy(f: FieldView, invalid: boolean): string {
    return [f.help ? this.fid(f.name, "-help") : "", invalid ? this.fid(f.name, "-error") : ""].filter(Boolean).join(" ");
  }

  private field(f: FieldView, invalid: boolean): TemplateResult {
    const label = html`${this.label(f)}${f.required ? html` <span class="mc-hint">(${t("required")})</span>` : nothing}`;
    const described = this.describedBy(f, invalid);
    if (this.action.id === "give_feedback" && f.name === "message" && this.feedback.length) {
      return this.radios(f, label, this.feedback.map((m) => ({ id: m.id, label: m.text })), invalid);
    }
    switch (f.type) {
      case "answer":
      case "decision":
        return this.yesNoWithText(f, label, invalid);
      case "boolean":
        return this.radios(f, label, [{ id: "true", label: t("yes") }, { id: "false", label: t("no") }], invalid);
      case "choice":
        return this.radios(f, label, f.options ?? [], invalid);
      case "people":
        return this.peopleEditor(f, label, invalid);
      default: {
        if (this.action.id === "assign" && f.name === "assignee") return this.assignee(f, label, invalid);
        const input = f.type === "date" ? "date" : f.type === "date_time" ? "datetime-local" : "";
        return html`<div class="utrecht-form-field ${invalid ? "utrecht-form-field--invalid" : ""}" data-field=${f.name}>
          <label class="utrecht-form-label" for=${this.fid(f.name)}>${label}</label>
          ${this.describe(f, invalid)}
          ${input
            ? html`<input class="utrecht-textbox" type=${input} id=${this.fid(f.name)} aria-invalid=${invalid ? "true" : "false"}
                aria-describedby=${described || nothing} .value=${(this.values[f.name] as string) ?? ""}
                @input=${(e: Event) => this.set(f.name, (e.target as HTMLInputElement).value)}>`
            : html`<textarea class="utrecht-textarea" rows="2" id=${this.fid(f.name)} aria-invalid=${invalid ? "true" : "false"}
                aria-describedby=${described || nothing} .value=${(this.values[f.name] as string) ?? ""}
                @input=${(e: Event) => this.set(f.name, (e.target as HTMLTextAreaElement).value)}></textarea>`}
        </div>`;
      }
    }
  }

  /** assign: a user id is one line (Enter records it), and the officer can take the concern on themselves. */
  private assignee(f: FieldView, label: TemplateResult, invalid: boolean): TemplateResult {
    const described = this.describedBy(f, invalid);
    return html`<div class="utrecht-form-field ${invalid ? "utrecht-form-field--invalid" : ""}" data-field=${f.name}>
      <label class="utrecht-form-label" for=${this.fid(f.name)}>${label}</label>
      ${this.describe(f, invalid)}
      <input class="utrecht-textbox utrecht-textbox--html-input" type="text" id=${this.fid(f.name)} autocomplete="off"
        spellcheck="false" autocapitalize="off" maxlength="200" aria-invalid=${invalid ? "true" : "false"}
        aria-describedby=${described || nothing} .value=${(this.values[f.name] as string) ?? ""}
        @input=${(e: Event) => this.set(f.name, (e.target as HTMLInputElement).value)}>
      ${this.me ? html`<div class="mc-actions"><button type="button" class="utrecht-button utrecht-button--secondary-action"
        data-assign-me @click=${() => this.set(f.name, this.me)}>${t("assign_to_me")}</button></div>` : nothing}
    </div>`;
  }

  /** record_people: the list of persons, each a role with a relation and, for a child, an age. */
  private peopleEditor(f: FieldView, label: TemplateResult, invalid: boolean): TemplateResult {
    const rows = this.rows(f.name);
    const relations = f.options ?? [];
    const [, , , badIndex, badMember] = this.refusal?.pointer.split("/") ?? [];
    const full = rows.length >= MAX_PEOPLE;
    const replaces = this.fid(f.name, "-replaces");
    return html`<fieldset class="utrecht-form-fieldset mc-people ${invalid ? "utrecht-form-fieldset--invalid" : ""}" data-field=${f.name}
        aria-describedby=${[this.describedBy(f, invalid), replaces].filter(Boolean).join(" ")}>
      <legend class="utrecht-form-fieldset__legend">${label}</legend>
      ${this.describe(f, invalid)}
      <p class="utrecht-form-field-description" id=${replaces}>${t("people_replaces")}</p>
      ${rows.length === 0 ? html`<p class="utrecht-paragraph mc-hint" data-people-none>${t("people_none")}</p>` : nothing}
      <ol class="mc-people__list">${rows.map((r, i) => {
        const child = isChild(r.person);
        const role = roleLabel(r.person);
        const bad = (m: string) => invalid && badIndex === String(i) && badMember === m;
        const rel = this.fid(f.name, `-${i}-relation`);
        const age = this.fid(f.name, `-${i}-age`);
        return html`<li class="mc-person" data-person=${i} data-role=${r.person}>
          <fieldset class="utrecht-form-fieldset">
            <legend class="utrecht-form-fieldset__legend mc-person__role">${role}</legend>
            <div class="utrecht-form-field">
              <label class="utrecht-form-label" for=${rel}>${t("people_relation")}</label>
              <select class="utrecht-select utrecht-select--html-select" id=${rel} data-member="relation"
                aria-invalid=${bad("relation") ? "true" : "false"}
                @change=${(e: Event) => this.editPerson(f.name, i, { relation: (e.target as HTMLSelectElement).value })}>
                <option value="" ?selected=${r.relation === ""}>${t("people_choose")}</option>
                ${relations.filter((o) => child || o.id !== "child_witness" || r.relation === o.id).map((o) =>
                  html`<option value=${o.id} ?selected=${r.relation === o.id}>${o.label}</option>`)}
              </select>
            </div>
            ${child ? html`<div class="utrecht-form-field">
              <label class="utrecht-form-label" for=${age}>${t("people_age")} <span class="mc-hint">(${t("people_age_hint")})</span></label>
              <input class="utrecht-textbox utrecht-textbox--html-input mc-person__age" type="text" inputmode="numeric" pattern="[0-9]*"
                maxlength="3" id=${age} data-member="age" aria-invalid=${bad("age") ? "true" : "false"} .value=${r.age}
                @input=${(e: Event) => this.editPerson(f.name, i, { age: (e.target as HTMLInputElement).value })}>
            </div>` : nothing}
            <button type="button" class="utrecht-button utrecht-button--secondary-action" data-remove
              @click=${() => this.removePerson(f.name, i)}>${role} ${t("people_remove")}</button>
          </fieldset>
        </li>`;
      })}</ol>
      <div class="mc-actions">
        <button type="button" class="utrecht-button utrecht-button--secondary-action" data-add="adult"
          ?disabled=${full || !this.freeRole("adult", rows)} @click=${() => this.addPerson(f.name, "adult")}>${t("people_add_adult")}</button>
        <button type="button" class="utrecht-button utrecht-button--secondary-action" data-add="child"
          ?disabled=${full || !this.freeRole("child", rows)} @click=${() => this.addPerson(f.name, "child")}>${t("people_add_child")}</button>
      </div>
      ${full ? html`<p class="utrecht-paragraph mc-hint" role="status">${t("people_full")}</p>` : nothing}
    </fieldset>`;
  }

  private radios(f: FieldView, label: TemplateResult, options: { id: string; label: string }[], invalid: boolean): TemplateResult {
    const current = this.values[f.name];
    const asValue = (id: string): Value => (f.type === "boolean" ? id === "true" : id);
    return html`<fieldset class="utrecht-form-fieldset ${invalid ? "utrecht-form-fieldset--invalid" : ""}" data-field=${f.name}
        aria-describedby=${this.describedBy(f, invalid) || nothing}>
      <legend class="utrecht-form-fieldset__legend">${label}</legend>
      ${this.describe(f, invalid)}
      <div class="mc-inline-options">${options.map((o) => html`<label>
        <input type="radio" class="utrecht-radio-button utrecht-radio-button--html-input" name=${this.fid(f.name)} value=${o.id}
          .checked=${current === asValue(o.id)} @change=${() => this.set(f.name, asValue(o.id))}>${o.label}</label>`)}</div>
    </fieldset>`;
  }

  private yesNoWithText(f: FieldView, label: TemplateResult, invalid: boolean): TemplateResult {
    const p = this.pair(f.name);
    const offered = f.type === "decision" ? this.offered(f) : [true, false];
    const forcedReport = f.type === "decision" && f.name === "report" && offered.length === 1 && offered[0] === true;
    const chosen = p.answer ?? (offered.length === 1 ? offered[0] : undefined);
    const textLabel = f.type === "answer" ? t("explanation") : t("rationale");
    return html`<fieldset class="utrecht-form-fieldset ${invalid ? "utrecht-form-fieldset--invalid" : ""}" data-field=${f.name}
        aria-describedby=${this.describedBy(f, invalid) || nothing}>
      <legend class="utrecht-form-fieldset__legend">${label}</legend>
      ${this.describe(f, invalid)}
      ${forcedReport ? html`<p class="utrecht-paragraph mc-forced" role="note">${t("report_forced")}</p>` : nothing}
      ${f.type === "decision" && offered.length === 1 && offered[0] === false && this.action.id === "decide" && f.name === "report"
        ? html`<p class="utrecht-paragraph" role="note">${t("no_report_no_help")}</p>` : nothing}
      ${f.name === "unsafety" ? this.definitions() : nothing}
      <div class="mc-inline-options">${offered.map((v) => html`<label>
        <input type="radio" class="utrecht-radio-button utrecht-radio-button--html-input" name=${this.fid(f.name)} value=${String(v)}
          .checked=${chosen === v} @change=${() => this.set(f.name, { ...this.pair(f.name), answer: v })}>${v ? t("yes") : t("no")}</label>`)}</div>
      <label class="utrecht-form-label" for=${this.fid(f.name, "-text")}>${textLabel}</label>
      <textarea class="utrecht-textarea" rows="2" id=${this.fid(f.name, "-text")} .value=${p.text}
        @input=${(e: Event) => this.set(f.name, { ...this.pair(f.name), text: (e.target as HTMLTextAreaElement).value })}></textarea>
    </fieldset>`;
  }

  private definitions(): TemplateResult | typeof nothing {
    const defs = this.workflow.framework.definitions;
    if (!defs.length) return nothing;
    return html`<dl class="mc-definitions">${defs.map((d) => html`<dt>${d.term}</dt><dd>${d.text}</dd>`)}</dl>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "mc-action-form": ActionForm;
  }
}
