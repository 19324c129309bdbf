// enrol.html#<token>: a built-in account's enrolment (the link meldcode-admin
// prints): choose a password, add the TOTP key to an authenticator app,
// confirm with a code. The token is taken out of the address at once.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, state } from "lit/decorators.js";
import { Api, ApiError } from "../api.js";
import { LightElement } from "../element.js";
import { otherLocale, setLocale, t } from "../i18n.js";

/** The enrolment token, taken out of the address (no history entry, no reload shows it). */
function takeToken(): string {
  const found = location.hash.replace(/^#/, "");
  history.replaceState(null, "", location.pathname);
  return found;
}
let token = takeToken();

/** The server's least password length (host_adapters/rest/ui_auth.cpp, kMinPasswordChars), in characters. */
const MIN_PASSWORD_CHARS = 12;

/** The username the account signs in with: the otpauth URI's label, "meldcode:<username>". */
function usernameOf(uri: string): string {
  const m = /^otpauth:\/\/totp\/([^?]*)/.exec(uri);
  if (!m) return "";
  try {
    const label = decodeURIComponent(m[1]!);
    return label.slice(label.indexOf(":") + 1);
  } catch {
    return "";
  }
}

/** Why a step failed, from the server's problem code: only an unknown link means asking for a new one. */
function reason(e: unknown, step: "password" | "totp"): string {
  if (!(e instanceof ApiError)) return t("enrol_network");
  if (e.status === 429) return t("enrol_too_many");
  if (e.code === "weak_password") return t("enrol_too_short");
  if (e.code === "unknown_enrolment") return t("enrol_link_unknown");
  if (e.code === "enrolment_failed" && step === "totp") return t("enrol_wrong_code");
  return t("enrol_failed");
}

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
  @state() private username = "";
  private readonly api = new Api({ kind: "none" });

  /** The link opened again in this tab (after a reload took it away): a fragment change only, no new page. */
  private readonly onHash = () => {
    const again = takeToken();
    if (!again) return;
    token = again;
    this.error = "";
    this.step = "password";
    this.requestUpdate();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.classList.add("mc-app");
    window.addEventListener("hashchange", this.onHash);
  }

  override disconnectedCallback(): void {
    window.removeEventListener("hashchange", this.onHash);
    super.disconnectedCallback();
  }

  private value(form: HTMLFormElement, name: string): string {
    return (form.elements.namedItem(name) as HTMLInputElement).value;
  }

  private async setPassword(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const password = this.value(form, "password");
    if ([...password].length < MIN_PASSWORD_CHARS) return this.fail(t("enrol_too_short"), "password");
    if (password !== this.value(form, "repeat")) return this.fail(t("enrol_mismatch"), "repeat");
    try {
      const r = await this.api.post<{ totp_uri: string }>("/ui/auth/enrol", { enrolment_token: token, password });
      this.totpUri = r.totp_uri;
      this.username = usernameOf(r.totp_uri);
      this.error = "";
      this.step = "totp";
    } catch (err) {
      await this.fail(reason(err, "password"), err instanceof ApiError && err.code === "weak_password" ? "password" : "");
    }
  }

  /** Shows why, and puts the focus on the field to change (else on the message). */
  private async fail(message: string, field: string): Promise<void> {
    this.error = message;
    await this.updateComplete;
    (this.querySelector<HTMLElement>(field ? `#mc-enrol-${field}` : ".mc-form-error"))?.focus();
  }

  private async confirm(e: Event): Promise<void> {
    e.preventDefault();
    try {
      await this.api.post("/ui/auth/enrol/confirm", { enrolment_token: token, totp: this.value(e.target as HTMLFormElement, "totp").replace(/\s+/g, "") });
      this.error = "";
      this.step = "done";
    } catch (err) {
      const input = (e.target as HTMLFormElement).elements.namedItem("totp") as HTMLInputElement;
      input.value = "";
      await this.fail(reason(err, "totp"), err instanceof ApiError && err.code === "enrolment_failed" ? "totp" : "");
    }
  }

  override render(): TemplateResult {
    return html`<header class="mc-header"><h1 class="utrecht-heading-1 mc-header__title">${t("enrol_title")}</h1>
        <button type="button" class="utrecht-button utrecht-button--subtle" lang=${otherLocale()} aria-label=${t("lang_switch_label")}
          @click=${() => setLocale(otherLocale())}>${t("lang_switch")}</button></header>
      <main class="mc-signin">
        ${this.error ? html`<div class="utrecht-alert utrecht-alert--error mc-form-error" role="alert" tabindex="-1">
          <p class="utrecht-paragraph">${this.error}</p></div>` : nothing}
        ${!token ? html`<div class="utrecht-alert utrecht-alert--error" role="alert"><p class="utrecht-paragraph">${t("enrol_no_link")}</p></div>`
          : this.step === "password" ? this.passwordForm() : this.step === "totp" ? this.totpForm()
          : html`<p class="utrecht-paragraph" role="status">${t("enrol_done")}</p>
                 ${this.usernameLine()}
                 <p class="utrecht-paragraph"><a class="utrecht-link" href="index.html">${t("enrol_to_sign_in")}</a></p>`}
      </main>`;
  }

  private usernameLine(): TemplateResult | typeof nothing {
    return this.username ? html`<p class="utrecht-paragraph">${t("enrol_username")}: <strong data-username>${this.username}</strong></p>` : nothing;
  }

  private field(name: string, label: string, type: string, autocomplete: string, hint = "", minlength = 0): TemplateResult {
    return html`<div class="utrecht-form-field"><label class="utrecht-form-label" for="mc-enrol-${name}">${label}</label>
      ${hint ? html`<p class="utrecht-form-field-description" id="mc-enrol-${name}-hint">${hint}</p>` : nothing}
      <input class="utrecht-textbox" id="mc-enrol-${name}" name=${name} type=${type} autocomplete=${autocomplete} required
        minlength=${minlength || nothing} aria-describedby=${hint ? `mc-enrol-${name}-hint` : nothing}></div>`;
  }

  private passwordForm(): TemplateResult {
    // novalidate: the page says itself what is wrong, in words, and moves the focus there.
    return html`<p class="utrecht-paragraph">${t("enrol_intro")}</p>
      <form class="utrecht-form" novalidate @submit=${this.setPassword}>
        ${this.field("password", t("password"), "password", "new-password", t("enrol_password_hint"), MIN_PASSWORD_CHARS)}
        ${this.field("repeat", t("enrol_password_repeat"), "password", "new-password")}
        <button type="submit" class="utrecht-button utrecht-button--primary-action">${t("enrol_next")}</button>
      </form>`;
  }

  private totpForm(): TemplateResult {
    return html`${this.usernameLine()}
      <p class="utrecht-paragraph">${t("enrol_scan")}</p>
      <p class="utrecht-paragraph">${t("enrol_secret")}: <span class="mc-secret" data-totp-uri=${this.totpUri}>${secretOf(this.totpUri)}</span></p>
      <form class="utrecht-form" @submit=${this.confirm}>
        ${this.field("totp", t("totp"), "text", "one-time-code")}
        <button type="submit" class="utrecht-button utrecht-button--primary-action">${t("enrol_confirm")}</button>
      </form>`;
  }
}
