/** What the shipping service needs from its storage. */
import type { Shipment } from "./contract.js";

/** Where shipments live. */
export interface ShipmentRepo {
  /**
   * Records a new shipment and returns it; when a shipment of the same `orderId` exists, records
   * nothing and returns that one instead.
   */
  add(shipment: Shipment): Promise<Shipment>;
  /** The shipment with this tracking id, if any. */
  get(trackingId: string): Promise<Shipment | undefined>;
  /** The shipment of `orderId`, if any. */
  findByOrder(orderId: string): Promise<Shipment | undefined>;
  /** Every shipment, oldest first. */
  list(): Promise<readonly Shipment[]>;
  /**
   * Marks a shipment cancelled unless it is already; returns it as it is now (undefined for an
   * unknown tracking id).
   */
  markCancelled(trackingId: string, cancelledAt: string): Promise<Shipment | undefined>;
}
