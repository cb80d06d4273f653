/**
 * The dashboard on an app's admin server: its API routes and its pages at `/` (the admin port
 * then shows the dashboard at `http://127.0.0.1:9464/`). The page and its assets are served
 * without the admin token — they hold no data; the page asks for the token when the API wants one.
 */
import type { App, AppDefinition } from "../core/index.js";
import { notFound } from "../core/index.js";
import { ADMIN, type AdminHandler } from "../observe/index.js";
import { dashboardRoot } from "./assets.js";
import { addDashboardApi } from "./routes.js";
import { dashboardResponse } from "./serve.js";

/** The dashboard's pages: the paths below which the browser app routes. */
export const DASHBOARD_PAGES = [
  "services",
  "topology",
  "placement",
  "traces",
  "workflows",
  "events",
  "errors",
] as const;

/** Options of {@link mountDashboard}. */
export interface MountDashboardOptions {
  /** The app's definition, so the Services page lists methods not called yet. Default none. */
  readonly definition?: Pick<AppDefinition, "services">;
  /** The folder of the built dashboard. Default: `dist/dashboard` of this package. */
  readonly root?: string;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Weft dashboard</title>
<p style="font:16px system-ui;margin:3rem">The dashboard was not built. Run <code>npm run build:dashboard</code>
in the Weft package, then reload. The admin API (<a href="/api/app">/api/app</a>) works without it.</p>`;

/** Admin servers the dashboard was added to (mounting twice is a no-op). */
const mounted = new WeakSet<object>();

/**
 * Adds the dashboard to the app's admin server (`createApp(…, { admin: true })`); call it before
 * or after `app.start()`; a second call does nothing. FAILED_PRECONDITION when the app runs no
 * admin server.
 */
export function mountDashboard(app: App, options: MountDashboardOptions = {}): void {
  const admin = app.use(ADMIN);
  if (mounted.has(admin)) return;
  mounted.add(admin);
  const route = admin.route.bind(admin);
  addDashboardApi(route, app, options.definition);
  const root = options.root === undefined ? {} : { root: options.root };
  /** `navigation`: a page of the browser app (answered with index.html at any depth). */
  const handler =
    (navigation: boolean): AdminHandler =>
    async (request) => {
      const headers = navigation
        ? { ...request.raw.headers, accept: "text/html" }
        : request.raw.headers;
      const answer = await dashboardResponse(request.method, request.path, headers, "/", root);
      if (answer === undefined) {
        if (navigation && (options.root ?? dashboardRoot()) === undefined) {
          return { status: 503, text: NOT_BUILT, contentType: "text/html; charset=utf-8" };
        }
        throw notFound("DASHBOARD_FILE_NOT_FOUND", `no dashboard file ${request.path}`);
      }
      return {
        status: answer.status,
        text: answer.body,
        contentType: answer.headers["content-type"] ?? "application/octet-stream",
        headers: answer.headers,
      };
    };
  const page = handler(true);
  const file = handler(false);
  const open = { public: true } as const;
  route("GET", "/", page, open);
  route("GET", "/favicon.svg", file, open);
  route("GET", "/assets/*", file, open);
  for (const name of DASHBOARD_PAGES) {
    route("GET", `/${name}`, page, open);
    route("GET", `/${name}/*`, page, open);
  }
}
