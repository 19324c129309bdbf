// <mc-export-approval> (#/exports/x_…): the second of a data-subject export's
// two officers reads the request (who asked, for whom, what is withheld and
// why) and releases it. The dossier comes back once, without the entries the
// first officer withheld, and is offered as a download made in the page: it
// never sits at a URL of the server.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { Api, ApiError, type Dossier, type ExportPending } from "../api.js";
import { LightElement } from "../element.js";
import { locale, t, type Key } from "../i18n.js";
import { problemAlert, problemOf, type Refusal } from "./refusal.js";

/** The refusals the officer can act on, in words; anything else goes to the app. */
const EXPLAINED = ["second_officer_required", "export_released", "concern_changed"] as const;
type Explained = (typeof EXPLAINED)[number] | "no_such_export";

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

  override render(): TemplateResult {
    return html`<p class="utrecht-paragraph"><a class="utrecht-link" href="#/">${t("back_to_list")}</a></p>
      <h2 class="utrecht-heading-2" data-page-heading tabindex="-1">${t("export_approval_title")}</h2>
      <p class="utrecht-paragraph">${t("export_approval_intro")}</p>
      ${problemAlert(this.refusal)}
      ${this.pending ? this.request(this.pending) : nothing}
      ${this.download ? html`<p class="utrecht-paragraph" role="status">${t("export_ready")}
          <a class="utrecht-link" href=${this.download} download="dossier-${this.exportRef}.json">${t("export_download")}</a></p>`
        : !this.pending ? nothing
        : this.pending.requested_by === this.me ? html`<p class="utrecht-paragraph" data-own-request>${t("export_own_request")}</p>`
        : html`<form class="utrecht-form" @submit=${this.approve}>
          <button type="submit" class="utrecht-button utrecht-button--primary-action" data-approve>${t("export_approve")}</button></form>`}`;
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
