/** Shipments in memory. */
import type { Shipment } from "./contract.js";
import type { ShipmentRepo } from "./repo.js";

/** Shipments held in a map by tracking id (insertion order is shipping order). */
export function createMemoryShipmentRepo(): ShipmentRepo {
  const shipments = new Map<string, Shipment>();
  return {
    async save(shipment) {
      shipments.set(shipment.trackingId, shipment);
    },
    async get(trackingId) {
      return shipments.get(trackingId);
    },
    async list() {
      return [...shipments.values()];
    },
  } satisfies ShipmentRepo;
}
