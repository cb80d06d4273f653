/** Checkout's compensation: a shipment that fails after the charge gets the charge refunded. */

import { expect, it } from "vitest";
import { isWeftError, unavailable } from "weft";
import { describePlacements } from "weft/testing";
import { createShop } from "../../app.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard } from "../../fixtures.js";
import { cart } from "../cart/contract.js";
import { email } from "../email/contract.js";
import { createMemoryPaymentRepo } from "../payment/memory-repo.js";
import type { Charge, PaymentRepo } from "../payment/repo.js";
import { createMemoryShipmentRepo } from "../shipping/memory-repo.js";
import { checkout } from "./contract.js";

/** Charges saved in the current placement's app, in save order. */
let saved: Charge[] = [];

/** A payment repo that also records every save. */
function recordingPaymentRepo(): PaymentRepo {
  const inner = createMemoryPaymentRepo();
  saved = [];
  return {
    get: (id) => inner.get(id),
    async save(charge) {
      saved.push(charge);
      await inner.save(charge);
    },
  };
}

/** Shipments that cannot be recorded: the carrier is down. */
function brokenShipmentRepo() {
  return {
    ...createMemoryShipmentRepo(),
    async save(): Promise<void> {
      throw unavailable("CARRIER_UNAVAILABLE", "the carrier does not answer");
    },
  };
}

const definition = () =>
  createShop({ repos: { payment: recordingPaymentRepo(), shipping: brokenShipmentRepo() } });

describePlacements("checkout when shipping fails", { definition }, (h) => {
  it("refunds the charge, rethrows shipping's error and keeps the cart", async () => {
    const userId = "buyer-unshipped";
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
    expect(saved.map((c) => c.refundedAt === undefined)).toEqual([true, false]);
    expect((await h().client(cart).getCart({ userId })).items).toHaveLength(1);
    expect((await h().client(email).listSent({})).messages).toEqual([]);
  });
});
