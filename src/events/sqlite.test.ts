/** The events conformance suite on SQLite with the in-process broker. */

import { sqliteBackend } from "./conformance/harness.js";
import { describeEventsConformance } from "./conformance/index.js";

describeEventsConformance(sqliteBackend);
