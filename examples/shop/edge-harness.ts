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
import { dropSchemas, privateDataDir, TEST_DATABASE_URL, untilListening } from "./test-support.js";

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
  readonly placement: "local" | "serialized" | "split";
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

/** Which one-process variants {@link describeShopEdge} runs besides the plain one. */
export interface ShopEdgeOptions {
  /** Also in one process with every call serialized as over NATS. */
  readonly serialized?: boolean;
  /** Also in one process on PostgreSQL (a schema of its own, dropped afterwards). */
  readonly postgres?: boolean;
}

/** One variant of the shop in one process. */
interface LocalVariant {
  readonly placement: "local" | "serialized";
  readonly store: "sqlite" | "postgres";
}

/**
 * Runs `suite` against the shop in one process (also serialized, or on PostgreSQL, when
 * `options` asks), then split (when NATS answers).
 */
export async function describeShopEdge(
  title: string,
  suite: (shop: () => RunningShop, placement: RunningShop["placement"]) => void,
  options: ShopEdgeOptions = {},
): Promise<void> {
  const issuer = createTestIssuer();
  const variants: LocalVariant[] = [{ placement: "local", store: "sqlite" }];
  if (options.serialized) variants.push({ placement: "serialized", store: "sqlite" });
  if (options.postgres) variants.push({ placement: "local", store: "postgres" });

  for (const variant of variants) {
    const label =
      variant.placement === "serialized"
        ? "in one process, serialized"
        : variant.store === "postgres"
          ? "in one process on PostgreSQL"
          : "in one process";
    describe(`${title} ${label}`, () => {
      const dataDir = privateDataDir();
      const name = uniqueName("shop_edge");
      let app: App;
      beforeAll(async () => {
        app = createApp(productionShop(), {
          admin: true,
          config: {
            app: name,
            env: "production",
            logLevel: "warn",
            dataDir,
            httpHost: "127.0.0.1",
            httpPort: 0,
            adminPort: 0,
            jwtIssuer: TEST_TOKENS.issuer,
            jwtAudience: TEST_TOKENS.audience,
            jwtPublicKey: issuer.publicPem,
            serialize: variant.placement === "serialized",
            ...(variant.store === "postgres" ? { databaseUrl: TEST_DATABASE_URL } : {}),
          },
        });
        await app.start();
      });
      afterAll(async () => {
        await app?.stop();
        // The app's schema is named after it, in lower case.
        if (variant.store === "postgres")
          await dropSchemas(TEST_DATABASE_URL, [name.toLowerCase()]);
      });
      suite(
        () => ({
          placement: variant.placement,
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
        variant.placement,
      );
    });
  }

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
