// The technician's two calls: get the form, and send until the receipt comes.
import { Api, ApiError, NetworkError, query, type Form, type Receipt, type SubmissionBody } from "../api.js";
import type { Locale } from "../i18n.js";

export interface Values {
  signals: Set<string>;
  observations: string;
  children_involved: "yes" | "no" | "unknown";
  acute: boolean;
  already_called: Set<string>;
  callback_requested: boolean;
}

export type SendState =
  | { kind: "idle" }
  | { kind: "sending" }
  | { kind: "retrying"; attempt: number }
  | { kind: "failed"; message: string }
  | { kind: "received"; ref: string };

/** GET /v1/prompt (Authorization: Prompt <token>): the form, in the prompt's
 *  locale or the one asked for, and when the token expires. */
export interface OpenedPrompt {
  locale: Locale;
  expires_at: string;
  form: Form;
}

export function openPrompt(api: Api, locale?: Locale): Promise<OpenedPrompt> {
  return api.get<OpenedPrompt>("/v1/prompt" + query({ locale }));
}

/** The prompt token travels as the credential, not in the body. */
export function submissionBody(v: Values, key: string): SubmissionBody {
  return {
    idempotency_key: key,
    signals: [...v.signals],
    observations: v.observations.trim(),
    children_involved: v.children_involved,
    acute: v.acute,
    already_called: [...v.already_called] as ("112" | "veilig_thuis")[],
    callback_requested: v.callback_requested,
  };
}

/** Worth another try: no answer at all, or the server says "later". */
function transient(e: unknown): boolean {
  return e instanceof NetworkError || (e instanceof ApiError && (e.status >= 500 || e.status === 429 || e.status === 408));
}

const MAX_DELAY_MS = 8000;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    window.addEventListener("online", done); // back online: try at once
  });
}

/** Sends the submission with one idempotency key until a receipt or a
 *  definite refusal comes; the same key makes every retry the same
 *  submission. Returns the submission_ref, or null when refused or stopped. */
export async function sendUntilReceived(api: Api, values: Values, key: string,
                                        report: (s: SendState) => void, stopped: () => boolean): Promise<string | null> {
  const body = submissionBody(values, key);
  report({ kind: "sending" });
  for (let attempt = 1; !stopped(); attempt++) {
    try {
      const receipt = await api.post<Receipt>("/v1/submissions", body, { "Idempotency-Key": key });
      report({ kind: "received", ref: receipt.submission_ref });
      return receipt.submission_ref;
    } catch (e) {
      if (!transient(e)) {
        report({ kind: "failed", message: e instanceof Error ? e.message : String(e) });
        return null;
      }
      report({ kind: "retrying", attempt });
      await pause(Math.min(MAX_DELAY_MS, 500 * 2 ** Math.min(attempt, 5)));
    }
  }
  return null;
}
