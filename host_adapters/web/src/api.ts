// The one way the UI talks to meldcoded: the public /v1 API (types generated
// from schemas/openapi.yaml) and the sidecar's /ui/auth routes.
import type { components, paths } from "meldcode-openapi";

export type Schemas = components["schemas"];
export type Form = Schemas["catalog_view.schema"];
export type Screen = Schemas["screen"];
export type Control = Schemas["control"];
export type Receipt = Schemas["receipt.schema"];
export type Concern = Schemas["concern.schema"];
export type ConcernSummary = Schemas["summary"];
export type ConcernPage = Schemas["concern_page.schema"];
export type Entry = Schemas["entry"];
export type DueSteps = Schemas["due_steps.schema"];
export type Dossier = Schemas["dossier.schema"];
export type LegalHoldRequest = Schemas["LegalHoldBody"];
export type ExportRequest = Schemas["ExportRequestBody"];
export type ExportPending = Schemas["export_pending.schema"];
export type ExportDecline = Schemas["ExportDeclineBody"];
export type Figures = Schemas["figures.schema"];
export type MeldingDraft = Schemas["melding_draft.schema"];
type JsonBody<P extends keyof paths, M extends "post"> = paths[P][M] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : never;
export type SubmissionBody = JsonBody<"/v1/submissions", "post">;
export type ConcernListQuery = NonNullable<paths["/v1/concerns"]["get"]["parameters"]["query"]>;

/** An answer that is not 2xx: the problem's stable code and JSON pointer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly pointer: string,
    detail: string,
  ) {
    super(detail || code);
  }
}

/** A request that never reached the server or got no answer. */
export class NetworkError extends Error {}

/** Who the calls are made as: the officer's session (cookie + CSRF token),
 *  or the technician's prompt token (no cookie at all). */
export type Credential = { kind: "session"; csrfToken: string } | { kind: "prompt"; token: string } | { kind: "none" };

export class Api {
  constructor(
    private credential: Credential,
    private readonly base = "",
  ) {}

  setCredential(credential: Credential): void {
    this.credential = credential;
  }

  async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { Accept: "application/json", ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    const c = this.credential;
    if (c.kind === "prompt") h["Authorization"] = "Prompt " + c.token;
    if (c.kind === "session" && method !== "GET") h["X-CSRF-Token"] = c.csrfToken;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: h,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: c.kind === "session" ? "same-origin" : "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
    } catch (e) {
      throw new NetworkError(String(e));
    }
    const text = await response.text().catch(() => {
      throw new NetworkError("the answer broke off");
    });
    const parsed = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const p = (parsed ?? {}) as { code?: string; pointer?: string; detail?: string };
      throw new ApiError(response.status, p.code ?? "http_" + response.status, p.pointer ?? "", p.detail ?? "");
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }

  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.call<T>("POST", path, body, headers);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? "?" + s : "";
}
