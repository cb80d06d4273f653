/** Shipments in memory. */
import type { Shipment } from "./contract.js";
import type { ShipmentRepo } from "./repo.js";

/** Shipments held in a map by tracking id (insertion order is shipping order). */
export function createMemoryShipmentRepo(): ShipmentRepo {
  const shipments = new Map<string, Shipment>();
  const byOrder = (orderId: string) => [...shipments.values()].find((s) => s.orderId === orderId);
  return {
    async add(shipment) {
      const existing = shipment.orderId === undefined ? undefined : byOrder(shipment.orderId);
      if (existing !== undefined) return existing;
      shipments.set(shipment.trackingId, shipment);
      return shipment;
    },
    async get(trackingId) {
      return shipments.get(trackingId);
    },
    async findByOrder(orderId) {
      return byOrder(orderId);
    },
    async list() {
      return [...shipments.values()];
    },
    async markCancelled(trackingId, cancelledAt) {
      const shipment = shipments.get(trackingId);
      if (shipment === undefined || shipment.status === "cancelled") return shipment;
      const cancelled = { ...shipment, status: "cancelled" as const, cancelledAt };
      shipments.set(trackingId, cancelled);
      return cancelled;
    },
  } satisfies ShipmentRepo;
}
