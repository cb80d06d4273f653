/** The events conformance suite on PostgreSQL: in-process broker, and NATS JetStream (split). */
import { unreachable } from "../testing/services.js";
import { jetstreamBackend, postgresBackend } from "./conformance/harness.js";
import { describeEventsConformance } from "./conformance/index.js";

const skipPg = await unreachable("postgres");
const skipNats = skipPg || (await unreachable("nats"));
describeEventsConformance(postgresBackend, { skip: skipPg });
describeEventsConformance(jetstreamBackend, { skip: skipNats });
