// enrol.html#<token>: a built-in account's enrolment (the link meldcode-admin
// prints): choose a password, add the TOTP key to an authenticator app,
// confirm with a code. The token is taken out of the address at once.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, state } from "lit/decorators.js";
import { Api } from "../api.js";
import { LightElement } from "../element.js";
import { otherLocale, setLocale, t } from "../i18n.js";

const token = location.hash.replace(/^#/, "");
history.replaceState(null, "", location.pathname);

function secretOf(uri: string): string {
  try {
    return new URL(uri).searchParams.get("secret") ?? "";
  } catch {
    return "";
  }
}

@customElement("meldcode-enrol")
export class Enrol extends LightElement {
  @state() private step: "password" | "totp" | "done" = "password";
  @state() private totpUri = "";
  @state() private error = "";
  private readonly api = new Api({ kind: "none" });

  override connectedCallback(): void {
    super.connectedCallback();
    this.classList.add("mc-app");
  }

  private value(form: HTMLFormElement, name: string): string {
    return (form.elements.namedItem(name) as HTMLInputElement).value;
  }

  private async setPassword(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    if (this.value(form, "password") !== this.value(form, "repeat")) {
      this.error = t("enrol_mismatch");
      return;
    }
    try {
      const r = await this.api.post<{ totp_uri: string }>("/ui/auth/enrol", { enrolment_token: token, password: this.value(form, "password") });
      this.totpUri = r.totp_uri;
      this.error = "";
      this.step = "totp";
    } catch {
      this.error = t("enrol_failed");
    }
  }

  private async confirm(e: Event): Promise<void> {
    e.preventDefault();
    try {
      await this.api.post("/ui/auth/enrol/confirm", { enrolment_token: token, totp: this.value(e.target as HTMLFormElement, "totp").replace(/\s+/g, "") });
      this.error = "";
      this.step = "done";
    } catch {
      this.error = t("enrol_failed");
    }
  }

  override render(): TemplateResult {
    return html`<header class="mc-header"><h1 class="utrecht-heading-1 mc-header__title">${t("enrol_title")}</h1>
        <button type="button" class="utrecht-button utrecht-button--subtle" lang=${otherLocale()} aria-label=${t("lang_switch_label")}
          @click=${() => setLocale(otherLocale())}>${t("lang_switch")}</button></header>
      <main class="mc-signin">
        ${this.error ? html`<div class="utrecht-alert utrecht-alert--error" role="alert"><p class="utrecht-paragraph">${this.error}</p></div>` : nothing}
        ${this.step === "password" ? this.passwordForm() : this.step === "totp" ? this.totpForm()
          : html`<p class="utrecht-paragraph" role="status">${t("enrol_done")}</p>
                 <p class="utrecht-paragraph"><a class="utrecht-link" href="index.html">${t("enrol_to_sign_in")}</a></p>`}
      </main>`;
  }

  private field(name: string, label: string, type: string, autocomplete: string): TemplateResult {
    return html`<div class="utrecht-form-field"><label class="utrecht-form-label" for="mc-enrol-${name}">${label}</label>
      <input class="utrecht-textbox" id="mc-enrol-${name}" name=${name} type=${type} autocomplete=${autocomplete} required></div>`;
  }

  private passwordForm(): TemplateResult {
    return html`<p class="utrecht-paragraph">${t("enrol_intro")}</p>
      <form class="utrecht-form" @submit=${this.setPassword}>
        ${this.field("password", t("password"), "password", "new-password")}
        ${this.field("repeat", t("enrol_password_repeat"), "password", "new-password")}
        <button type="submit" class="utrecht-button utrecht-button--primary-action">${t("enrol_next")}</button>
      </form>`;
  }

  private totpForm(): TemplateResult {
    return html`<p class="utrecht-paragraph">${t("enrol_scan")}</p>
      <p class="utrecht-paragraph">${t("enrol_secret")}: <span class="mc-secret" data-totp-uri=${this.totpUri}>${secretOf(this.totpUri)}</span></p>
      <form class="utrecht-form" @submit=${this.confirm}>
        ${this.field("totp", t("totp"), "text", "one-time-code")}
        <button type="submit" class="utrecht-button utrecht-button--primary-action">${t("enrol_confirm")}</button>
      </form>`;
  }
}
