// <mc-signin>: password + TOTP, and "sign in with" the corporation's
// identity provider when the sidecar offers OpenID Connect.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { ApiError } from "../api.js";
import { LightElement } from "../element.js";
import { t } from "../i18n.js";
import { authMethods, oidcLoginUrl, signInWithPassword, type Methods } from "./session.js";

/** Why the identity provider's sign-in was refused: the sidecar sends the
 *  browser back to /ui/?error=mfa_required or ?error=sign_in_failed. The
 *  reason is taken out of the address, so a reload does not show it again. */
function providerRefusal(): string {
  const params = new URLSearchParams(location.search);
  const error = params.get("error");
  if (error === null) return "";
  params.delete("error");
  const query = params.toString();
  history.replaceState(history.state, "", location.pathname + (query ? "?" + query : "") + location.hash);
  return error === "mfa_required" ? t("sign_in_mfa_required") : t("sign_in_provider_failed");
}

@customElement("mc-signin")
export class SignIn extends LightElement {
  /** Why sign-in is asked again (expired, re-authentication), if so. */
  @property() reason = "";
  @state() private methods?: Methods;
  @state() private error = "";
  @state() private busy = false;

  override connectedCallback(): void {
    super.connectedCallback();
    this.error = providerRefusal();
    authMethods().then((m) => (this.methods = m), () => (this.methods = { password: true }));
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    this.busy = true;
    this.error = "";
    try {
      // Authenticator apps show the code as "123 456": the spaces are no part of it.
      await signInWithPassword(value("username"), value("password"), value("totp").replace(/\s+/g, ""));
      this.dispatchEvent(new CustomEvent("mc-signed-in", { bubbles: true }));
    } catch (err) {
      this.error = err instanceof ApiError && err.status === 429 ? t("sign_in_too_many") : t("sign_in_failed");
      (form.elements.namedItem("password") as HTMLInputElement).value = "";
      (form.elements.namedItem("totp") as HTMLInputElement).value = "";
      this.updateComplete.then(() => this.querySelector<HTMLElement>(".mc-form-error")?.focus());
    } finally {
      this.busy = false;
    }
  }

  override render(): TemplateResult {
    const m = this.methods;
    return html`<section class="mc-signin" aria-labelledby="mc-signin-title">
      <h2 class="utrecht-heading-2" id="mc-signin-title" data-page-heading tabindex="-1">${t("sign_in_title")}</h2>
      ${this.reason ? html`<p class="utrecht-paragraph" role="status">${this.reason}</p>` : nothing}
      ${this.error ? html`<div class="utrecht-alert utrecht-alert--error mc-form-error" role="alert" tabindex="-1">
        <p class="utrecht-paragraph">${this.error}</p></div>` : nothing}
      ${m?.oidc ? html`<p class="utrecht-paragraph"><a class="utrecht-button-link utrecht-button-link--primary-action mc-oidc"
        href=${oidcLoginUrl(location.pathname + location.hash)}>${t("sign_in_with")} ${m.oidc.label}</a></p>` : nothing}
      ${!m || m.password ? html`<form class="utrecht-form" @submit=${this.submit}>
        ${this.input("username", t("username"), "text", "username")}
        ${this.input("password", t("password"), "password", "current-password")}
        ${this.input("totp", t("totp"), "text", "one-time-code", "numeric")}
        <button type="submit" class="utrecht-button utrecht-button--primary-action" ?disabled=${this.busy}>${t("sign_in")}</button>
      </form>` : nothing}
    </section>`;
  }

  private input(name: string, label: string, type: string, autocomplete: string, inputmode = ""): TemplateResult {
    return html`<div class="utrecht-form-field">
      <label class="utrecht-form-label" for="mc-signin-${name}">${label}</label>
      <input class="utrecht-textbox" id="mc-signin-${name}" name=${name} type=${type} autocomplete=${autocomplete}
        inputmode=${inputmode || nothing} required>
    </div>`;
  }
}
