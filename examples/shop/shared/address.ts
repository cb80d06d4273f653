/** A postal address, as checkout takes it and shipping uses it. */
import { z } from "zod";

/** A postal address; `country` is an ISO 3166-1 alpha-2 code such as `US`. */
export const Address = z.object({
  streetAddress: z.string().min(1).max(200),
  city: z.string().min(1).max(100),
  state: z.string().max(100).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as US"),
  zipCode: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/, "must be a postal code"),
});
/** A postal address. */
export type Address = z.infer<typeof Address>;
