/**
 * Workflow management over the admin API, through the app's workflow client (`workflows(app)`):
 *
 * - `GET /api/workflows?status=failed,running&workflow=checkout&limit=100` — runs, newest first
 * - `GET /api/workflows/:id` — one run with its input, output and step history
 * - `POST /api/workflows/:id/cancel` — cancel (its compensations run)
 * - `POST /api/workflows/:id/resume` — run a failed run again from its journal
 * - `POST /api/workflows/:id/retry` with `{ "step": "charge" }` — forget the journal from that step
 */
import { invalidArgument } from "../../core/index.js";
import type { AdminRouter } from "./router.js";

/** What the routes need of the workflow client (`WorkflowClient` of `weft/workflow`). */
export interface WorkflowManager {
  list(filter?: {
    status?: string | readonly string[];
    workflow?: string;
    limit?: number;
    from?: number;
    to?: number;
  }): Promise<readonly unknown[]>;
  get(id: string): Promise<unknown>;
  cancel(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  retryFrom(id: string, step: string): Promise<void>;
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw invalidArgument("INVALID_QUERY", `${name} must be a whole number`, {
      issues: [{ path: ["query", name], message: "must be a whole number" }],
    });
  }
  return Number(raw);
}

/** Adds the workflow routes; `manager` is asked on each request (the engine starts with the app). */
export function addWorkflowRoutes(router: AdminRouter, manager: () => WorkflowManager): void {
  router.add("GET", "/api/workflows", async ({ query }) => {
    const status = query.get("status");
    const workflow = query.get("workflow");
    const limit = integer(query, "limit");
    const from = integer(query, "from");
    const to = integer(query, "to");
    const runs = await manager().list({
      ...(status === null || status === "" ? {} : { status: status.split(",") }),
      ...(workflow === null || workflow === "" ? {} : { workflow }),
      ...(limit === undefined ? {} : { limit }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
    return { json: { runs } };
  });
  router.add("GET", "/api/workflows/:id", async ({ params }) => ({
    json: await manager().get(params.id as string),
  }));
  router.add("POST", "/api/workflows/:id/cancel", async ({ params }) => {
    await manager().cancel(params.id as string);
    return { json: { id: params.id, cancel: "requested" } };
  });
  router.add("POST", "/api/workflows/:id/resume", async ({ params }) => {
    await manager().resume(params.id as string);
    return { json: { id: params.id, resumed: true } };
  });
  router.add("POST", "/api/workflows/:id/retry", async (request) => {
    const body = await request.json();
    const step = (body as { step?: unknown } | undefined)?.step;
    if (typeof step !== "string" || step === "") {
      throw invalidArgument(
        "STEP_REQUIRED",
        'send { "step": "<name of the step to run again from>" }',
        {
          issues: [{ path: ["step"], message: "must be a non-empty string" }],
        },
      );
    }
    await manager().retryFrom(request.params.id as string, step);
    return { json: { id: request.params.id, retriedFrom: step } };
  });
}
