/**
 * The placement conformance suite: one body of behaviour tests run once per placement, so the same
 * tests prove the same behaviour in one process, serialized, and (with the NATS transport) split
 * across processes. Transports add placements here; apps reuse the suite for their own tests.
 * Needs vitest (an optional peer dependency): it is exported by `weft/testing/vitest`.
 *
 * @example
 * ```ts
 * import { describePlacements } from "weft/testing/vitest";
 * describePlacements("shop", { definition: () => createShop() }, (h) => {
 *   it("gets a product", async () => {
 *     expect(await h().client(catalog).get({ id: "p1" })).toMatchObject({ id: "p1" });
 *   });
 * });
 * ```
 */
import { afterAll, beforeAll, describe } from "vitest";
import type { AppDefinition, AppOptions } from "../core/index.js";
import {
  LOCAL_PLACEMENTS,
  type PlacementHarness,
  type PlacementName,
  startLocal,
} from "./placements.js";
import { startSplit } from "./split-harness.js";

/** Options of {@link describePlacements}. */
export interface PlacementSuiteOptions {
  /** Makes a fresh app definition (fresh state) for each placement. */
  definition: () => AppDefinition | Promise<AppDefinition>;
  /** Placements to run. Default: `local` and `serialized`. */
  placements?: readonly PlacementName[];
  /**
   * Extra createApp options for the apps in this process (in `nats`, the client-only app). The
   * suite sets `config.app` to a unique name (`<definition name>-<suffix>`), so that runs in
   * parallel share no NATS subjects, streams, schemas or SQLite files, and `config.serialize`.
   */
  appOptions?: AppOptions;
  /**
   * For the `nats` placement: the module that default-exports the app definition; each group
   * runs from it in its own process (`weft start --group G`).
   */
  module?: string | URL;
  /** For the `nats` placement: the server. Default `nats://127.0.0.1:4222`. */
  natsUrl?: string;
  /**
   * For the `nats` placement: extra environment of the group processes (e.g. `WEFT_DATA_DIR` or
   * `WEFT_DATABASE_URL`, as `appOptions.config` gives them to the apps in this process).
   */
  env?: Readonly<Record<string, string>>;
}

/**
 * Registers `body` once per placement inside a vitest `describe`. The app starts before the
 * placement's tests and stops (drained) after them.
 */
export function describePlacements(
  title: string,
  options: PlacementSuiteOptions,
  body: (harness: () => PlacementHarness) => void,
): void {
  for (const placement of options.placements ?? LOCAL_PLACEMENTS) {
    describe(`${title} [${placement}]`, () => {
      let current: PlacementHarness | undefined;
      let stop: (() => Promise<unknown>) | undefined;
      beforeAll(async () => {
        const definition = await options.definition();
        if (placement === "nats") {
          if (options.module === undefined) throw new Error("the nats placement needs `module`");
          const split = await startSplit({
            module: options.module,
            definition,
            natsUrl: options.natsUrl ?? "nats://127.0.0.1:4222",
            ...(options.appOptions === undefined ? {} : { appOptions: options.appOptions }),
            ...(options.env === undefined ? {} : { env: options.env }),
          });
          current = split;
          stop = () => split.stop();
        } else {
          const local = await startLocal(definition, placement, options.appOptions);
          current = local;
          stop = () => local.app.stop({ grace: "5s" });
        }
      }, 60_000);
      afterAll(async () => {
        await stop?.();
      }, 30_000);
      body(() => {
        if (current === undefined) throw new Error(`the ${placement} app did not start`);
        return current;
      });
    });
  }
}
