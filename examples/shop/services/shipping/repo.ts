/** What the shipping service needs from its storage. */
import type { Shipment } from "./contract.js";

/** Where shipments live. */
export interface ShipmentRepo {
  /** Inserts or replaces a shipment by its tracking id. */
  save(shipment: Shipment): Promise<void>;
  /** The shipment with this tracking id, if any. */
  get(trackingId: string): Promise<Shipment | undefined>;
  /** Every shipment, oldest first. */
  list(): Promise<readonly Shipment[]>;
}
