/**
 * Every request to the services goes through `sessionFetch`: it sends the CSRF header the
 * web login's cookies need (double submit), and when the access cookie has expired it
 * refreshes once, with every other request queued behind that one refresh. When the
 * refresh fails too, the session is over: requests wait (the page and its drafts stay as
 * they are) until the person signs in again in the dialog the shell opens, then resume.
 */

const CSRF_HEADER = "X-CSRF-TOKEN";
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

async function postRefresh(): Promise<boolean> {
  try {
    const response = await fetch("/api/auth/web/refresh", {
      method: "POST",
      credentials: "same-origin",
      headers: { [CSRF_HEADER]: readCookie("csrf_refresh_token") ?? "" },
    });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Refresh tokens rotate, and presenting a spent one ends the whole session (theft
 * detection). Two tabs refreshing at once would do exactly that, so tabs take turns
 * (Web Locks), and a tab that waited checks whether another one refreshed meanwhile:
 * every new access token comes with a new readable CSRF cookie.
 */
async function refreshAcrossTabs(): Promise<boolean> {
  const before = readCookie("csrf_access_token");
  if (!("locks" in navigator)) return postRefresh();
  return navigator.locks.request("tts-session-refresh", async () => {
    const now = readCookie("csrf_access_token");
    if (now && now !== before) return true; // another tab already did it
    return postRefresh();
  });
}

type Listener = (expired: boolean) => void;

class SessionGate {
  private refreshing: Promise<boolean> | null = null;
  private waiting: Array<() => void> = [];
  private listeners = new Set<Listener>();
  expired = false;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One refresh in flight at a time; concurrent callers share its outcome. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = refreshAcrossTabs().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** The session is over: announce it and park the caller until `resumed()`. */
  waitForSignIn(): Promise<void> {
    if (!this.expired) {
      this.expired = true;
      this.listeners.forEach((listener) => listener(true));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Signed in again: release every parked request (each retries with fresh cookies). */
  resumed(): void {
    this.expired = false;
    const waiting = this.waiting;
    this.waiting = [];
    waiting.forEach((resolve) => resolve());
    this.listeners.forEach((listener) => listener(false));
  }

  /** Signed out on purpose: parked requests are dropped with the page. */
  reset(): void {
    this.expired = false;
    this.waiting = [];
  }
}

export const session = new SessionGate();

/** Requests that are part of signing in are never retried behind a refresh. */
function isSessionEndpoint(url: string): boolean {
  return /\/api\/auth\/(web\/(login|refresh|logout)|register|password\/|invitations\/)/.test(url);
}

function withCsrf(request: Request): Request {
  if (!UNSAFE.has(request.method)) return request;
  const headers = new Headers(request.headers);
  headers.set(CSRF_HEADER, readCookie("csrf_access_token") ?? "");
  return new Request(request, { headers, credentials: "same-origin" });
}

export async function sessionFetch(input: Request | string, init?: RequestInit): Promise<Response> {
  const original = typeof input === "string" ? new Request(new URL(input, window.location.href), init) : input;
  // Keep an unread copy: a retried request needs its body again.
  const spare = original.clone();
  const response = await fetch(withCsrf(original));
  if (response.status !== 401 || isSessionEndpoint(original.url)) return response;
  if (!(await session.refresh())) {
    await session.waitForSignIn();
  }
  return fetch(withCsrf(spare));
}
