/**
 * Serving the built dashboard from any `node:http` server: `serveDashboard(req, res, "/")` answers
 * the page, its hashed assets (cached for a year) and, for a browser navigating to a dashboard URL
 * such as `/traces/4bf9…`, the page again (the app routes in the browser). It answers nothing it
 * does not own (returns false), so the caller's own routes and 404s stay in charge.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { serveDashboard } from "weft/dashboard";
 * createServer(async (req, res) => {
 *   if (await serveDashboard(req, res, "/dashboard/")) return;
 *   res.writeHead(404).end();
 * }).listen(8080);
 * ```
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { type Asset, assetPath, dashboardRoot, readAsset } from "./assets.js";

/** What the dashboard answers to one request. */
export interface DashboardResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Empty for 304 and redirects. */
  readonly body: Uint8Array;
}

/** Options of {@link serveDashboard}. */
export interface ServeDashboardOptions {
  /** The folder of the built dashboard. Default: `dist/dashboard` of this package. */
  readonly root?: string;
}

/** `"/"`, `"/dashboard/"`: a base path with a leading and trailing slash. */
export function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}/`;
}

/** True for a browser navigation to a page (not a script, image or API request). */
function isNavigation(relative: string, headers: IncomingHttpHeaders): boolean {
  const last = relative.split("/").at(-1) ?? "";
  if (last.includes(".")) return false;
  return /\btext\/html\b/.test(headers.accept ?? "");
}

function toResponse(asset: Asset, headers: IncomingHttpHeaders): DashboardResponse {
  const common = { ...asset.headers, etag: asset.etag };
  if (headers["if-none-match"] === asset.etag) {
    return { status: 304, headers: common, body: new Uint8Array() };
  }
  return {
    status: 200,
    headers: {
      ...common,
      "content-type": asset.contentType,
      "content-length": String(asset.body.byteLength),
    },
    body: asset.body,
  };
}

/**
 * The dashboard's answer to a request, or undefined when the request is not the dashboard's (not
 * GET/HEAD, outside `basePath`, an unknown file, or the dashboard was not built).
 */
export async function dashboardResponse(
  method: string,
  pathname: string,
  headers: IncomingHttpHeaders,
  basePath: string,
  options: ServeDashboardOptions = {},
): Promise<DashboardResponse | undefined> {
  if (method !== "GET" && method !== "HEAD") return undefined;
  const base = normalizeBasePath(basePath);
  if (base !== "/" && pathname === base.slice(0, -1)) {
    return { status: 308, headers: { location: base }, body: new Uint8Array() };
  }
  if (!pathname.startsWith(base)) return undefined;
  const root = options.root ?? dashboardRoot();
  if (root === undefined) return undefined;
  const relative = pathname.slice(base.length);
  let file = assetPath(relative);
  if (file === undefined) {
    if (!isNavigation(relative, headers)) return undefined;
    file = "index.html";
  }
  const asset = await readAsset(root, file, base);
  return asset === undefined ? undefined : toResponse(asset, headers);
}

/**
 * Answers a request for the dashboard below `basePath` (`"/"` by default): returns true when it
 * did, false when the request is not the dashboard's, so the caller answers it.
 */
export async function serveDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  basePath = "/",
  options: ServeDashboardOptions = {},
): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://dashboard");
  const answer = await dashboardResponse(
    req.method ?? "GET",
    url.pathname,
    req.headers,
    basePath,
    options,
  );
  if (answer === undefined) return false;
  res.writeHead(answer.status, answer.headers);
  res.end(req.method === "HEAD" ? undefined : answer.body);
  return true;
}
