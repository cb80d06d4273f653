/**
 * The shipping service: quotes from the rate card, shipments recorded in its repo. A shipment
 * that names its order is made once per order, however often it is asked.
 */
import { randomBytes } from "node:crypto";
import { failedPrecondition, notFound } from "weft";
import type { Address } from "../../shared/address.js";
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { shipping } from "./contract.js";
import { quoteShipping } from "./quote.js";
import type { ShipmentRepo } from "./repo.js";
import { createSqlShipmentRepo } from "./sql-repo.js";
import { UNDELIVERABLE_ZIP_CODES } from "./test-addresses.js";

/** A tracking id such as `TRK-9F3A61C2D4E5`. */
function newTrackingId(): string {
  return `TRK-${randomBytes(6).toString("hex").toUpperCase()}`;
}

/** Throws FAILED_PRECONDITION (ADDRESS_UNDELIVERABLE) for an address the carrier refuses. */
function checkDeliverable(address: Address): void {
  const why = UNDELIVERABLE_ZIP_CODES.get(address.zipCode);
  if (why === undefined) return;
  throw failedPrecondition(
    "ADDRESS_UNDELIVERABLE",
    `the carrier cannot deliver to ${address.zipCode} ${address.city}: ${why}`,
    { metadata: { zipCode: address.zipCode, country: address.country } },
  );
}

/** Implements shipping over `work` (default: the `shipping_shipments` table on the app's store). */
export function createShipping(work: UnitOfWork<ShipmentRepo> = inStore(createSqlShipmentRepo)) {
  return shipping.implement({
    async getQuote(_ctx, { address, items }) {
      return { cost: quoteShipping(address, items) };
    },
    async shipOrder(ctx, { address, items, orderId }) {
      const shipment = await work(ctx, async (repo) => {
        const earlier = orderId === undefined ? undefined : await repo.findByOrder(orderId);
        if (earlier !== undefined) return earlier;
        checkDeliverable(address);
        const shippedAt = new Date().toISOString();
        const order = orderId === undefined ? {} : { orderId };
        const trackingId = newTrackingId();
        return repo.add({ trackingId, ...order, address, items, status: "shipped", shippedAt });
      });
      return { trackingId: shipment.trackingId };
    },
    async cancelShipment(ctx, { trackingId }) {
      const at = new Date().toISOString();
      const shipment = await work(ctx, (repo) => repo.markCancelled(trackingId, at));
      if (shipment === undefined) {
        throw notFound("SHIPMENT_NOT_FOUND", `no shipment with tracking id ${trackingId}`, {
          metadata: { trackingId },
        });
      }
      return shipment;
    },
    async listShipments(ctx) {
      return { shipments: [...(await work(ctx, (repo) => repo.list()))] };
    },
  });
}
