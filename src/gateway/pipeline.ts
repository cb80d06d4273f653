/**
 * Pipelined requests (several sent on one connection before the first answer) run in order when
 * any of them changes data. Node's HTTP server answers them in order but hands them to the
 * handler as they are parsed, so a `DELETE` with no body could run before the `POST` in front of
 * it. RFC 9112 §9.3.2 allows running pipelined requests at once only when all are safe methods:
 * here safe requests (GET, HEAD, OPTIONS, TRACE) still run at once with each other, but an unsafe
 * request waits until every earlier request of its connection was answered, and every later one
 * waits for it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

const SAFE = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

/** The requests of one connection: how many run, whether one is unsafe, who waits. */
interface Lane {
  running: number;
  unsafeRunning: boolean;
  readonly waiting: { readonly safe: boolean; readonly go: () => void }[];
}

const lanes = new WeakMap<Socket, Lane>();

/** Whether a request that is `safe` may start now on `lane`. */
function mayStart(lane: Lane, safe: boolean): boolean {
  return safe ? !lane.unsafeRunning : lane.running === 0;
}

/** Starts `go` on `lane`, and starts what waits behind it once its answer is done. */
function start(lane: Lane, safe: boolean, res: ServerResponse, go: () => void): void {
  lane.running++;
  if (!safe) lane.unsafeRunning = true;
  let finished = false;
  const end = () => {
    if (finished) return;
    finished = true;
    lane.running--;
    if (!safe) lane.unsafeRunning = false;
    for (;;) {
      const next = lane.waiting[0];
      if (next === undefined || !mayStart(lane, next.safe)) break;
      lane.waiting.shift();
      next.go();
    }
  };
  res.once("finish", end);
  res.once("close", end);
  go();
}

/**
 * Wraps `handle` so that the requests of one connection run in order around unsafe methods (see
 * the module comment); requests of different connections never wait for each other.
 */
export function inOrder(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const socket = req.socket;
    let lane = lanes.get(socket);
    if (lane === undefined) {
      lane = { running: 0, unsafeRunning: false, waiting: [] };
      lanes.set(socket, lane);
    }
    const safe = SAFE.has(req.method ?? "GET");
    const l = lane;
    if (l.waiting.length === 0 && mayStart(l, safe)) {
      start(l, safe, res, () => handle(req, res));
    } else {
      l.waiting.push({ safe, go: () => start(l, safe, res, () => handle(req, res)) });
    }
  };
}
