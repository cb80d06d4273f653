/**
 * Talking to the admin API: JSON over fetch, with the admin token (when the server wants one)
 * from the page's `#token=` fragment or the token prompt, kept for this browser tab only.
 */

const TOKEN_KEY = "weft-admin-token";

/** An answer that was not 2xx, with the problem's code and reason when the server sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Takes a token from `#token=…` (then removes it from the address bar). */
export function adoptTokenFromHash(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match?.[1] === undefined) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(history.state, "", location.pathname + location.search);
}

/** Keeps the admin token for this tab. */
export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Request headers with the token, if any. */
export function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

async function problemOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { reason?: string; detail?: string; error?: string };
    return new ApiError(
      response.status,
      body.reason ?? String(response.status),
      body.detail ?? body.error ?? response.statusText,
    );
  } catch {
    return new ApiError(response.status, String(response.status), response.statusText);
  }
}

/** GETs a JSON answer of the admin API (`path` like `/api/traces?limit=50`). */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    headers: { accept: "application/json", ...authHeaders() },
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

/** POSTs a JSON body to the admin API. */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...authHeaders() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}
