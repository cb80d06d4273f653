/**
 * Traffic for `weft placement suggest`: a running app's admin server (`GET /api/topology`) read
 * over HTTP. Files and snapshots are parsed by `parseTraffic` of the placement module (both
 * shapes, read tolerantly: see there and docs/cli.md).
 */
import { invalidArgument, unauthenticated, unavailable } from "../core/index.js";
import { parseTraffic, type TrafficSource } from "../placement/index.js";

export { parseTraffic, type TrafficSource };

/** Fetches `/api/topology` from an app's admin server and parses it. */
export async function fetchTopology(
  admin: string,
  token: string | undefined,
): Promise<TrafficSource> {
  let url: URL;
  try {
    url = new URL("/api/topology", admin);
  } catch {
    throw invalidArgument(
      "ADMIN_URL_INVALID",
      `--admin must be a URL like http://127.0.0.1:9464 (got ${admin})`,
    );
  }
  let response: Response;
  try {
    response = await fetch(url, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw unavailable(
      "ADMIN_UNREACHABLE",
      `could not reach ${url.origin} (${(error as Error).cause ?? (error as Error).message}): is the app running, and its admin server on that address (WEFT_ADMIN_HOST, WEFT_ADMIN_PORT)?`,
    );
  }
  if (response.status === 401 || response.status === 403)
    throw unauthenticated(
      "ADMIN_TOKEN_REQUIRED",
      `${url.origin} refused the request (${response.status}): pass the app's WEFT_ADMIN_TOKEN with --token or the WEFT_ADMIN_TOKEN variable`,
    );
  if (!response.ok)
    throw unavailable(
      "ADMIN_ERROR",
      `${url} answered ${response.status}: the app's admin server has no topology to give`,
    );
  let doc: unknown;
  try {
    doc = await response.json();
  } catch {
    throw unavailable("ADMIN_ERROR", `${url} did not answer JSON`);
  }
  return parseTraffic(doc, url.toString());
}
