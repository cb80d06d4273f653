/**
 * Checkout's compensation when the carrier is down: shipping fails (UNAVAILABLE, retried by the
 * step, still failing) after the charge, so the charge is refunded, the stock released, and
 * shipping's error reaches the caller.
 */

import { expect, it } from "vitest";
import { isWeftError, unavailable } from "weft";
import { describePlacements } from "weft/testing/vitest";
import { createShop } from "../../app.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard } from "../../fixtures.js";
import { privateDataDir } from "../../test-support.js";
import { cart } from "../cart/contract.js";
import { catalog } from "../catalog/contract.js";
import { email } from "../email/contract.js";
import { createMemoryPaymentRepo } from "../payment/memory-repo.js";
import type { Charge, PaymentRepo } from "../payment/repo.js";
import { createMemoryShipmentRepo } from "../shipping/memory-repo.js";
import type { ShipmentRepo } from "../shipping/repo.js";
import { checkout } from "./contract.js";

/** Charges as the current placement's app recorded them, in order. */
let recorded: Charge[] = [];

/** A payment repo in memory that also records every charge it stores or refunds. */
function recordingPaymentRepo(): PaymentRepo {
  const inner = createMemoryPaymentRepo();
  recorded = [];
  const keep = (charge: Charge | undefined) => {
    if (charge !== undefined) recorded.push(charge);
    return charge;
  };
  return {
    ...inner,
    add: async (charge) => keep(await inner.add(charge)) as Charge,
    markRefunded: async (id, at) => keep(await inner.markRefunded(id, at)),
  };
}

/** Shipments that cannot be recorded: the carrier is down. */
function brokenShipmentRepo(): ShipmentRepo {
  return {
    ...createMemoryShipmentRepo(),
    async add(): Promise<never> {
      throw unavailable("CARRIER_UNAVAILABLE", "the carrier does not answer");
    },
  };
}

const definition = () =>
  createShop({ repos: { payment: recordingPaymentRepo(), shipping: brokenShipmentRepo() } });
const dataDir = privateDataDir();

describePlacements(
  "checkout when shipping fails",
  { definition, appOptions: { config: { dataDir } } },
  (h) => {
    it("refunds the charge, releases the stock, rethrows shipping's error, keeps the cart", async () => {
      const userId = "buyer-unshipped";
      const stock = () => h().client(catalog).getStock({ productId: PRODUCT_IDS.mug });
      const before = (await stock()).available;
      await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.mug, quantity: 1 });
      const error = await h()
        .client(checkout)
        .placeOrder({
          userId,
          userCurrency: "USD",
          address: SAMPLE_ADDRESS,
          email: "unshipped@example.com",
          creditCard: sampleCard(),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isWeftError(error) && [error.code, error.reason]).toEqual([
        "UNAVAILABLE",
        "CARRIER_UNAVAILABLE",
      ]);
      expect(recorded.map((c) => c.refundedAt === undefined)).toEqual([true, false]);
      expect((await stock()).available).toBe(before);
      expect((await h().client(cart).getCart({ userId })).items).toHaveLength(1);
      expect((await h().client(email).listSent({})).messages).toEqual([]);
    });
  },
);
