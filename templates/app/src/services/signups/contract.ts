/** Sign-ups: registering someone starts the durable `welcome` workflow. */
import { defineService, method } from "weft";
import { z } from "zod";

export const signups = defineService("signups", {
  register: method({
    input: z.object({ name: z.string().min(1), email: z.email() }),
    output: z.object({ id: z.string(), created: z.boolean() }),
    // The run id comes from the email: registering twice finds the same run.
    idempotent: true,
    description: "Registers someone and starts their welcome workflow.",
  }),
  status: method({
    input: z.object({ id: z.string() }),
    output: z.object({ id: z.string(), status: z.string() }),
    idempotent: true,
    description: "The status of a sign-up's welcome workflow.",
  }),
});
