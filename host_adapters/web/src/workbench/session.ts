// The sidecar's sign-in and session routes (/ui/auth/*, docs/web-ui.md): the
// session lives server-side behind an HttpOnly cookie; the page only learns
// who is signed in and the CSRF token its unsafe calls carry.
import { Api, ApiError } from "../api.js";

export interface Session {
  actor: { id: string; role: string };
  csrf_token: string;
  expires_at: string;
  idle_expires_at: string;
}

export interface Methods {
  password: boolean;
  oidc?: { label: string };
}

const anonymous = new Api({ kind: "none" });

export async function currentSession(): Promise<Session | null> {
  try {
    return await new Api({ kind: "session", csrfToken: "" }).get<Session>("/ui/auth/session");
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
    throw e;
  }
}

/** Which ways to sign in the sidecar offers: GET /ui/auth/methods answers {"oidc": bool, "password": bool}. */
export async function authMethods(): Promise<Methods> {
  const m = await anonymous.get<{ oidc: boolean; password: boolean }>("/ui/auth/methods");
  return { password: m.password, ...(m.oidc ? { oidc: { label: "OpenID Connect" } } : {}) };
}

export async function signInWithPassword(username: string, password: string, totp: string): Promise<void> {
  await new Api({ kind: "session", csrfToken: "" }).post("/ui/auth/password", { username, password, totp });
}

export function oidcLoginUrl(returnTo: string): string {
  return "/ui/auth/oidc/login?return_to=" + encodeURIComponent(returnTo);
}

export async function signOut(session: Session): Promise<void> {
  await new Api({ kind: "session", csrfToken: session.csrf_token }).post("/ui/auth/logout", {});
}
