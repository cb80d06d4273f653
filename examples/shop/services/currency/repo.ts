/** What the currency service needs from its storage: the rates table. */
import type { ExchangeRate } from "../../shared/money.js";

/** Where exchange rates live. All rates are quoted against one base currency. */
export interface CurrencyRepo {
  /** Every supported currency's rate. */
  list(): Promise<readonly ExchangeRate[]>;
  /** The rate of one currency, if supported. */
  get(currencyCode: string): Promise<ExchangeRate | undefined>;
}
