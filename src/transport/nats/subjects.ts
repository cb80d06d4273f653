/**
 * Subject layout: `weft.<app>.<service>.<method>`, so apps share one NATS without seeing each
 * other, and one queue group per service (`weft.<app>.<service>`) load-balances its replicas.
 */

/** The subject of one method. */
export function methodSubject(app: string, service: string, method: string): string {
  return `weft.${app}.${service}.${method}`;
}

/** The wildcard subject a service's replicas subscribe to. */
export function serviceSubject(app: string, service: string): string {
  return `weft.${app}.${service}.*`;
}

/** The queue group of a service's replicas. */
export function serviceQueue(app: string, service: string): string {
  return `weft.${app}.${service}`;
}
