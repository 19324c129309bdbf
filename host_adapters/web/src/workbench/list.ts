// <mc-concern-list>: the officer's list, most urgent first, with filters and
// the reminders that are due.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { Api, query, type ConcernPage, type ConcernSummary, type DueSteps } from "../api.js";
import { LightElement } from "../element.js";
import { t, locale } from "../i18n.js";
import { problemAlert, problemOf, type Refusal } from "./refusal.js";
import { action, stateLabel, type WorkflowView } from "./workflow.js";

export type Priority = ConcernSummary["priority"];
const PRIORITIES: Priority[] = ["acute", "urgent", "normal"];

// A civil date ("2026-12-05": a review date, a due date) is a day, not a
// moment: it reads as that day wherever the browser is. `new Date()` takes it
// as midnight UTC, so it is shown in UTC; a timestamp is shown as its day in
// the browser's own time zone.
export function formatDate(value: string): string {
  const civil = /^\d{4}-\d{2}-\d{2}$/.test(value);
  return new Date(value).toLocaleDateString(locale() === "nl" ? "nl-NL" : "en-GB",
    { year: "numeric", month: "short", day: "numeric", ...(civil ? { timeZone: "UTC" } : {}) });
}

@customElement("mc-concern-list")
export class ConcernList extends LightElement {
  @property({ attribute: false }) api!: Api;
  @property({ attribute: false }) workflow!: WorkflowView;
  @state() private items: ConcernSummary[] = [];
  @state() private next: string | null = null;
  @state() private due: DueSteps["due"] = [];
  @state() private loading = true;
  @state() private stateFilter = "";
  @state() private priorityFilter: Priority | "" = "";
  @state() private problem?: Refusal;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  private async reload(): Promise<void> {
    this.loading = true;
    this.items = [];
    this.next = null;
    await Promise.all([this.loadPage(), this.loadDue()]);
    this.loading = false;
    this.dispatchEvent(new CustomEvent("mc-ready", { bubbles: true }));
  }

  /** Most urgent first, the sidecar's order across all pages (sort=priority). */
  private async loadPage(cursor?: string): Promise<void> {
    try {
      const page = await this.api.get<ConcernPage>("/v1/concerns" +
        query({ state: this.stateFilter, priority: this.priorityFilter, sort: "priority", limit: 100, cursor }));
      this.items = [...this.items, ...page.items];
      this.next = page.next_cursor;
      this.problem = undefined;
    } catch (e) {
      this.problem = problemOf(e, "load_list_failed");
      this.dispatchEvent(new CustomEvent("mc-api-error", { bubbles: true, detail: e }));
    }
  }

  private async loadDue(): Promise<void> {
    try {
      this.due = (await this.api.get<DueSteps>("/v1/steps/due")).due;
    } catch {
      this.due = [];
    }
  }

  private applyFilters(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    this.stateFilter = (form.elements.namedItem("state") as HTMLSelectElement).value;
    this.priorityFilter = (form.elements.namedItem("priority") as HTMLSelectElement).value as Priority | "";
    void this.reload();
  }

  override render(): TemplateResult {
    return html`<div class="mc-columns">
      <section aria-labelledby="mc-list-title">
        <h2 class="utrecht-heading-2" id="mc-list-title" data-page-heading tabindex="-1">${t("concerns")}</h2>
        ${this.filters()}
        ${problemAlert(this.problem)}
        ${this.loading ? html`<p class="utrecht-paragraph" role="status">${t("loading")}</p>`
          : this.items.length === 0 ? html`<p class="utrecht-paragraph" role="status">${t("none_found")}</p>` : this.table(this.items)}
        ${this.next ? html`<button type="button" class="utrecht-button utrecht-button--secondary-action"
          @click=${() => this.loadPage(this.next!)}>${t("load_more")}</button>` : nothing}
      </section>
      <aside aria-labelledby="mc-due-title">
        <h2 class="utrecht-heading-2" id="mc-due-title">${t("reminders")}</h2>
        ${this.due.length === 0 ? html`<p class="utrecht-paragraph">${t("no_reminders")}</p>` : html`<ul class="utrecht-unordered-list mc-due">
          ${this.due.map((d) => html`<li class="utrecht-unordered-list__item">${d.export_ref
            ? html`<a class="utrecht-link" href="#/exports/${d.export_ref}">${t("export_awaiting_approval")}</a>`
            : html`<a class="utrecht-link" href="#/concerns/${d.concern_ref}">${action(this.workflow, d.action)?.label ?? d.action}</a>`}, ${t("due_on")} ${formatDate(d.due_date)}</li>`)}
        </ul>`}
      </aside>
    </div>`;
  }

  private filters(): TemplateResult {
    return html`<form class="mc-filters" aria-label=${t("filters")} @submit=${this.applyFilters}>
      <div class="utrecht-form-field">
        <label class="utrecht-form-label" for="mc-filter-state">${t("filter_state")}</label>
        <select class="utrecht-select" id="mc-filter-state" name="state">
          <option value="">${t("all_states")}</option>
          ${this.workflow.states.map((s) => html`<option value=${s.id} ?selected=${s.id === this.stateFilter}>${s.label}</option>`)}
        </select>
      </div>
      <div class="utrecht-form-field">
        <label class="utrecht-form-label" for="mc-filter-priority">${t("filter_priority")}</label>
        <select class="utrecht-select" id="mc-filter-priority" name="priority">
          <option value="">${t("all_priorities")}</option>
          ${PRIORITIES.map((p) => html`<option value=${p} ?selected=${p === this.priorityFilter}>${t(`priority_${p}`)}</option>`)}
        </select>
      </div>
      <button type="submit" class="utrecht-button utrecht-button--secondary-action">${t("apply")}</button>
    </form>`;
  }

  private table(items: ConcernSummary[]): TemplateResult {
    // On a phone the table scrolls sideways in its own box, never the whole page; the box
    // takes the focus so the keyboard scrolls it too.
    return html`<div class="mc-table-scroll" role="region" tabindex="0" aria-labelledby="mc-list-title">
    <table class="utrecht-table utrecht-table--html-table mc-table">
      <thead class="utrecht-table__header"><tr class="utrecht-table__row">
        <th class="utrecht-table__header-cell" scope="col">${t("col_priority")}</th>
        <th class="utrecht-table__header-cell" scope="col">${t("col_concern")}</th>
        <th class="utrecht-table__header-cell" scope="col">${t("col_state")}</th>
        <th class="utrecht-table__header-cell" scope="col">${t("col_created")}</th>
        <th class="utrecht-table__header-cell" scope="col">${t("col_assignee")}</th>
      </tr></thead>
      <tbody class="utrecht-table__body">${items.map((s) => this.row(s))}</tbody>
    </table></div>`;
  }

  private row(s: ConcernSummary): TemplateResult {
    const p = s.priority;
    return html`<tr class="utrecht-table__row" data-concern=${s.concern_ref}>
      <td class="utrecht-table__cell"><span class=${p === "normal" ? "" : "mc-badge-" + p}>${t(`priority_${p}`)}</span></td>
      <td class="utrecht-table__cell"><a class="utrecht-link" href="#/concerns/${s.concern_ref}">${s.concern_ref.slice(0, 8)}…</a>
        ${s.pending_feedback > 0 ? html`<span class="mc-hint">(${t("feedback_owed")})</span>` : nothing}</td>
      <td class="utrecht-table__cell">${stateLabel(this.workflow, s.state)}</td>
      <td class="utrecht-table__cell">${formatDate(s.created_at)}</td>
      <td class="utrecht-table__cell">${s.assignee ?? t("unassigned")}</td>
    </tr>`;
  }
}
