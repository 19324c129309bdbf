// <mc-concern-page>: one concern: its facts, its chronology (a page at a
// time), the forms of the actions allowed now, feedback to the reporter, the
// legal hold and the data-subject export.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { Api, ApiError, query, type Concern, type Entry, type ExportPending, type ExportRequest, type Form, type LegalHoldRequest } from "../api.js";
import { LightElement, randomKey } from "../element.js";
import { locale, t, type Key } from "../i18n.js";
import { describePerson, type FeedbackText, type Person } from "./action-form.js";
import "./action-form.js";
import { lastAssessment } from "./framework.js";
import { formatDate } from "./list.js";
import { problemAlert, problemOf, refusalOf, type Refusal } from "./refusal.js";
import { fieldValue, formatDateTime, hostEntryFacts, hostEntryTitle } from "./values.js";
import { action, stateLabel, type WorkflowView } from "./workflow.js";

type HoldReason = NonNullable<LegalHoldRequest["reason"]>;
const HOLD_REASONS: HoldReason[] = ["complaint", "legal_proceedings", "authority_request", "data_subject_request"];
const REDACTIONS = ["observer_identity", "actor_ids", "host_ticket_ids"] as const;
const RELATIONS: ExportRequest["requester_relation"][] = ["possible_victim", "suspected_perpetrator", "other"];
const WITHHOLD_REASONS: NonNullable<ExportRequest["withhold"]>[number]["reason"][] = ["rights_of_others", "safety_of_others", "investigation"];
const CHRONOLOGY_PAGE = 50;

@customElement("mc-concern-page")
export class ConcernPage extends LightElement {
  @property({ attribute: false }) api!: Api;
  @property({ attribute: false }) workflow!: WorkflowView;
  @property() ref = "";
  /** The signed-in officer's user id, for "assign to me". */
  @property() me = "";

  @state() private concern?: Concern;
  @state() private chronology: Entry[] = [];
  @state() private next: string | null = null;
  @state() private open = "";
  @state() private refusal?: Refusal;
  @state() private busy = false;
  @state() private notice = "";
  /** What failed outside an action's form (loading, the legal hold, the export), in the officer's words. */
  @state() private problem?: Refusal;
  @state() private feedback: FeedbackText[] = [];
  @state() private exportPending?: ExportPending;
  /** The Idempotency-Key of the action being recorded: kept while no answer came (a retry adds nothing). */
  private actionKey = "";

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private path(cursor?: string): string {
    return `/v1/concerns/${encodeURIComponent(this.ref)}` + query({ chronology_limit: CHRONOLOGY_PAGE, chronology_cursor: cursor });
  }

  private async load(): Promise<void> {
    try {
      this.show(await this.api.get<Concern>(this.path()));
      this.dispatchEvent(new CustomEvent("mc-ready", { bubbles: true }));
    } catch (e) {
      this.fail(e, "load_concern_failed");
    }
    this.api.get<Form>("/v1/catalog" + query({ locale: locale() })).then(
      (f) => (this.feedback = f.feedback.messages.map((m) => ({ id: m.id, text: m.text }))),
      () => undefined,
    );
  }

  private show(c: Concern): void {
    this.concern = c;
    this.chronology = c.chronology;
    this.next = c.chronology_next_cursor;
  }

  /** `failed` says what did not happen; the app hears of it too (an ended session signs in again). */
  private fail(e: unknown, failed: Key): void {
    this.problem = problemOf(e, failed);
    this.dispatchEvent(new CustomEvent("mc-api-error", { bubbles: true, detail: e }));
  }

  /** The next page of the chronology; false when it did not come. */
  private async more(): Promise<boolean> {
    if (!this.next) return true;
    try {
      const page = await this.api.get<Concern>(this.path(this.next));
      this.chronology = [...this.chronology, ...page.chronology];
      this.next = page.chronology_next_cursor;
      return true;
    } catch (e) {
      this.fail(e, "load_chronology_failed");
      return false;
    }
  }

  /** Step 5 needs step 4's answers, which may be on a later page: not opened on half a chronology. */
  private async openAction(id: string): Promise<void> {
    if (id === "decide") while (this.next) if (!(await this.more())) return;
    this.open = id;
    this.refusal = undefined;
    this.notice = "";
    await this.updateComplete;
    this.querySelector<HTMLElement>("mc-action-form input, mc-action-form textarea, mc-action-form select")?.focus();
  }

  private async act(e: CustomEvent<{ action: string; fields: Record<string, unknown> }>): Promise<void> {
    this.busy = true;
    this.actionKey ||= randomKey("ui-");
    // If-Match: recorded only on the concern as the officer saw it (else 412 concern_changed).
    const headers = { "Idempotency-Key": this.actionKey, ...(this.concern ? { "If-Match": `"${this.concern.version}"` } : {}) };
    try {
      const c = await this.api.post<Concern>(`/v1/concerns/${encodeURIComponent(this.ref)}/actions`, e.detail, headers);
      this.actionKey = "";
      this.show(c);
      this.open = "";
      this.refusal = undefined;
      this.notice = `${action(this.workflow, e.detail.action)?.label ?? e.detail.action}: ${t("saved")}`;
      await this.updateComplete;
      this.querySelector<HTMLElement>(".mc-notice-saved")?.focus();
    } catch (err) {
      if (err instanceof ApiError) this.actionKey = "";
      if (err instanceof ApiError && err.status === 401) {
        // The session ended (signed out elsewhere, idle, a restart): the page and
        // the open form stay as they are, in memory only; once the officer has
        // signed in again, the same action is sent again.
        const reason = err.code === "reauthentication_required" ? t("reauth_needed") : t("session_ended_form_kept");
        this.dispatchEvent(new CustomEvent("mc-reauth", { bubbles: true, detail: { retry: () => this.act(e), reason } }));
      } else if (err instanceof ApiError && err.code === "concern_changed") {
        // Someone else acted, or new signals came: show them, keep the form as filled in.
        this.show(await this.api.get<Concern>(this.path()));
        this.refusal = refusalOf(err, this.workflow, e.detail.action, this.concern?.state ?? "");
      } else if (err instanceof ApiError) {
        // In the officer's words, naming the field by its label; the server's text at most as a second line.
        this.refusal = refusalOf(err, this.workflow, e.detail.action, this.concern?.state ?? "");
      } else {
        this.fail(err, "action_failed");
      }
    } finally {
      this.busy = false;
    }
  }

  private async setHold(e: Event): Promise<void> {
    e.preventDefault();
    const held = this.concern?.legal_hold;
    const reason = (e.target as HTMLFormElement).elements.namedItem("reason") as HTMLSelectElement | null;
    const body: LegalHoldRequest = held ? { concern_ref: this.ref, hold: false }
      : { concern_ref: this.ref, hold: true, reason: (reason?.value ?? "complaint") as HoldReason };
    try {
      await this.api.post(`/v1/concerns/${encodeURIComponent(this.ref)}/legal-hold`, body);
      this.show(await this.api.get<Concern>(this.path()));
      this.notice = `${t("legal_hold")}: ${t("saved")}`;
      this.problem = undefined;
    } catch (err) {
      // Lifting takes two people: the one who asked cannot also lift.
      if (err instanceof ApiError && err.code === "second_person_required") this.problem = { pointer: "", message: t("hold_second_person") };
      else this.fail(err, "hold_failed");
    }
  }

  /** The first of the export's two officers: who asks, what is withheld and why; nothing is released yet. */
  private async requestExport(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value ?? "";
    const checked = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.checked ?? false;
    const reason = value("withhold_reason") as NonNullable<ExportRequest["withhold"]>[number]["reason"];
    const withhold = this.chronology.filter((x) => checked(`withhold-${x.entry_id}`))
      .map((x) => ({ entry_id: x.entry_id, reason, explanation: value("withhold_explanation") }));
    const body: ExportRequest = { requester_relation: value("requester_relation") as ExportRequest["requester_relation"],
      redact: REDACTIONS.filter((r) => checked(r)), ...(withhold.length ? { withhold } : {}) };
    try {
      this.exportPending = await this.api.post<ExportPending>(`/v1/concerns/${encodeURIComponent(this.ref)}/export-requests`, body);
      this.problem = undefined;
    } catch (err) {
      if (err instanceof ApiError && err.code === "reauthentication_required") {
        // The app signs the officer in again, then retries this very request.
        this.dispatchEvent(new CustomEvent("mc-reauth", { bubbles: true, detail: { retry: () => this.requestExport(e), reason: t("reauth_needed") } }));
      } else {
        this.fail(err, "export_request_failed");
      }
    }
  }

  override render(): TemplateResult {
    const c = this.concern;
    return html`<p class="utrecht-paragraph"><a class="utrecht-link" href="#/">${t("back_to_list")}</a></p>
      <h2 class="utrecht-heading-2" id="mc-concern-title" data-page-heading tabindex="-1">${t("concern")} ${this.ref}</h2>
      ${problemAlert(this.problem)}
      ${c ? this.page(c) : this.problem ? nothing : html`<p class="utrecht-paragraph" role="status">${t("loading")}</p>`}`;
  }

  private page(c: Concern): TemplateResult {
    return html`${this.notice ? html`<div class="utrecht-alert utrecht-alert--ok mc-notice-saved" role="status" tabindex="-1">
        <p class="utrecht-paragraph">${this.notice}</p></div>` : nothing}
      <div class="mc-columns">
        <div>
          ${this.actions(c)}
          ${this.chronologySection()}
        </div>
        <div>
          <p class="utrecht-paragraph"><a class="utrecht-link" data-melding-draft-link
            href="#/concerns/${c.concern_ref}/melding-draft">${t("melding_draft_link")}</a></p>
          ${this.facts(c)}
          ${this.holdSection(c)}
          ${this.exportSection()}
        </div>
      </div>`;
  }

  private facts(c: Concern): TemplateResult {
    const p = c.priority;
    return html`<section aria-labelledby="mc-facts-title"><h3 class="utrecht-heading-3" id="mc-facts-title">${t("details")}</h3>
      <dl class="mc-facts">
        <dt>${t("state")}</dt><dd data-fact="state">${stateLabel(this.workflow, c.state)}</dd>
        <dt>${t("col_priority")}</dt><dd><span class=${p === "normal" ? "" : "mc-badge-" + p}>${t(`priority_${p}`)}</span></dd>
        <dt>${t("assignee")}</dt><dd>${c.assignee ?? t("unassigned")}</dd>
        <dt>${t("created")}</dt><dd>${formatDateTime(c.created_at)}</dd>
        <dt>${t("report_decided")}</dt><dd data-fact="report_decided">${c.report_decided ? t("yes") : t("no")}</dd>
        <dt>${t("reported")}</dt><dd data-fact="reported">${c.reported ? t("yes") : t("no")}</dd>
        <dt>${t("help_arranged")}</dt><dd>${c.help_arranged ? t("yes") : t("no")}</dd>
        ${c.people.length ? html`<dt>${this.peopleField()?.label ?? "people"}</dt><dd data-fact="people">${this.peopleList(c.people)}</dd>` : nothing}
        ${c.review_date ? html`<dt>${t("review_date")}</dt><dd data-fact="review_date">${formatDate(c.review_date)}</dd>` : nothing}
        <dt>${t("legal_hold")}</dt><dd data-fact="legal_hold">${c.legal_hold
          ? html`${t(`hold_${c.legal_hold.reason}`)}, ${t("legal_hold_since")} ${formatDate(c.legal_hold.since)}` : t("legal_hold_none")}</dd>
      </dl></section>`;
  }

  /** record_people's field: its label and the relations' labels, in this locale. */
  private peopleField() {
    return action(this.workflow, "record_people")?.fields.find((f) => f.type === "people");
  }

  private peopleList(people: Person[]): TemplateResult {
    const relations = this.peopleField()?.options ?? [];
    return html`<ul class="mc-people-list">${people.map((p) => html`<li>${describePerson(p, relations)}</li>`)}</ul>`;
  }

  private actions(c: Concern): TemplateResult {
    const allowed = c.allowed_actions.map((id) => action(this.workflow, id) ?? { id, label: id });
    const open = this.open ? action(this.workflow, this.open) : undefined;
    // Why an action of this state cannot be taken yet, in the UI's words where it has them.
    const blocked = c.blocked_actions.map((b) => ({
      id: b.action,
      label: action(this.workflow, b.action)?.label ?? b.action,
      why: (t(`blocked_${b.code}` as Key) as string | undefined) ?? b.message,
    }));
    return html`<section aria-labelledby="mc-actions-title">
      <h3 class="utrecht-heading-3" id="mc-actions-title">${t("actions")}</h3>
      ${allowed.length === 0 ? html`<p class="utrecht-paragraph">${t("no_actions")}</p>` : html`<div class="mc-actions">
        ${allowed.map((a) => html`<button type="button" data-open-action=${a.id} aria-expanded=${this.open === a.id ? "true" : "false"}
          class="utrecht-button ${this.open === a.id ? "utrecht-button--primary-action" : "utrecht-button--secondary-action"}"
          @click=${() => this.openAction(a.id)}>${a.label}</button>`)}</div>`}
      ${blocked.length === 0 ? nothing : html`<p class="utrecht-paragraph mc-hint">${t("blocked_actions")}</p>
        <ul class="mc-blocked">${blocked.map((b) => html`<li data-blocked-action=${b.id}>${b.label}: ${b.why}</li>`)}</ul>`}
      ${open ? html`<mc-action-form .action=${open} .workflow=${this.workflow} .assessment=${lastAssessment(this.chronology) ?? {}}
        .feedback=${this.feedback} .people=${c.people} .refusal=${this.refusal} ?busy=${this.busy} .me=${this.me}
        @mc-act=${this.act} @mc-cancel=${() => { this.open = ""; }}></mc-action-form>` : nothing}
    </section>`;
  }

  private chronologySection(): TemplateResult {
    return html`<section aria-labelledby="mc-chron-title">
      <h3 class="utrecht-heading-3" id="mc-chron-title">${t("chronology")}</h3>
      <ol class="mc-chronology">${this.chronology.map((e) => this.entry(e))}</ol>
      ${this.next ? html`<button type="button" class="utrecht-button utrecht-button--secondary-action mc-chronology-more"
        @click=${() => void this.more()}>${t("chronology_more")}</button>` : nothing}
    </section>`;
  }

  private entryTitle(e: Entry): string {
    const data = e.data as Record<string, unknown>;
    return e.kind === "action" ? action(this.workflow, String(data.action))?.label ?? String(data.action)
      : e.kind === "signals_submitted" ? t("kind_signals_submitted") : hostEntryTitle(e.kind, data);
  }

  private entry(e: Entry): TemplateResult {
    const data = e.data as Record<string, unknown>;
    return html`<li data-kind=${e.kind}><strong>${this.entryTitle(e)}</strong>
      <span class="mc-hint">${formatDateTime(e.at)}, ${t("by")} ${e.actor.id} (${this.roleName(e.actor.role)})</span>
      ${e.kind === "signals_submitted" ? this.signals(data) : e.kind === "action" ? this.actionFields(data) : this.plain(data)}</li>`;
  }

  private signals(d: Record<string, unknown>): TemplateResult {
    const labels = (d.signal_labels ?? {}) as Record<string, { nl: string; en: string }>;
    const signals = ((d.signals ?? []) as string[]).map((s) => labels[s]?.[locale()] ?? s);
    return html`<dl class="mc-facts">
      <dt>${t("signals")}</dt><dd>${signals.join("; ") || "—"}</dd>
      ${d.observations ? html`<dt>${t("observations")}</dt><dd>${d.observations}</dd>` : nothing}
      <dt>${t("children")}</dt><dd>${t(`children_${d.children_involved as "yes" | "no" | "unknown"}`)}</dd>
      ${d.acute ? html`<dt>${t("acute_flag")}</dt><dd>${t("yes")}</dd>` : nothing}
      ${d.callback_requested ? html`<dt>${t("callback")}</dt><dd>${t("yes")}</dd>` : nothing}
    </dl>`;
  }

  private roleName(role: string): string {
    return (t(`role_${role}` as Key) as string | undefined) ?? role;
  }

  /** An action's fields in the order its form asks them, each value as the form offered it. */
  private actionFields(d: Record<string, unknown>): TemplateResult {
    const id = String(d.action);
    const defs = action(this.workflow, id)?.fields ?? [];
    const fields = (d.fields ?? {}) as Record<string, unknown>;
    const known = defs.filter((f) => f.name in fields).map((f) => ({ name: f.name, f }));
    const rest = Object.keys(fields).filter((n) => !defs.some((f) => f.name === n)).map((name) => ({ name, f: undefined }));
    return html`<dl class="mc-facts">${[...known, ...rest].map(({ name, f }) => {
      const v = fields[name];
      return html`<dt>${f?.label ?? name}</dt><dd data-chron-field=${name}>${f?.type === "people" && Array.isArray(v)
        ? this.peopleList(v as Person[]) : fieldValue(id, f, v, this.feedback)}</dd>`;
    })}</dl>`;
  }

  /** A host event or a household's move: its members in words (values.ts). */
  private plain(d: Record<string, unknown>): TemplateResult {
    return html`<dl class="mc-facts">${hostEntryFacts(d).map((f) => html`<dt>${f.label}</dt>
      <dd data-chron-field=${f.name}>${this.value(f.value)}</dd>`)}</dl>`;
  }

  private value(v: unknown): string {
    if (typeof v === "boolean") return v ? t("yes") : t("no");
    if (v && typeof v === "object" && ("answer" in v || "decision" in v)) {
      const o = v as { answer?: boolean; decision?: boolean; explanation?: string; rationale?: string };
      const yes = o.answer ?? o.decision;
      return `${yes ? t("yes") : t("no")}${o.explanation || o.rationale ? ": " + (o.explanation ?? o.rationale) : ""}`;
    }
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return formatDateTime(v);
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  private holdSection(c: Concern): TemplateResult {
    return html`<section aria-labelledby="mc-hold-title"><h3 class="utrecht-heading-3" id="mc-hold-title">${t("legal_hold")}</h3>
      <form class="utrecht-form" @submit=${this.setHold}>
        ${c.legal_hold ? nothing : html`<div class="utrecht-form-field">
          <label class="utrecht-form-label" for="mc-hold-reason">${t("hold_reason")}</label>
          <select class="utrecht-select" id="mc-hold-reason" name="reason">
            ${HOLD_REASONS.map((r) => html`<option value=${r}>${t(`hold_${r}`)}</option>`)}</select></div>`}
        ${c.legal_hold?.lift_requested_at ? html`<p class="utrecht-paragraph" data-lift-requested>${t("hold_lift_requested")}
          ${formatDateTime(c.legal_hold.lift_requested_at)}.</p>` : nothing}
        <button type="submit" class="utrecht-button utrecht-button--secondary-action" data-hold>
          ${!c.legal_hold ? t("hold_set") : c.legal_hold.lift_requested_at ? t("hold_lift_second") : t("hold_lift")}</button>
      </form></section>`;
  }

  private exportSection(): TemplateResult {
    const x = this.exportPending;
    return html`<section aria-labelledby="mc-export-title"><h3 class="utrecht-heading-3" id="mc-export-title">${t("export_title")}</h3>
      <p class="utrecht-paragraph">${t("export_two_officers")}</p>
      <form class="utrecht-form" @submit=${this.requestExport}>
        <fieldset class="utrecht-form-fieldset"><legend class="utrecht-form-fieldset__legend">${t("export_relation")}</legend>
          ${RELATIONS.map((r) => html`<div><label class="utrecht-form-label"><input type="radio" class="utrecht-radio-button utrecht-radio-button--html-input"
            name="requester_relation" value=${r} required> ${t(`relation_${r}`)}</label></div>`)}
        </fieldset>
        <fieldset class="utrecht-form-fieldset"><legend class="utrecht-form-fieldset__legend">${t("export_redact")}</legend>
          ${REDACTIONS.map((r) => html`<div><label class="utrecht-form-label"><input type="checkbox" class="utrecht-checkbox" name=${r}>
            ${t(`redact_${r}`)}</label></div>`)}
        </fieldset>
        <fieldset class="utrecht-form-fieldset"><legend class="utrecht-form-fieldset__legend">${t("export_withhold")}</legend>
          ${this.chronology.map((x) => html`<div><label class="utrecht-form-label"><input type="checkbox" class="utrecht-checkbox"
            name="withhold-${x.entry_id}"> ${this.entryTitle(x)}, ${formatDateTime(x.at)}</label></div>`)}
          <div class="utrecht-form-field"><label class="utrecht-form-label" for="mc-withhold-reason">${t("withhold_reason")}</label>
            <select class="utrecht-select" id="mc-withhold-reason" name="withhold_reason">
              ${WITHHOLD_REASONS.map((r) => html`<option value=${r}>${t(`withhold_${r}`)}</option>`)}</select></div>
          <div class="utrecht-form-field"><label class="utrecht-form-label" for="mc-withhold-explanation">${t("withhold_explanation")}</label>
            <textarea class="utrecht-textarea" id="mc-withhold-explanation" name="withhold_explanation" maxlength="2000"></textarea></div>
        </fieldset>
        <button type="submit" class="utrecht-button utrecht-button--secondary-action" data-export>${t("export_make")}</button>
      </form>
      ${x ? html`<div class="utrecht-alert utrecht-alert--ok" role="status"><p class="utrecht-paragraph">${t("export_requested")}
        <a class="utrecht-link" href="#/exports/${x.export_ref}" data-export-ref=${x.export_ref}>${t("export_approval_link")}</a></p></div>` : nothing}
    </section>`;
  }
}
