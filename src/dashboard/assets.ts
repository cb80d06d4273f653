/**
 * The dashboard's built files (`vite build` of `dashboard/` into `dist/dashboard`): where they
 * are, which of them may be served, and how (content type, cache policy). Only `index.html`,
 * `favicon.svg` and files under `assets/` are ever served: the compiled server code that shares
 * the folder in a published package is not.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Content types by file extension; anything else is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The folder holding the built dashboard, or undefined when it was not built. */
export function dashboardRoot(): string | undefined {
  const candidates = [
    // Published package: dist/dashboard/*.js sits beside the built index.html.
    fileURLToPath(new URL(".", import.meta.url)),
    // Source checkout (tests, tsx): src/dashboard → dist/dashboard.
    fileURLToPath(new URL("../../dist/dashboard/", import.meta.url)),
  ];
  return candidates.find((dir) => existsSync(join(dir, "index.html")));
}

/** A file ready to send. */
export interface Asset {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Weak validator from size and modification time. */
  readonly etag: string;
}

/**
 * The relative file path for a request path below the base, or undefined when the path is not a
 * servable file name (`..`, backslashes, NUL, hidden files, anything outside the allowlist).
 */
export function assetPath(relative: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const parts = decoded.split("/").filter((p) => p !== "");
  if (parts.some((p) => p === "." || p === ".." || p.startsWith("."))) return undefined;
  const path = parts.join("/");
  if (path === "" || path === "index.html") return "index.html";
  if (path === "favicon.svg") return path;
  if (parts[0] === "assets" && parts.length > 1 && CONTENT_TYPES[extname(path)] !== undefined) {
    return path;
  }
  return undefined;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
} as const;

/** Headers of the page itself: no framing, scripts and connections only from this server. */
const PAGE_HEADERS = {
  ...SECURITY_HEADERS,
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'",
} as const;

/**
 * Reads a file of the built dashboard (`file` from {@link assetPath}); undefined when missing.
 * `index.html` gets a `<base href>` so that relative asset URLs work at any depth below `basePath`.
 */
export async function readAsset(
  root: string,
  file: string,
  basePath: string,
): Promise<Asset | undefined> {
  const full = resolve(root, file);
  if (!full.startsWith(resolve(root) + sep)) return undefined;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(full);
  } catch {
    return undefined;
  }
  if (!info.isFile()) return undefined;
  const contentType = CONTENT_TYPES[extname(full)] as string;
  const version = `${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}`;
  if (file === "index.html") {
    const html = (await readFile(full, "utf8")).replace(
      "<head>",
      `<head>\n    <base href="${escapeAttribute(basePath)}" />`,
    );
    return {
      body: Buffer.from(html, "utf8"),
      contentType,
      etag: `W/"${version}-${Buffer.from(basePath).toString("base64url")}"`,
      headers: { ...PAGE_HEADERS, "cache-control": "no-cache" },
    };
  }
  return {
    body: await readFile(full),
    contentType,
    etag: `W/"${version}"`,
    // Vite names built assets after their content: they never change under one name.
    headers: {
      ...SECURITY_HEADERS,
      "cache-control": file.startsWith("assets/")
        ? "public, max-age=31536000, immutable"
        : "public, max-age=3600",
    },
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
