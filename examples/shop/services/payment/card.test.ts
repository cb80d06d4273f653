import { describe, expect, it } from "vitest";
import { cardBrand, isLuhnValid, last4 } from "./card.js";

describe("card numbers", () => {
  it("checks the Luhn checksum", () => {
    expect(isLuhnValid("4242424242424242")).toBe(true);
    expect(isLuhnValid("4000000000000002")).toBe(true);
    expect(isLuhnValid("4242424242424241")).toBe(false);
    expect(isLuhnValid("42424242x4242424")).toBe(false);
  });

  it("reads the brand from the prefix", () => {
    expect(cardBrand("4242424242424242")).toBe("visa");
    expect(cardBrand("5555555555554444")).toBe("mastercard");
    expect(cardBrand("2223003122003222")).toBe("mastercard");
    expect(cardBrand("378282246310005")).toBe("amex");
    expect(cardBrand("6011111111111117")).toBe("other");
    expect(cardBrand("2220000000000000")).toBe("other");
  });

  it("shows only the last four digits", () => {
    expect(last4("4242424242424242")).toBe("4242");
  });
});
