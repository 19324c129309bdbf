// <mc-export-approval> (#/exports/x_…): the second of a data-subject export's
// two officers reads the request (who asked, for whom, what is withheld and
// why) and releases it. The dossier comes back once, without the entries the
// first officer withheld, and is offered as a download made in the page: it
// never sits at a URL of the server. Or the request ends unreleased, with the
// reason: the second officer declines it, the one who asked withdraws it.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { Api, ApiError, type Dossier, type ExportDecline, type ExportPending } from "../api.js";
import { LightElement } from "../element.js";
import { locale, t, tf, type Key } from "../i18n.js";
import { confirmation, focusConfirmation } from "./confirm.js";
import { problemAlert, problemOf, type Refusal } from "./refusal.js";

/** The refusals the officer can act on, in words; anything else goes to the app. */
const EXPLAINED = ["second_officer_required", "export_released", "export_declined", "concern_changed"] as const;
type Explained = (typeof EXPLAINED)[number] | "no_such_export";
/** Refusals after which the request can no longer be released or ended: nothing is offered any more. */
const FINAL: readonly Explained[] = ["export_released", "export_declined", "no_such_export"];

/** A request ended unreleased: declined by another officer, withdrawn by the one who asked. */
type Ending = "decline" | "withdraw";

/** The schema's bound on the reason. */
const MAX_REASON = 2000;

function explained(err: unknown): Explained | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.status === 404) return "no_such_export";
  return EXPLAINED.find((code) => code === err.code);
}

@customElement("mc-export-approval")
export class ExportApproval extends LightElement {
  @property({ attribute: false }) api!: Api;
  @property() exportRef = "";
  /** The signed-in officer: the one who asked does not get the button. */
  @property() me = "";
  @state() private pending?: ExportPending;
  @state() private download?: string;
  @state() private refusal?: Refusal;
  /** The reason to decline or withdraw, as typed: in memory only, never stored. */
  @state() private reason = "";
  /** Why the reason cannot be sent (empty, or refused by the server), at the field. */
  @state() private reasonError?: string;
  /** The reason is shown to confirm: declining cannot be undone. */
  @state() private confirming = false;
  @state() private busy = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.pending = await this.api.get<ExportPending>(`/v1/export-requests/${encodeURIComponent(this.exportRef)}`);
    } catch (err) {
      this.refuse(err, "load_export_failed");
    }
  }

  /** `failed` says what did not happen, where the refusal is none the officer can act on. */
  private refuse(err: unknown, failed: Key): void {
    const why = explained(err);
    if (why) {
      this.refusal = { pointer: "", message: t(`export_refused_${why}`) };
      if (FINAL.includes(why)) this.pending = undefined;
    } else {
      this.dispatchEvent(new CustomEvent("mc-api-error", { bubbles: true, detail: err }));
      this.refusal = problemOf(err, failed);
    }
  }

  override disconnectedCallback(): void {
    if (this.download) URL.revokeObjectURL(this.download);
    super.disconnectedCallback();
  }

  private async approve(e: Event): Promise<void> {
    e.preventDefault();
    try {
      const dossier = await this.api.post<Dossier>(`/v1/export-requests/${encodeURIComponent(this.exportRef)}/approval`, { approve: true });
      this.download = URL.createObjectURL(new Blob([JSON.stringify(dossier, null, 2)], { type: "application/json" }));
      this.refusal = undefined;
    } catch (err) {
      if (err instanceof ApiError && err.code === "reauthentication_required") {
        this.dispatchEvent(new CustomEvent("mc-reauth", { bubbles: true, detail: { retry: () => this.approve(e), reason: t("reauth_needed") } }));
      } else {
        this.refuse(err, "export_approve_failed");
      }
    }
  }

  /** Who ends the request unreleased: the officer who asked withdraws it, another declines it. */
  private ending(p: ExportPending): Ending {
    return p.requested_by === this.me ? "withdraw" : "decline";
  }

  /** The reason's field is checked here, then the officer confirms, then it is sent. */
  private async end(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy || !this.pending) return;
    const reason = this.reason.trim();
    if (this.confirming) return this.sendEnd(this.ending(this.pending), reason);
    // The server refuses a reason of only spaces as well; said here first, at the field.
    if (!reason) {
      this.reasonError = tf("refused_not_empty", { field: t("export_end_reason") });
      await this.updateComplete;
      this.querySelector<HTMLElement>("#mc-end-reason")?.focus();
      return;
    }
    this.reasonError = undefined;
    this.confirming = true;
    await focusConfirmation(this);
  }

  private async back(): Promise<void> {
    this.confirming = false;
    await this.updateComplete;
    this.querySelector<HTMLElement>("[data-end]")?.focus();
  }

  private async sendEnd(how: Ending, reason: string): Promise<void> {
    this.busy = true;
    const body: ExportDecline = { reason };
    try {
      this.pending = await this.api.post<ExportPending>(`/v1/export-requests/${encodeURIComponent(this.exportRef)}/decline`, body);
      this.refusal = undefined;
      this.confirming = false;
      this.reason = "";
      // The outcome takes the focus: it replaces the buttons the officer was on.
      await this.updateComplete;
      this.querySelector<HTMLElement>("[data-declined]")?.focus();
    } catch (err) {
      this.confirming = false;
      if (err instanceof ApiError && err.status === 401) {
        // Signed in again, the same reason is sent; until then it stays in this page only.
        const why = err.code === "reauthentication_required" ? t("reauth_needed") : t("session_ended_form_kept");
        this.dispatchEvent(new CustomEvent("mc-reauth", { bubbles: true, detail: { retry: () => this.sendEnd(how, reason), reason: why } }));
      } else {
        this.refuse(err, `export_${how}_failed`);
        // The server's refusal of the reason (a character it cannot keep, say): the field is marked too.
        if (err instanceof ApiError && err.pointer === "/reason") {
          this.reasonError = tf("refused_invalid_field", { field: t("export_end_reason") });
          await this.updateComplete;
          this.querySelector<HTMLElement>("#mc-end-reason")?.focus();
        }
      }
    } finally {
      this.busy = false;
    }
  }

  override render(): TemplateResult {
    const p = this.pending;
    return html`<p class="utrecht-paragraph"><a class="utrecht-link" href="#/">${t("back_to_list")}</a></p>
      <h2 class="utrecht-heading-2" data-page-heading tabindex="-1">${t("export_approval_title")}</h2>
      <p class="utrecht-paragraph">${t("export_approval_intro")}</p>
      ${problemAlert(this.refusal)}
      ${p ? this.request(p) : nothing}
      ${this.download ? html`<p class="utrecht-paragraph" role="status">${t("export_ready")}
          <a class="utrecht-link" href=${this.download} download="dossier-${this.exportRef}.json">${t("export_download")}</a></p>`
        : !p ? nothing
        : p.declined ? this.declined(p, p.declined)
        : html`${p.requested_by === this.me ? html`<p class="utrecht-paragraph" data-own-request>${t("export_own_request")}</p>`
          : html`<form class="utrecht-form" @submit=${this.approve}>
            <button type="submit" class="utrecht-button utrecht-button--primary-action" data-approve>${t("export_approve")}</button></form>`}
          ${this.endForm(this.ending(p))}`}`;
  }

  /** Declining or withdrawing: the reason, required, then the confirmation in the same form. */
  private endForm(how: Ending): TemplateResult {
    const invalid = this.reasonError !== undefined;
    return html`<section aria-labelledby="mc-end-title" data-end-section>
      <h3 class="utrecht-heading-3" id="mc-end-title">${t(`export_${how}`)}</h3>
      <form class="utrecht-form" novalidate autocomplete="off" @submit=${this.end}>
        <div ?hidden=${this.confirming}>
          <p class="utrecht-paragraph">${t(`export_${how}_intro`)}</p>
          <div class="utrecht-form-field ${invalid ? "utrecht-form-field--invalid" : ""}">
            <label class="utrecht-form-label" for="mc-end-reason">${t("export_end_reason")}
              <span class="mc-hint">(${t("required")})</span></label>
            <p class="utrecht-form-field-description" id="mc-end-reason-help">${t("export_end_reason_help")}</p>
            ${invalid ? html`<p class="utrecht-form-field-error-message mc-error" id="mc-end-reason-error">${this.reasonError}</p>` : nothing}
            <textarea class="utrecht-textarea" rows="3" id="mc-end-reason" maxlength=${MAX_REASON} required
              aria-invalid=${invalid ? "true" : "false"}
              aria-describedby=${invalid ? "mc-end-reason-help mc-end-reason-error" : "mc-end-reason-help"}
              .value=${this.reason} @input=${(e: Event) => { this.reason = (e.target as HTMLTextAreaElement).value; }}></textarea>
          </div>
        </div>
        ${this.confirming ? confirmation({ id: "mc-end", what: t(`export_${how}`), note: t(`export_${how}_irreversible`),
            rows: [{ label: t("export_end_reason"), value: this.reason.trim() }], record: t(`export_${how}_yes`),
            busy: this.busy, back: () => void this.back() })
          : html`<div class="mc-actions"><button type="submit" class="utrecht-button utrecht-button--secondary-action" data-end>
            ${t(`export_${how}`)}</button></div>`}
      </form></section>`;
  }

  /** The request ended unreleased: by whom, when and why, and that nothing is released. */
  private declined(p: ExportPending, d: NonNullable<ExportPending["declined"]>): TemplateResult {
    const how: Ending = d.by === p.requested_by ? "withdraw" : "decline";
    return html`<div class="utrecht-alert utrecht-alert--ok" role="status" tabindex="-1" data-declined=${how}>
      <p class="utrecht-paragraph"><strong>${t(`export_${how}_done`)}</strong></p>
      <dl class="mc-facts">
        <dt>${t(`export_${how}_by`)}</dt><dd>${d.by}, ${new Date(d.at).toLocaleString(locale())}</dd>
        <dt>${t("export_end_reason")}</dt><dd>${d.reason}</dd>
      </dl>
      <p class="utrecht-paragraph">${t("export_ended_nothing")}</p>
    </div>`;
  }

  /** What the first officer recorded: the second checks it before releasing. */
  private request(p: ExportPending): TemplateResult {
    return html`<dl class="mc-export-request" data-export-request>
        <dt>${t("export_concern")}</dt><dd><a class="utrecht-link" href="#/concerns/${p.concern_ref}">${p.concern_ref}</a></dd>
        <dt>${t("export_relation")}</dt><dd>${t(`relation_${p.requester_relation}`)}</dd>
        <dt>${t("export_requested_by")}</dt><dd>${p.requested_by}, ${new Date(p.requested_at).toLocaleString(locale())}</dd>
        <dt>${t("export_withheld")}</dt><dd>${p.withheld.length === 0 ? t("export_withheld_none")
          : html`<ul class="utrecht-unordered-list">${p.withheld.map((w) => html`<li class="utrecht-unordered-list__item">
              ${t("export_entry")} ${w.entry_id}: ${t(`withhold_${w.reason}`)}. ${w.explanation}</li>`)}</ul>`}</dd>
      </dl>`;
  }
}
