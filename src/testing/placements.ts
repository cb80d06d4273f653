/**
 * Placements for tests, without any test runner: which placements can run here, and starting an
 * app in a local one. `describePlacements` (from `weft/testing/vitest`) builds on these; other
 * runners can too.
 *
 * @example
 * ```ts
 * import { availablePlacements, startLocal } from "weft/testing";
 * for (const placement of await availablePlacements()) console.log(placement);
 * const h = await startLocal(shop, "serialized");
 * await h.client(catalog).get({ id: "p1" });
 * await h.app.stop();
 * ```
 */
import type {
  AnyContract,
  App,
  AppDefinition,
  AppOptions,
  Client,
  RootCallOptions,
} from "../core/index.js";
import { createApp } from "../create-app.js";
import { GATEWAY } from "../gateway/define.js";
import { unreachable } from "./services.js";
import { uniqueName } from "./unique-name.js";

/** Placements every transport supports in one process. */
export const LOCAL_PLACEMENTS = ["local", "serialized"] as const;

/** A placement the suite can run: `local`, `serialized`, or one a transport registers. */
export type PlacementName = (typeof LOCAL_PLACEMENTS)[number] | (string & {});

/** What a test body gets: the running app in the current placement. */
export interface PlacementHarness {
  readonly placement: PlacementName;
  readonly app: App;
  /**
   * The app's gateway (`http://127.0.0.1:<port>`) wherever it runs in this placement: in this
   * process, or in the group process that serves it (`nats`); undefined when the app has none.
   * Give the local placements `config: { httpHost: "127.0.0.1", httpPort: 0 }` in `appOptions`.
   */
  readonly http: string | undefined;
  /** A client for calls from outside any handler, as a script or the gateway would make them. */
  client<C extends AnyContract>(contract: C, options?: RootCallOptions): Client<C>;
}

/**
 * The placements whose servers are reachable: `local` and `serialized` always, `nats` when a NATS
 * server answers (else one line says why it is skipped; with WEFT_REQUIRE_SERVICES=1 it throws).
 */
export async function availablePlacements(): Promise<PlacementName[]> {
  return (await unreachable("nats")) ? [...LOCAL_PLACEMENTS] : [...LOCAL_PLACEMENTS, "nats"];
}

/** Starts an app of `definition` in one process in the named local placement. */
export async function startLocal(
  definition: AppDefinition,
  placement: PlacementName,
  appOptions: AppOptions = {},
): Promise<PlacementHarness> {
  if (placement !== "local" && placement !== "serialized") {
    throw new Error(`placement "${placement}" needs its transport's harness`);
  }
  const app = createApp(definition, {
    ...appOptions,
    config: {
      ...appOptions.config,
      app: uniqueName(definition.name),
      serialize: placement === "serialized",
    },
  });
  await app.start();
  let http: string | undefined;
  try {
    http = app.use(GATEWAY).url;
  } catch {
    http = undefined; // no gateway in this app
  }
  return { placement, app, http, client: (contract, options) => app.client(contract, options) };
}
