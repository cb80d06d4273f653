/**
 * The greeter's contract: a value that names the service and its methods with their schemas.
 * Its type is the type of every client: `ctx.client(greeter).greet({ name })`.
 */
import { defineService, method } from "weft";
import { z } from "zod";

export const greeter = defineService("greeter", {
  greet: method({
    input: z.object({ name: z.string().min(1) }),
    output: z.object({ message: z.string() }),
    // Safe to call twice: callers may retry it when a call across processes fails.
    idempotent: true,
    description: "Says hello.",
  }),
});
