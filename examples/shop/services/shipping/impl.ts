/** The shipping service: quotes from the rate card, shipments recorded in its repo. */
import { randomBytes } from "node:crypto";
import { notFound } from "weft";
import { shipping } from "./contract.js";
import { createMemoryShipmentRepo } from "./memory-repo.js";
import { quoteShipping } from "./quote.js";
import type { ShipmentRepo } from "./repo.js";

/** A tracking id such as `TRK-9F3A61C2D4E5`. */
function newTrackingId(): string {
  return `TRK-${randomBytes(6).toString("hex").toUpperCase()}`;
}

/** Implements shipping over `repo` (default: no shipments, in memory). */
export function createShipping(repo: ShipmentRepo = createMemoryShipmentRepo()) {
  return shipping.implement({
    async getQuote(_ctx, { address, items }) {
      return { cost: quoteShipping(address, items) };
    },
    async shipOrder(_ctx, { address, items }) {
      const trackingId = newTrackingId();
      const shippedAt = new Date().toISOString();
      await repo.save({ trackingId, address, items, status: "shipped", shippedAt });
      return { trackingId };
    },
    async cancelShipment(_ctx, { trackingId }) {
      const shipment = await repo.get(trackingId);
      if (shipment === undefined) {
        throw notFound("SHIPMENT_NOT_FOUND", `no shipment with tracking id ${trackingId}`, {
          metadata: { trackingId },
        });
      }
      if (shipment.status === "cancelled") return shipment;
      const cancelled = {
        ...shipment,
        status: "cancelled" as const,
        cancelledAt: new Date().toISOString(),
      };
      await repo.save(cancelled);
      return cancelled;
    },
    async listShipments() {
      return { shipments: [...(await repo.list())] };
    },
  });
}
