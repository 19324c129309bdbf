// <meldcode-capture>: the technician's form, rendered from the prompt's
// screens (schemas/catalog_view.schema.json) in their order and with their
// defaults. Its only credential is the prompt token; it keeps nothing on the
// device (no cookie, no storage) and sends with an Idempotency-Key until the
// receipt comes. Events for a host: meldcode-hide (quick hide), meldcode-finish,
// meldcode-later, meldcode-sent (detail: the receipt's submission_ref).
// Where the element is the page (capture.html sets pageHistory), each screen is
// a history entry whose state is the screen's name and its place, nothing
// typed or tapped: the phone's back button goes to the previous screen, with
// the choices kept in memory. Leaving with something not sent asks first.
import { html, nothing, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { Api, ApiError, type Control, type Form, type Screen } from "../api.js";
import { LightElement, randomKey } from "../element.js";
import { setLocale, t, type Locale } from "../i18n.js";
import { openPrompt, sendUntilReceived, type SendState, type Values } from "./submit.js";

type Phase = "loading" | "load_failed" | "form" | "finished" | "later" | "hidden";

/** A screen's history entry: its id and how many screens came before it; never anything entered. */
export interface ScreenEntry {
  screen: Screen["id"];
  step: number;
}

export function screenEntry(state: unknown): ScreenEntry | undefined {
  const e = state as Partial<ScreenEntry> | null;
  return typeof e?.screen === "string" && typeof e.step === "number" ? (e as ScreenEntry) : undefined;
}

function emptyValues(form: Form): Values {
  const d = form.defaults;
  return {
    signals: new Set(d.signals as string[]),
    observations: d.observations,
    children_involved: d.children_involved,
    acute: d.acute,
    already_called: new Set(d.already_called as string[]),
    callback_requested: d.callback_requested,
  };
}

@customElement("meldcode-capture")
export class MeldcodeCapture extends LightElement {
  /** The prompt token (p_…); a property, never an attribute, so it shows in no markup. */
  @property({ attribute: false }) token = "";
  @property({ attribute: "api-base" }) apiBase = "";
  /** The form's language; without it, the language of the ticket the prompt was made for. */
  @property() locale?: Locale;
  /** The element is the page: its screens are the page's history entries. */
  @property({ attribute: false }) pageHistory = false;

  @state() private phase: Phase = "loading";
  @state() private form?: Form;
  @state() private screenId: Screen["id"] = "question";
  @state() private category = "";
  @state() private values?: Values;
  @state() private send: SendState = { kind: "idle" };
  @state() private problem = "";
  private generation = 0; // a quick hide ends every send in flight

  private readonly onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") this.hide();
  };

  /** Back or forward to one of the form's screens; once it is done, back leaves the form altogether. */
  private readonly onPop = (e: PopStateEvent) => {
    const entry = screenEntry(e.state);
    if (!this.pageHistory || !this.form || !entry) return;
    if (this.done()) {
      history.go(-(entry.step + 1));
    } else if (this.form.screens.some((x) => x.id === entry.screen)) {
      this.show(entry.screen);
    }
  };

  /** Nothing typed or tapped is kept on the device: the browser asks before a reload or close loses it. */
  private readonly onLeave = (e: BeforeUnloadEvent) => {
    if (!this.unsent()) return;
    e.preventDefault();
    e.returnValue = "";
  };

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener("keydown", this.onKey);
    window.addEventListener("popstate", this.onPop);
    window.addEventListener("beforeunload", this.onLeave);
    void this.load();
  }

  override disconnectedCallback(): void {
    document.removeEventListener("keydown", this.onKey);
    window.removeEventListener("popstate", this.onPop);
    window.removeEventListener("beforeunload", this.onLeave);
    super.disconnectedCallback();
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has("locale") && this.locale && this.form) void this.relocalise();
  }

  private api(): Api {
    return new Api({ kind: "prompt", token: this.token }, this.apiBase);
  }

  /** The same form in the other language; what was tapped stays. */
  private async relocalise(): Promise<void> {
    if (this.locale) setLocale(this.locale);
    try {
      this.form = (await openPrompt(this.api(), this.locale)).form;
    } catch {
      /* the form stays in the language it had */
    }
  }

  private async load(): Promise<void> {
    if (this.locale) setLocale(this.locale);
    if (!this.token) {
      this.phase = "load_failed";
      this.problem = t("no_token");
      return;
    }
    this.phase = "loading";
    try {
      const opened = await openPrompt(this.api(), this.locale);
      const form = opened.form;
      setLocale(opened.locale);
      this.form = form;
      this.values = emptyValues(form);
      this.screenId = form.start;
      if (this.pageHistory) history.replaceState({ screen: form.start, step: 0 } satisfies ScreenEntry, "");
      this.phase = "form";
    } catch (e) {
      this.phase = "load_failed";
      this.problem = e instanceof ApiError && e.status === 401 ? t("token_refused") : t("load_failed");
    }
  }

  /** Quick hide: forget the form and everything typed, and tell the host. */
  hide(): void {
    this.generation++;
    this.token = "";
    this.form = undefined;
    this.values = undefined;
    this.send = { kind: "idle" };
    this.phase = "hidden";
    this.dispatchEvent(new CustomEvent("meldcode-hide", { bubbles: true, composed: true }));
  }

  private emit(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail }));
  }

  private async tapButton(c: Control): Promise<void> {
    switch (c.action) {
      case "go":
        if (c.to) this.goTo(c.to);
        return;
      case "finish":
        this.phase = "finished";
        this.emit("meldcode-finish");
        return;
      case "later":
        // Nothing typed is kept (no storage on the device): only the link to answer later.
        if (this.entered() && !window.confirm(t("later_confirm"))) return;
        this.values = this.form ? emptyValues(this.form) : undefined;
        this.phase = "later";
        this.emit("meldcode-later");
        return;
      case "send":
        await this.submit(c);
    }
  }

  /** Whether anything differs from the form's defaults: what "later" would throw away. */
  private entered(): boolean {
    const v = this.values;
    if (!v || !this.form) return false;
    const d = emptyValues(this.form);
    const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
    return !sameSet(v.signals, d.signals) || !sameSet(v.already_called, d.already_called)
      || v.observations.trim() !== d.observations.trim() || v.children_involved !== d.children_involved
      || v.acute !== d.acute || v.callback_requested !== d.callback_requested;
  }

  /** Whether the form is over (sent, "nee", "later"): going back does not reopen it. */
  private done(): boolean {
    return this.phase !== "form" || this.send.kind === "received";
  }

  /** Something entered that has not been sent: what a reload or close would lose. */
  private unsent(): boolean {
    return !this.done() && this.entered();
  }

  /** A step forward: a new history entry where the element is the page. */
  private goTo(to: Screen["id"]): void {
    if (this.pageHistory) {
      const step = (screenEntry(history.state)?.step ?? 0) + 1;
      history.pushState({ screen: to, step } satisfies ScreenEntry, "");
    }
    this.show(to);
  }

  /** The screen, its heading taking the focus: a screen reader says the screen changed. */
  private show(to: Screen["id"]): void {
    this.screenId = to;
    this.updateComplete.then(() => this.querySelector<HTMLElement>("h1, h2")?.focus());
  }

  private sendable(c: Control): boolean {
    const v = this.values;
    if (!v || !c.requires_one_of) return true;
    return c.requires_one_of.some((f) => {
      const value = v[f];
      return value instanceof Set ? value.size > 0 : typeof value === "string" ? value.trim() !== "" : true;
    });
  }

  private async submit(c: Control): Promise<void> {
    if (!this.values || !this.form || this.send.kind === "sending" || this.send.kind === "retrying") return;
    if (!this.sendable(c)) {
      this.send = { kind: "failed", message: t("send_needs") };
      return;
    }
    const generation = this.generation;
    const ref = await sendUntilReceived(this.api(), this.values, randomKey("ui-"), (s) => {
      if (generation !== this.generation) return;
      this.send = s.kind === "failed" ? { kind: "failed", message: t("send_failed") + " " + s.message } : s;
    }, () => generation !== this.generation);
    if (ref && generation === this.generation) {
      this.emit("meldcode-sent", ref);
      if (c.to) this.goTo(c.to);
    }
  }

  private set<K extends keyof Values>(field: K, value: Values[K]): void {
    if (!this.values) return;
    this.values = { ...this.values, [field]: value };
    if (this.send.kind === "failed") this.send = { kind: "idle" };
  }

  private toggleIn(field: "signals" | "already_called", value: string): void {
    if (!this.values) return;
    const next = new Set(this.values[field]);
    if (!next.delete(value)) next.add(value);
    this.set(field, next);
  }

  override render(): TemplateResult | typeof nothing {
    if (this.phase === "hidden") return nothing;
    return html`
      <div class="mc-capture">
        <div class="mc-capture__bar">
          <button type="button" class="utrecht-button utrecht-button--secondary-action mc-quick-hide"
                  @click=${() => this.hide()} aria-describedby="mc-hide-hint">${t("quick_hide")}</button>
          <span id="mc-hide-hint" class="mc-hint">${t("quick_hide_hint")}</span>
        </div>
        <main class="mc-capture__main">${this.body()}</main>
      </div>`;
  }

  private body(): TemplateResult {
    switch (this.phase) {
      case "loading":
        return html`<p class="utrecht-paragraph" role="status">${t("loading")}</p>`;
      case "load_failed":
        return html`<p class="utrecht-paragraph" role="alert">${this.problem}</p>
          ${this.token ? html`<button type="button" class="utrecht-button utrecht-button--primary-action mc-tap"
            @click=${() => this.load()}>${t("retry")}</button>` : nothing}`;
      case "finished":
        return html`<h1 class="utrecht-heading-1" tabindex="-1">${t("finished")}</h1>`;
      case "later":
        return html`<h1 class="utrecht-heading-1" tabindex="-1">${t("later_kept")}</h1>`;
      default:
        return this.screen();
    }
  }

  private screen(): TemplateResult {
    const screen = this.form!.screens.find((s) => s.id === this.screenId)!;
    const heading = screen.title ?? (screen.id === "question" ? undefined : screen.text);
    return html`
      <form class="utrecht-form mc-screen" data-screen=${screen.id} autocomplete="off"
            @submit=${(e: Event) => e.preventDefault()}>
        ${screen.id === "sent" ? this.receivedBanner() : nothing}
        ${heading ? html`<h1 class="utrecht-heading-1" tabindex="-1">${heading}</h1>` : nothing}
        ${screen.text && screen.text !== heading
          ? html`${screen.title ? html`<p class="utrecht-paragraph">${screen.text}</p>`
                                : html`<h1 class="utrecht-heading-1 mc-question" tabindex="-1">${screen.text}</h1>`}`
          : nothing}
        ${screen.controls.map((c) => this.control(c))}
        ${screen.id === "sent" && this.form!.officer ? html`<p class="utrecht-paragraph">
          <a class="utrecht-link mc-tap" href="tel:${this.form!.officer.phone}">${t("call_officer")}:
            ${this.form!.officer.name}, ${this.form!.officer.phone}</a></p>` : nothing}
        ${screen.id === "signals" ? this.sendStatus() : nothing}
        ${this.unsent() ? html`<p class="utrecht-paragraph mc-hint" data-unsent>${t("unsent_not_kept")}</p>` : nothing}
      </form>`;
  }

  private receivedBanner(): TemplateResult {
    return html`<div class="utrecht-alert utrecht-alert--ok mc-received" role="status">
      <p class="utrecht-paragraph">${t("received")}</p></div>`;
  }

  private sendStatus(): TemplateResult {
    const s = this.send;
    const text = s.kind === "sending" ? t("sending") : s.kind === "retrying" ? t("offline_retrying")
      : s.kind === "failed" ? s.message : "";
    return html`<div class="mc-send-status ${s.kind === "failed" ? "mc-send-status--error" : ""}"
      role=${s.kind === "failed" ? "alert" : "status"} aria-live="polite">${text}</div>`;
  }

  private control(c: Control): TemplateResult | typeof nothing {
    const v = this.values!;
    const busy = this.send.kind === "sending" || this.send.kind === "retrying";
    switch (c.type) {
      case "button":
        return html`<button type="button" data-control=${c.id} ?disabled=${c.action === "send" && busy}
          class="utrecht-button mc-tap ${c.action === "send" || c.id === "yes" ? "utrecht-button--primary-action" : "utrecht-button--secondary-action"}"
          @click=${() => this.tapButton(c)}>${c.label}</button>`;
      case "category_list":
        return html`<div class="mc-choices">${this.form!.categories.map((cat) => html`
          <button type="button" class="utrecht-button utrecht-button--secondary-action mc-tap" data-category=${cat.id}
            @click=${() => { this.category = cat.id; if (c.to) this.goTo(c.to); }}>${cat.label}</button>`)}</div>`;
      case "signal_list": {
        const cat = this.form!.categories.find((x) => x.id === this.category) ?? this.form!.categories[0]!;
        return html`<fieldset class="utrecht-form-fieldset mc-choices"><legend class="utrecht-form-fieldset__legend mc-sr-only">${cat.label}</legend>
          ${cat.signals.map((s) => this.check("signals", s.id, s.label, v.signals.has(s.id), () => this.toggleIn("signals", s.id)))}
        </fieldset>`;
      }
      case "text":
        return html`<div class="utrecht-form-field mc-field">
          <label class="utrecht-form-label" for="mc-${c.id}">${c.label}</label>
          <textarea id="mc-${c.id}" class="utrecht-textarea" rows="4" autocomplete="off" spellcheck="false"
            .value=${v.observations} @input=${(e: Event) => this.set("observations", (e.target as HTMLTextAreaElement).value)}></textarea>
        </div>`;
      case "choice":
        return html`<fieldset class="utrecht-form-fieldset mc-choices"><legend class="utrecht-form-fieldset__legend">${c.label}</legend>
          ${(c.options ?? []).map((o) => html`<label class="mc-option mc-tap">
            <input type="radio" class="utrecht-radio-button utrecht-radio-button--html-input" name="mc-${c.id}" .checked=${v.children_involved === o.value}
              @change=${() => this.set("children_involved", o.value as Values["children_involved"])}>${o.label}</label>`)}
        </fieldset>`;
      case "toggle": {
        const field = c.field as "acute" | "callback_requested";
        return this.check(field, c.id, c.label ?? "", v[field], () => this.set(field, !v[field]));
      }
      case "multi_choice":
        return html`<fieldset class="utrecht-form-fieldset mc-choices"><legend class="utrecht-form-fieldset__legend">${c.label}</legend>
          ${(c.options ?? []).map((o) => this.check("already_called", o.value, o.label, v.already_called.has(o.value),
            () => this.toggleIn("already_called", o.value)))}</fieldset>`;
      case "notice":
        return html`<div class="utrecht-alert ${c.id === "emergency" ? "utrecht-alert--warning" : "utrecht-alert--info"} mc-notice"
          data-notice=${c.id}><p class="utrecht-paragraph">${c.text}</p></div>`;
      default:
        return nothing;
    }
  }

  private check(group: string, value: string, label: string, checked: boolean, toggle: () => void): TemplateResult {
    return html`<label class="mc-option mc-tap" data-group=${group} data-value=${value}>
      <input type="checkbox" class="utrecht-checkbox" .checked=${checked} @change=${toggle}>${label}</label>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "meldcode-capture": MeldcodeCapture;
  }
}
