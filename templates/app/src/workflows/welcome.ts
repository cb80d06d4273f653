/**
 * The welcome workflow: each step's result is recorded in the store, so a crash or a deploy
 * resumes the run where it stopped instead of starting over.
 */
import { defineWorkflow } from "weft/workflow";
import { z } from "zod";
import { greeter } from "../services/greeter/contract.js";

export const welcome = defineWorkflow(
  "welcome",
  {
    input: z.object({ name: z.string(), email: z.email() }),
    output: z.object({ message: z.string() }),
  },
  async (wf, { name }) => {
    const { message } = await wf.step("greet", (ctx) => ctx.client(greeter).greet({ name }));
    // A durable timer: the run sleeps in the store, not in memory.
    await wf.sleep("settle", "1s");
    return { message };
  },
);
