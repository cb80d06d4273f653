/**
 * Type tests of the members the store and the events add to core's call context by declaration
 * merging, as an app sees them through the root `weft` import: `ctx.tx` and its handle
 * (`execute`, `transaction`, `publish`), and `ctx.publish` typed by the topic's events.
 */
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { type CallContext, defineTopic, type Published, type TxHandle } from "./index.js";
import { sql } from "./store/sql.js";

const noted = defineTopic("noted", z.object({ n: z.number() }));
declare const ctx: CallContext;

describe("members added to the call context", () => {
  it("ctx.tx hands a TxHandle and returns what its callback returns", () => {
    expectTypeOf(ctx.tx(async (tx) => tx.execute(sql`select 1`))).toEqualTypeOf<
      Promise<{ readonly rowCount: number }>
    >();
    expectTypeOf(ctx.tx(async (tx) => tx.transaction(async () => 1))).toEqualTypeOf<
      Promise<number>
    >();
    expectTypeOf<Parameters<Parameters<CallContext["tx"]>[0]>[0]>().toEqualTypeOf<TxHandle>();
  });

  it("ctx.publish and tx.publish take the topic's events", () => {
    expectTypeOf(ctx.publish(noted, { n: 1 }, { key: "k" })).toEqualTypeOf<Promise<Published>>();
    // @ts-expect-error the event must match the topic's schema
    void ctx.publish(noted, { n: "one" });
    void ctx.tx(async (tx) => {
      expectTypeOf(tx.publish(noted, { n: 1 })).toEqualTypeOf<Promise<Published>>();
      // @ts-expect-error the event must match the topic's schema
      await tx.publish(noted, { n: "one" });
    });
  });
});
