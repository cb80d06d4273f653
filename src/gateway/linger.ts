/**
 * Lingering close: after an answer that closes the connection before the request's body was read
 * to its end (413 on a body still being sent, 408 for a slow body, 503 while draining), the
 * gateway sends its FIN after the answer and keeps reading, and discarding, what the client still
 * sends — until the client closes its side, or for at most 2 s — and only then closes the socket,
 * as Go's net/http and nginx's `lingering_close` do.
 *
 * Why: once such an answer is written, Node's HTTP server calls `socket.destroySoon()`, which
 * closes the socket as soon as the answer is flushed. Closing a TCP socket with unread input makes
 * the kernel send a reset, and a client still writing its body gets EPIPE or ECONNRESET — often
 * before it has read the answer, so it never learns that the body was too large. Replacing
 * `destroySoon` on that one socket is the hook Node leaves: it is called exactly when the server
 * closes after this answer, and nowhere else.
 *
 * Safety: the bytes read meanwhile still go through Node's HTTP parser, into a request that is
 * already answered and dumped, so nothing is buffered; the time is bounded whatever the client
 * does; a request that arrives on the connection while it lingers is not served (the listener
 * checks `isLingering` and destroys the connection instead); and the server's
 * `closeAllConnections()` (gateway stop) destroys lingering sockets at once, as it does any other.
 */
import type { ServerResponse } from "node:http";
import { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** How long, at most, a closing connection keeps reading what the client still sends. */
const LINGER_MS = 2000;

const lingering = new WeakSet<Duplex>();

/** True while `socket` lingers after an answer that closed it: it serves no further request. */
export function isLingering(socket: Duplex): boolean {
  return lingering.has(socket);
}

/**
 * Makes the server linger instead of closing at once when it closes the connection after `res`
 * while its request has not been read to its end. Call before writing an answer with
 * `Connection: close`.
 */
export function lingerOnClose(res: ServerResponse): void {
  const socket = res.socket;
  if (!(socket instanceof Socket) || res.req.complete) return;
  socket.destroySoon = () => {
    // Restore the prototype's method: this replacement is for this one close.
    delete (socket as Partial<Socket>).destroySoon;
    if (res.req.complete || !socket.writable) {
      socket.destroySoon();
      return;
    }
    lingering.add(socket);
    // The answer is flushed, then the FIN: the client sees the answer and the end of it.
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    // The client closed its side: nothing is left unread, so closing sends no reset.
    socket.once("end", () => socket.destroySoon());
  };
}
