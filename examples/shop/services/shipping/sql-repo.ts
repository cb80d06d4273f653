/**
 * Shipments on the app's store (table `shipping_shipments`), inside one transaction `tx`. Address
 * and items are stored as JSON text and parsed back here, the same on both dialects.
 */
import type { Queryable } from "weft/store";
import { type SqlFragment, sql } from "weft/store";
import type { Shipment } from "./contract.js";
import type { ShipmentRepo } from "./repo.js";

interface ShipmentRow {
  tracking_id: string;
  order_id: string | null;
  address: string;
  items: string;
  status: "shipped" | "cancelled";
  shipped_at: string;
  cancelled_at: string | null;
}

function shipment(r: ShipmentRow): Shipment {
  return {
    trackingId: r.tracking_id,
    ...(r.order_id === null ? {} : { orderId: r.order_id }),
    address: JSON.parse(r.address) as Shipment["address"],
    items: JSON.parse(r.items) as Shipment["items"],
    status: r.status,
    shippedAt: r.shipped_at,
    ...(r.cancelled_at === null ? {} : { cancelledAt: r.cancelled_at }),
  };
}

/** The shipping repo working inside `tx`. */
export function createSqlShipmentRepo(tx: Queryable): ShipmentRepo {
  const select = async (where: SqlFragment) =>
    (
      await tx.query<ShipmentRow>(
        sql`select * from shipping_shipments where ${where} order by shipped_at, tracking_id`,
      )
    ).map(shipment);
  const get = async (trackingId: string) => (await select(sql`tracking_id = ${trackingId}`))[0];
  const findByOrder = async (orderId: string) => (await select(sql`order_id = ${orderId}`))[0];
  return {
    get,
    findByOrder,
    list: () => select(sql`true`),
    async add(s) {
      const added = await tx.execute(sql`
        insert into shipping_shipments (tracking_id, order_id, address, items, status,
          shipped_at, cancelled_at)
        values (${s.trackingId}, ${s.orderId ?? null}, ${JSON.stringify(s.address)},
          ${JSON.stringify(s.items)}, ${s.status}, ${s.shippedAt}, ${s.cancelledAt ?? null})
        on conflict (order_id) do nothing`);
      if (added.rowCount === 1 || s.orderId === undefined) return s;
      return (await findByOrder(s.orderId)) ?? s;
    },
    async markCancelled(trackingId, cancelledAt) {
      await tx.execute(sql`
        update shipping_shipments set status = 'cancelled', cancelled_at = ${cancelledAt}
        where tracking_id = ${trackingId} and status <> 'cancelled'`);
      return get(trackingId);
    },
  } satisfies ShipmentRepo;
}
