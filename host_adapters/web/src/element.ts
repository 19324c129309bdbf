// Every element renders into the light DOM, so the NL Design System's
// stylesheet (one file, no inline styles: the CSP forbids them) applies, and
// re-renders when the locale changes.
import { LitElement } from "lit";

export class LightElement extends LitElement {
  override createRenderRoot(): HTMLElement {
    return this;
  }

  private readonly onLocale = () => this.requestUpdate();

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("mc-locale", this.onLocale);
  }

  override disconnectedCallback(): void {
    window.removeEventListener("mc-locale", this.onLocale);
    super.disconnectedCallback();
  }
}

/** A random key, also outside secure contexts (where crypto.randomUUID is absent). */
export function randomKey(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
