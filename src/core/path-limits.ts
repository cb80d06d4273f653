/**
 * Limits of URL path segments, the same at the gateway and the admin server: a path parameter may
 * be up to `MAX_PATH_PARAM_LENGTH` characters once decoded (room for run ids, which may be 200
 * characters, and for any id a contract allows up to that), and must be valid percent-encoding.
 * A path that breaks either is the client's mistake (400), not an unknown route (404).
 */
import { invalidArgument, type WeftError } from "./errors.js";

/** Most characters of one decoded path segment (a path parameter). */
export const MAX_PATH_PARAM_LENGTH = 1024;

/** Why `path` cannot name any route (bad percent-encoding, an overlong segment), or undefined. */
export function pathProblem(path: string): WeftError | undefined {
  for (const part of path.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return invalidArgument(
        "PATH_NOT_DECODABLE",
        `path segment ${JSON.stringify(part.slice(0, 64))} is not valid percent-encoding (RFC 3986 §2.1)`,
        { mayHaveRun: false },
      );
    }
    if (decoded.length > MAX_PATH_PARAM_LENGTH) {
      return invalidArgument(
        "PATH_SEGMENT_TOO_LONG",
        `a path segment may be at most ${MAX_PATH_PARAM_LENGTH} characters once decoded (got ${decoded.length})`,
        { mayHaveRun: false },
      );
    }
  }
  return undefined;
}
