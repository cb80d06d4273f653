/**
 * Removes the JetStream stream an app's events used, so test runs leave nothing behind on a
 * shared NATS server. Loads the NATS client only when called.
 */
import { streamName } from "../transport/subjects.js";

/** Deletes app `app`'s event stream on the NATS server at `natsUrl`, if there is one. */
export async function deleteEventStream(natsUrl: string, app: string): Promise<void> {
  const { connect } = await import("@nats-io/transport-node");
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamName(app)).catch(() => false);
  } finally {
    await nc.close();
  }
}
