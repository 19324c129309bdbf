// <mc-figures>: management figures per quarter (GET /v1/figures), for
// managers and officers. Each table has a small SVG chart beside it; the
// chart is decoration (aria-hidden), the table beside it carries the numbers
// for screen readers. Hidden counts (fewer than k concerns) show as "—".
import { html, nothing, svg, type TemplateResult } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import { Api, ApiError, type Figures } from "../api.js";
import { LightElement } from "../element.js";
import { t, type Key } from "../i18n.js";

type Table = Figures["tables"][number];
type Count = number | null;

/** The quarter a civil date in Amsterdam falls in, and n quarters earlier. */
export function quarterOf(date: Date, back = 0): string {
  const ymd = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam" }).format(date);
  const index = Number(ymd.slice(0, 4)) * 4 + Math.floor((Number(ymd.slice(5, 7)) - 1) / 3) - back;
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

const QUARTER = "^[0-9]{4}-Q[1-4]$";
const CHART_WIDTH = 320;
const BAR_HEIGHT = 14;
const LABEL_WIDTH = 56;

function shown(n: Count): string {
  return n === null ? "—" : String(n);
}

// One horizontal bar per row and quarter (the quarter written before it),
// rows told apart by colour and a gap, scaled to the largest count shown.
function chart(table: Table, quarters: string[]): TemplateResult {
  const max = Math.max(1, ...table.rows.flatMap((r) => r.counts.filter((n): n is number => n !== null)));
  const height = table.rows.length * quarters.length * BAR_HEIGHT + table.rows.length * 6;
  const span = CHART_WIDTH - LABEL_WIDTH - 40;
  let y = 0;
  const bars = table.rows.flatMap((row, r) => {
    const group = row.counts.map((n, q) => {
      const top = y;
      y += BAR_HEIGHT;
      const width = n === null ? 0 : (n / max) * span;
      return svg`<text x="0" y=${top + BAR_HEIGHT - 3} class="mc-figures__value">${quarters[q]}</text>
        <rect x=${LABEL_WIDTH} y=${top + 1} width=${width} height=${BAR_HEIGHT - 2} class="mc-figures__bar mc-figures__bar--${r % 6}"></rect>
        <text x=${LABEL_WIDTH + width + 4} y=${top + BAR_HEIGHT - 3} class="mc-figures__value">${shown(n)}</text>`;
    });
    y += 6;
    return group;
  });
  return html`<svg class="mc-figures__chart" aria-hidden="true" focusable="false" width=${CHART_WIDTH} height=${height}
    viewBox="0 0 ${CHART_WIDTH} ${height}">${bars}</svg>`;
}

function label(prefix: string, id: string): string {
  // Categories and routes are the catalog's and the workflow's ids.
  return (t(`${prefix}_${id}` as Key) as string | undefined) ?? id;
}

@customElement("mc-figures")
export class FiguresView extends LightElement {
  @property({ attribute: false }) api!: Api;
  @state() private from = quarterOf(new Date(), 3);
  @state() private to = quarterOf(new Date());
  @state() private figures?: Figures;
  @state() private error = "";

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private query(format = ""): string {
    return `/v1/figures?from=${encodeURIComponent(this.from)}&to=${encodeURIComponent(this.to)}${format}`;
  }

  private async load(): Promise<void> {
    this.error = "";
    try {
      this.figures = await this.api.get<Figures>(this.query());
    } catch (e) {
      this.figures = undefined;
      this.error = e instanceof ApiError && e.code === "quarter_in_the_future" ? t("figures_future") : t("figures_failed");
      if (e instanceof ApiError) this.dispatchEvent(new CustomEvent("mc-api-error", { detail: e, bubbles: true }));
    }
    this.dispatchEvent(new CustomEvent("mc-ready", { bubbles: true }));
  }

  private submit(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    this.from = (form.elements.namedItem("from") as HTMLInputElement).value;
    this.to = (form.elements.namedItem("to") as HTMLInputElement).value;
    void this.load();
  }

  private table(table: Table, quarters: string[]): TemplateResult {
    const title = label("figures_table", table.table);
    return html`<section class="mc-figures__section" data-table=${table.table}>
      <h3 class="utrecht-heading-3">${title}</h3>
      <div class="mc-figures__pair">
        ${chart(table, quarters)}
        <table class="utrecht-table mc-figures__table">
          <caption class="utrecht-table__caption">${title}</caption>
          <thead class="utrecht-table__header"><tr class="utrecht-table__row">
            <th class="utrecht-table__header-cell" scope="col">${t("figures_row")}</th>
            ${quarters.map((q) => html`<th class="utrecht-table__header-cell" scope="col">${q}</th>`)}
          </tr></thead>
          <tbody class="utrecht-table__body">${table.rows.map((row) => html`<tr class="utrecht-table__row">
            <th class="utrecht-table__header-cell" scope="row">${label("figures_row", row.row)}</th>
            ${row.counts.map((n) => html`<td class="utrecht-table__cell utrecht-table__cell--numeric">${n === null
              ? html`<abbr title=${t("figures_hidden")}>—</abbr>` : n}</td>`)}
          </tr>`)}</tbody>
        </table>
      </div>
    </section>`;
  }

  override render(): TemplateResult {
    const f = this.figures;
    const quarters = f ? f.quarters.map((q) => q.quarter) : [];
    return html`<h2 class="utrecht-heading-2" data-page-heading tabindex="-1">${t("figures_title")}</h2>
      <p class="utrecht-paragraph">${t("figures_intro")}${f ? ` k = ${f.min_cell}.` : ""}</p>
      <form class="mc-filters" @submit=${(e: Event) => this.submit(e)}>
        <label class="utrecht-form-label">${t("figures_from")}
          <input class="utrecht-textbox" name="from" required pattern=${QUARTER} .value=${this.from}></label>
        <label class="utrecht-form-label">${t("figures_to")}
          <input class="utrecht-textbox" name="to" required pattern=${QUARTER} .value=${this.to}></label>
        <button class="utrecht-button utrecht-button--primary-action" type="submit">${t("apply")}</button>
        <a class="utrecht-link" href=${this.query("&format=csv")} download>${t("figures_csv")}</a>
      </form>
      ${this.error ? html`<div class="utrecht-alert utrecht-alert--error" role="alert"><p class="utrecht-paragraph">${this.error}</p></div>` : nothing}
      ${f ? f.tables.map((table) => this.table(table, quarters)) : nothing}`;
  }
}
