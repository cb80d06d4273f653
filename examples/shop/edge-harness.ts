/**
 * The shop running as in production for the edge tests, in one process and split into three
 * processes over NATS (`weft start --group G`, each with its admin server on a free port): RS256
 * tokens checked against the public key of a test issuer (`WEFT_JWT_*`), no development secret,
 * principals signed between processes (`WEFT_PRINCIPAL_KEY`). The same suite runs against both.
 *
 * @example
 * ```ts
 * describeShopEdge("shop edge", (shop) => {
 *   it("serves", async () => expect((await fetch(`${shop().url}/products`)).ok).toBe(true));
 * });
 * ```
 */
import { afterAll, beforeAll, describe } from "vitest";
import { type AnyContract, type App, type AppDefinition, type Client, createApp } from "weft";
import { GATEWAY, isGateway } from "weft/gateway";
import { ADMIN } from "weft/observe";
import { freePort, type SplitHarness, startSplit, uniqueName, unreachable } from "weft/testing";
import { createShop, SHOP_GROUPS } from "./app.js";
import { createTestIssuer, TEST_TOKENS, type TestIssuer } from "./edge-support.js";
import { createShopGateway } from "./gateway.js";
import { privateDataDir, untilListening } from "./test-support.js";

/** The NATS server the split shop uses. */
export const EDGE_NATS_URL = "nats://127.0.0.1:4222";

/** The principal key of the split shop's processes. */
export const EDGE_PRINCIPAL_KEY = "shop-edge-test-principal-key-0123456789";

const PRODUCTION = { WEFT_ENV: "production" } as const;

/** A process of the running shop: the groups it runs, their services and its admin server. */
export interface ShopProcess {
  /** The group it runs (`all` in one process). */
  readonly group: string;
  readonly services: readonly string[];
  readonly admin: string;
}

/** A running shop, as the edge tests see it. */
export interface RunningShop {
  readonly placement: "local" | "split";
  /** The gateway's base URL. */
  readonly url: string;
  readonly processes: readonly ShopProcess[];
  /** The app's name (its NATS subjects start with `weft.<name>.`). */
  readonly appName: string;
  /** The identity provider whose public key the shop trusts. */
  readonly issuer: TestIssuer;
  client<C extends AnyContract>(contract: C): Client<C>;
}

/** The shop as `NODE_ENV=production weft start` builds it (no development JWT settings). */
export function productionShop(): AppDefinition {
  const shop = createShop();
  const services = shop.services.map((s) => (isGateway(s) ? createShopGateway(PRODUCTION) : s));
  return { ...shop, services };
}

/** Runs `suite` against the shop in one process, then split (when NATS answers). */
export async function describeShopEdge(
  title: string,
  suite: (shop: () => RunningShop, placement: RunningShop["placement"]) => void,
): Promise<void> {
  const issuer = createTestIssuer();

  describe(`${title} in one process`, () => {
    const dataDir = privateDataDir();
    let app: App;
    beforeAll(async () => {
      app = createApp(productionShop(), {
        admin: true,
        config: {
          app: uniqueName("shop_edge"),
          env: "production",
          logLevel: "warn",
          dataDir,
          httpHost: "127.0.0.1",
          httpPort: 0,
          adminPort: 0,
          jwtIssuer: TEST_TOKENS.issuer,
          jwtAudience: TEST_TOKENS.audience,
          jwtPublicKey: issuer.publicPem,
        },
      });
      await app.start();
    });
    afterAll(async () => {
      await app?.stop();
    });
    suite(
      () => ({
        placement: "local",
        url: app.use(GATEWAY).url,
        processes: [
          {
            group: "all",
            services: Object.values(SHOP_GROUPS).flat(),
            admin: app.use(ADMIN).url as string,
          },
        ],
        appName: app.name,
        issuer,
        client: (c) => app.client(c),
      }),
      "local",
    );
  });

  const skip = await unreachable("nats");
  describe.skipIf(skip)(`${title} split across processes`, () => {
    const dataDir = privateDataDir();
    let h: SplitHarness;
    let url: string;
    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      h = await startSplit({
        module: new URL("./app.ts", import.meta.url),
        definition: createShop(),
        natsUrl: EDGE_NATS_URL,
        env: {
          ...PRODUCTION,
          WEFT_DATA_DIR: dataDir,
          WEFT_HTTP_HOST: "127.0.0.1",
          WEFT_HTTP_PORT: String(port),
          WEFT_JWT_ISSUER: TEST_TOKENS.issuer,
          WEFT_JWT_AUDIENCE: TEST_TOKENS.audience,
          WEFT_JWT_PUBLIC_KEY: issuer.publicPem,
          WEFT_PRINCIPAL_KEY: EDGE_PRINCIPAL_KEY,
        },
        appOptions: { config: { dataDir } },
      });
      for (const p of h.processes) {
        if (p.admin === undefined) throw new Error(`group ${p.group} runs no admin server`);
      }
      // A child may be ready before the edge process listens: wait for the listener.
      await untilListening(url);
    }, 60_000);
    afterAll(async () => {
      await h?.stop();
    }, 30_000);
    suite(
      () => ({
        placement: "split",
        url,
        processes: h.processes.map((p) => ({
          group: p.group,
          services: SHOP_GROUPS[p.group as keyof typeof SHOP_GROUPS],
          admin: p.admin as string,
        })),
        appName: h.app.name,
        issuer,
        client: (c) => h.client(c),
      }),
      "split",
    );
  });
}
