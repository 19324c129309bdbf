// capture.html: the prompt token comes in the URL fragment (#p_…, optionally
// &locale=en), which no server or log sees. It is taken out of the address at
// once (replaceState: no history entry keeps it) and lives only in memory.
// Each screen of the form is a history entry (the element's pageHistory), with
// the screen's name and place as its only state. Quick hide goes back over
// them and puts a neutral page in the form's first entry: back leads to where
// the phone was before the form; the entries ahead show the neutral page too.
import { html, render } from "lit";
import { screenEntry } from "./element.js";
import { otherLocale, setLocale, t, type Locale } from "../i18n.js";

function fromFragment(): { token: string; locale?: Locale } {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, "").replace(/^(p_[^&]*)/, "token=$1"));
  history.replaceState(null, "", location.pathname);
  const l = fragment.get("locale");
  return { token: fragment.get("token") ?? "", ...(l === "en" || l === "nl" ? { locale: l } : {}) };
}

/** An entry of a form left behind (forward after a quick hide): its page, and all it held, is gone. */
function leftBehind(): boolean {
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
  return nav?.type === "back_forward" && !location.hash && screenEntry(history.state) !== undefined;
}

const NEUTRAL = "neutral.html";

/** Quick hide: back to the form's first entry (within this page), then the neutral page in its place. */
async function hideAll(): Promise<void> {
  const step = screenEntry(history.state)?.step ?? 0;
  if (step > 0) {
    await new Promise<void>((done) => {
      window.addEventListener("popstate", () => done(), { once: true });
      setTimeout(done, 500);  // leave all the same should no popstate come
      history.go(-step);
    });
  }
  location.replace(NEUTRAL);
}

function page(start: { token: string; locale?: Locale }, chosen = start.locale): void {
  render(html`
    <nav class="mc-lang"><button type="button" class="utrecht-button utrecht-button--subtle mc-lang__switch"
      lang=${otherLocale()} aria-label=${t("lang_switch_label")}
      @click=${() => { const next = otherLocale(); setLocale(next); page(start, next); }}>${t("lang_switch")}</button></nav>
    <meldcode-capture .token=${start.token} .locale=${chosen} .pageHistory=${true}
      @meldcode-hide=${() => void hideAll()}></meldcode-capture>`, document.getElementById("mc-root")!);
}

if (leftBehind()) location.replace(NEUTRAL);
else page(fromFragment());
