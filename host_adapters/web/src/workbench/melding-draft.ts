// <mc-melding-draft> (#/concerns/<ref>/melding-draft): the draft of a melding
// to Veilig Thuis as a page to print (or save as PDF) and read out on the
// phone or type into Veilig Thuis's form. The draft is Dutch whatever the
// UI's locale: it is what Veilig Thuis reads. The places the officer fills in
// from the corporation's own system are marked; the technician is named only
// when the officer ticks it. Nothing of it is kept by the page.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { Api, query, type MeldingDraft } from "../api.js";
import { LightElement } from "../element.js";
import { t } from "../i18n.js";
import { problemAlert, problemOf, type Refusal } from "./refusal.js";

type Item = MeldingDraft["sections"][number]["parts"][number]["items"][number];

const KIND_LABEL: Partial<Record<Item["kind"], string>> = { fact: "feit", interpretation: "interpretatie" };

@customElement("mc-melding-draft")
export class MeldingDraftPage extends LightElement {
  @property({ attribute: false }) api!: Api;
  @property() ref = "";
  @state() private draft?: MeldingDraft;
  @state() private includeObserver = false;
  @state() private problem?: Refusal;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const path = `/v1/concerns/${encodeURIComponent(this.ref)}/melding-draft`;
      this.draft = await this.api.get<MeldingDraft>(path + query({ include_observer: this.includeObserver ? "true" : undefined }));
      this.problem = undefined;
      this.dispatchEvent(new CustomEvent("mc-ready", { bubbles: true }));
    } catch (e) {
      this.problem = problemOf(e, "load_melding_draft_failed");
      this.dispatchEvent(new CustomEvent("mc-api-error", { bubbles: true, detail: e }));
    }
  }

  private toggleObserver(e: Event): void {
    this.includeObserver = (e.target as HTMLInputElement).checked;
    void this.load();
  }

  override render(): TemplateResult {
    return html`<div class="mc-no-print">
        <p class="utrecht-paragraph"><a class="utrecht-link" href="#/concerns/${this.ref}">${t("back_to_concern")}</a></p>
        <p class="utrecht-paragraph">${t("melding_draft_intro")}</p>
        <div class="mc-actions">
          <label class="utrecht-form-label"><input type="checkbox" class="utrecht-checkbox" data-include-observer
            .checked=${this.includeObserver} @change=${this.toggleObserver}> ${t("melding_draft_include_observer")}</label>
          <button type="button" class="utrecht-button utrecht-button--primary-action" data-print
            @click=${() => window.print()}>${t("melding_draft_print")}</button>
        </div>
      </div>
      ${problemAlert(this.problem)}
      ${this.draft ? this.document(this.draft) : this.problem ? nothing : html`<p class="utrecht-paragraph" role="status">${t("loading")}</p>`}`;
  }

  private document(d: MeldingDraft): TemplateResult {
    return html`<article class="mc-melding-draft" lang="nl" data-melding-draft>
      <h2 class="utrecht-heading-2" data-page-heading tabindex="-1">${d.title}</h2>
      <p class="utrecht-paragraph mc-hint">Opgesteld op ${d.dated}</p>
      <p class="utrecht-paragraph mc-melding-draft__notice">${d.notice}</p>
      ${d.sections.map((s, i) => html`<section data-section=${s.id}>
        <h3 class="utrecht-heading-3">${i + 1}. ${s.title}</h3>
        ${s.parts.map((p) => html`<h4 class="utrecht-heading-4">${p.title}</h4>
          <dl class="mc-facts">${p.items.map((item) => this.item(item))}</dl>`)}
      </section>`)}
    </article>`;
  }

  private item(item: Item): TemplateResult {
    const kind = KIND_LABEL[item.kind];
    return html`<dt>${item.label}${kind ? html` <span class="mc-hint">(${kind})</span>` : nothing}</dt>
      <dd class="mc-melding-draft__${item.kind}">${item.kind === "fill_in" ? html`<mark>${item.text}</mark>` : item.text}</dd>`;
  }
}
