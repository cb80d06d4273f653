/** The greeter's implementation, type-checked against its contract. */
import { greeter } from "./contract.js";

export const greeterImpl = greeter.implement({
  async greet(ctx, { name }) {
    ctx.logger.debug({ name }, "greeting");
    return { message: `Hello, ${name}!` };
  },
});
