/** Sign-ups: each registration is one run of the `welcome` workflow, keyed by email. */
import { workflows } from "weft/workflow";
import { welcome } from "../../workflows/welcome.js";
import { signups } from "./contract.js";

export const signupsImpl = signups.implement({
  async register(ctx, input) {
    return workflows(ctx).start(welcome, input, { id: `welcome-${input.email}` });
  },
  async status(ctx, { id }) {
    const run = await workflows(ctx).get(id);
    return { id, status: run.status };
  },
});
