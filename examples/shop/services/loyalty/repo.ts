/** What the loyalty service needs from its storage. */

/** Points awarded for one order. */
export interface Award {
  readonly userId: string;
  readonly orderId: string;
  readonly points: number;
}

/** Where awarded points are kept. */
export interface LoyaltyRepo {
  /** Records an award; an order already awarded is left as it is (returns false). */
  award(award: Award): Promise<boolean>;
  /** A user's awards, oldest first. */
  awards(userId: string): Promise<readonly Award[]>;
}
