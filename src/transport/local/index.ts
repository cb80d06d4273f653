/**
 * The local transport (calls inside one process, optionally serialized). It lives in core because
 * every app needs it; this subpath exists so transports can be named and tested side by side.
 */
export { createLocalTransport, type LocalTransportOptions } from "../../core/local-transport.js";
