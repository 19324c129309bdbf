// index.html: the officer's workbench. Signs in (or shows why not), then
// routes by the fragment: #/ the list, #/concerns/<ref> one concern.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, state } from "lit/decorators.js";
import { Api, ApiError } from "../api.js";
import { LightElement } from "../element.js";
import { locale, otherLocale, setLocale, t } from "../i18n.js";
import "./concern.js";
import "./list.js";
import { currentSession, signOut, type Session } from "./session.js";
import "./export.js";
import "./figures.js";
import "./melding-draft.js";
import "./signin.js";
import { loadWorkflow, type WorkflowView } from "./workflow.js";

/** mc-reauth's detail: why the officer signs in again, and what to do once signed in. */
export interface Reauth {
  retry: () => void;
  reason: string;
}

type View = { kind: "loading" } | { kind: "signin"; reason: string } | { kind: "no_access" } | { kind: "list" }
  | { kind: "concern"; ref: string } | { kind: "export"; ref: string } | { kind: "figures" }
  | { kind: "melding_draft"; ref: string };

function route(): View {
  if (location.hash === "#/figures") return { kind: "figures" };
  const m = /^#\/(concerns|exports)\/([A-Za-z0-9_-]{1,64})(\/melding-draft)?$/.exec(location.hash);
  if (!m || (m[3] && m[1] !== "concerns")) return { kind: "list" };
  if (m[3]) return { kind: "melding_draft", ref: m[2]! };
  return { kind: m[1] === "exports" ? "export" : "concern", ref: m[2]! };
}

@customElement("meldcode-workbench")
export class Workbench extends LightElement {
  @state() private view: View = { kind: "loading" };
  @state() private session: Session | null = null;
  @state() private workflow?: WorkflowView;
  private api = new Api({ kind: "none" });
  /** A sign-in asked again (before an export, or after the session ended
   *  while a form was open): the page stays underneath, in memory only, with
   *  what was typed, and the request is retried once the new session is there. */
  @state() private afterSignIn?: () => void;
  @state() private reauthReason = "";
  /** The page changed (signed in, or moved between the list and a concern): its heading takes the
   *  focus once it is there, so a keyboard or screen-reader user learns where they are (WCAG 2.4.3).
   *  Not on the first page, which the browser announces itself. */
  private headingFocus = false;

  private readonly onHash = () => {
    if (this.session?.actor.role === "manager") return;  // figures only
    const routed = ["list", "concern", "export", "figures", "melding_draft"];
    if (!routed.includes(this.view.kind)) return;
    const next = route();
    if (JSON.stringify(next) !== JSON.stringify(this.view)) this.headingFocus = true;
    this.view = next;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.classList.add("mc-app");
    window.addEventListener("hashchange", this.onHash);
    void this.start();
  }

  override disconnectedCallback(): void {
    window.removeEventListener("hashchange", this.onHash);
    super.disconnectedCallback();
  }

  private async start(reason = ""): Promise<void> {
    this.session = await currentSession().catch(() => null);
    if (!this.session) {
      this.view = { kind: "signin", reason };
      return;
    }
    const role = this.session.actor.role;
    if (role !== "officer" && role !== "manager") {
      this.view = { kind: "no_access" };
      return;
    }
    this.api = new Api({ kind: "session", csrfToken: this.session.csrf_token });
    // A manager sees the figures and nothing else (README, "Access policy").
    if (role === "manager") {
      this.view = { kind: "figures" };
      return;
    }
    this.workflow = await loadWorkflow(this.api, locale());
    this.view = route();
  }

  private async switchLocale(): Promise<void> {
    setLocale(otherLocale());
    if (this.workflow) this.workflow = await loadWorkflow(this.api, locale());
  }

  private onApiError(e: CustomEvent<unknown>): void {
    if (e.detail instanceof ApiError && e.detail.status === 401) this.view = { kind: "signin", reason: t("session_expired") };
  }

  private async onReauth(e: CustomEvent<Reauth>): Promise<void> {
    this.afterSignIn = e.detail.retry;
    this.reauthReason = e.detail.reason;
    await this.updateComplete;
    this.querySelector<HTMLElement>("#mc-signin-username")?.focus();
  }

  private async onSignedIn(): Promise<void> {
    const retry = this.afterSignIn;
    const before = this.session?.actor.id;
    this.afterSignIn = undefined;
    this.headingFocus = !retry;  // a retried request keeps the page and its focus
    if (!retry) return this.start();
    this.session = await currentSession().catch(() => null);
    if (!this.session) return this.start(t("session_expired"));
    // Someone else signed in at this screen: what the other person typed is
    // theirs, neither recorded under this name nor shown. The page kept
    // underneath goes (a view of the same concern would reuse it).
    if (this.session.actor.id !== before) {
      this.headingFocus = true;
      this.view = { kind: "loading" };
      await this.updateComplete;
      return this.start();
    }
    this.api.setCredential({ kind: "session", csrfToken: this.session.csrf_token });
    await this.updateComplete;
    retry();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has("view") && this.headingFocus && this.view.kind !== "loading") void this.focusHeading();
  }

  /** The page's heading, once its element has rendered; a page whose heading comes with its data
   *  (the melding draft) is tried again when it is ready (mc-ready). */
  private async focusHeading(): Promise<void> {
    const page = this.querySelector<HTMLElement & { updateComplete?: Promise<unknown> }>("#mc-main > div > *");
    await page?.updateComplete;
    const heading = this.querySelector<HTMLElement>("#mc-main > div [data-page-heading]");
    if (!heading || !this.headingFocus) return;
    this.headingFocus = false;
    heading.focus();
  }

  private async signOut(): Promise<void> {
    if (this.session) await signOut(this.session).catch(() => undefined);
    this.session = null;
    this.view = { kind: "signin", reason: "" };
  }

  override render(): TemplateResult {
    return html`<a class="utrecht-link mc-skip" href="#mc-main" @click=${(e: Event) => {
        e.preventDefault();
        this.querySelector<HTMLElement>("#mc-main")?.focus();
      }}>${t("skip_to_content")}</a>
      <header class="mc-header">
        <h1 class="utrecht-heading-1 mc-header__title">${t("app_title")}</h1>
        <div class="mc-header__tools">
          ${this.session?.actor.role === "officer" ? html`<nav class="mc-header__nav" aria-label=${t("sections")}>
            <a class="utrecht-link" href="#/">${t("concerns_nav")}</a>
            <a class="utrecht-link" href="#/figures">${t("figures_nav")}</a></nav>` : nothing}
          ${this.session ? html`<span>${t("signed_in_as")} ${this.session.actor.id}</span>
            <button type="button" class="utrecht-button utrecht-button--secondary-action" data-sign-out
              @click=${() => this.signOut()}>${t("sign_out")}</button>` : nothing}
          <button type="button" class="utrecht-button utrecht-button--subtle" lang=${otherLocale()}
            aria-label=${t("lang_switch_label")} @click=${() => this.switchLocale()}>${t("lang_switch")}</button>
        </div>
      </header>
      <main id="mc-main" tabindex="-1" @mc-api-error=${this.onApiError} @mc-reauth=${this.onReauth}
            @mc-ready=${() => this.headingFocus && void this.focusHeading()}
            @mc-signed-in=${() => this.onSignedIn()}>
        ${this.afterSignIn ? html`<mc-signin .reason=${this.reauthReason}></mc-signin>` : nothing}
        <div ?hidden=${!!this.afterSignIn}>${this.main()}</div></main>`;
  }

  private main(): TemplateResult {
    const v = this.view;
    switch (v.kind) {
      case "loading":
        return html`<p class="utrecht-paragraph" role="status">${t("loading")}</p>`;
      case "signin":
        return html`<mc-signin .reason=${v.reason}></mc-signin>`;
      case "no_access":
        return html`<div class="utrecht-alert utrecht-alert--error" role="alert"><p class="utrecht-paragraph">${t("no_access")}</p></div>`;
      case "list":
        return html`<mc-concern-list .api=${this.api} .workflow=${this.workflow!}></mc-concern-list>`;
      case "concern":
        return html`<mc-concern-page .api=${this.api} .workflow=${this.workflow!} .ref=${v.ref}
          .me=${this.session?.actor.id ?? ""}></mc-concern-page>`;
      case "export":
        return html`<mc-export-approval .api=${this.api} .exportRef=${v.ref} .me=${this.session?.actor.id ?? ""}></mc-export-approval>`;
      case "figures":
        return html`<mc-figures .api=${this.api}></mc-figures>`;
      case "melding_draft":
        return html`<mc-melding-draft .api=${this.api} .ref=${v.ref}></mc-melding-draft>`;
    }
  }
}
