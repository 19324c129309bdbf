// capture.html: the prompt token comes in the URL fragment (#p_…, optionally
// &locale=en), which no server or log sees. It is taken out of the address at
// once (replaceState: no history entry keeps it) and lives only in memory.
// Quick hide replaces the page with a neutral one, leaving no history entry.
import { html, render } from "lit";
import "./element.js";
import { otherLocale, setLocale, t, type Locale } from "../i18n.js";

function fromFragment(): { token: string; locale?: Locale } {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, "").replace(/^(p_[^&]*)/, "token=$1"));
  history.replaceState(null, "", location.pathname);
  const l = fragment.get("locale");
  return { token: fragment.get("token") ?? "", ...(l === "en" || l === "nl" ? { locale: l } : {}) };
}

const start = fromFragment();
let chosen: Locale | undefined = start.locale;
const root = document.getElementById("mc-root")!;

function page() {
  render(html`
    <nav class="mc-lang"><button type="button" class="utrecht-button utrecht-button--subtle mc-lang__switch"
      lang=${otherLocale()} aria-label=${t("lang_switch_label")}
      @click=${() => { chosen = otherLocale(); setLocale(chosen); page(); }}>${t("lang_switch")}</button></nav>
    <meldcode-capture .token=${start.token} .locale=${chosen}
      @meldcode-hide=${() => location.replace("neutral.html")}></meldcode-capture>`, root);
}
page();
