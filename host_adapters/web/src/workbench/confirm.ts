// The summary an officer confirms before a record that cannot be undone (step
// 4's weighing, step 5's decisions, an export request declined or withdrawn):
// what is about to be recorded and why it is final, with "yes" as the form's
// submit button and a way back to the form. One look and one keyboard path for
// every irreversible step, so the officer learns it once.
import { html, nothing, type TemplateResult } from "lit";
import { t } from "../i18n.js";

export interface Confirmation {
  /** Prefix of the panel's element ids: unique on the page. */
  id: string;
  /** What is confirmed, after "Controleer voordat je vastlegt: ". */
  what: string;
  /** Why it is final, in the officer's words. */
  note: string;
  /** What is about to be recorded, each by the label the form showed. */
  rows: { label: string; value: string }[];
  /** Anything more to read before confirming (step 4's outcome). */
  more?: TemplateResult | typeof nothing;
  /** The submit button's words; "Ja, vastleggen" unless given. */
  record?: string;
  busy: boolean;
  back: () => void;
}

/** The panel, inside the form whose submit it confirms. */
export function confirmation(c: Confirmation): TemplateResult {
  return html`<div class="mc-confirm" role="group" tabindex="-1" data-confirm aria-labelledby="${c.id}-confirm-title"
      aria-describedby="${c.id}-confirm-note">
    <h4 class="utrecht-heading-4" id="${c.id}-confirm-title">${t("confirm_title")}: ${c.what}</h4>
    <p class="utrecht-paragraph" id="${c.id}-confirm-note">${c.note}</p>
    ${c.rows.length ? html`<dl class="mc-facts">${c.rows.map((r) => html`<dt>${r.label}</dt><dd>${r.value}</dd>`)}</dl>`
      : html`<p class="utrecht-paragraph">${t("confirm_nothing")}</p>`}
    ${c.more ?? nothing}
    <div class="mc-actions">
      <button type="submit" class="utrecht-button utrecht-button--primary-action" data-confirm-record ?disabled=${c.busy}>${c.record ?? t("confirm_record")}</button>
      <button type="button" class="utrecht-button utrecht-button--secondary-action" data-confirm-back
              @click=${c.back}>${t("confirm_back")}</button>
    </div>
  </div>`;
}

/** Once the panel is shown: the focus on it, so a screen reader reads the summary out. */
export async function focusConfirmation(host: HTMLElement & { updateComplete: Promise<boolean> }): Promise<void> {
  await host.updateComplete;
  host.querySelector<HTMLElement>("[data-confirm]")?.focus();
}
