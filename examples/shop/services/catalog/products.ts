/** The products of Online Boutique's demo catalog, priced in US dollars. */
import type { Product } from "./contract.js";

const usd = (units: number, cents: number) => ({
  currencyCode: "USD",
  units,
  nanos: cents * 10_000_000,
});

/** The seed catalog. */
export const PRODUCTS: readonly Product[] = [
  {
    id: "OLJCESPC7Z",
    name: "Sunglasses",
    description: "Add a modern touch to your outfits with these sleek aviator sunglasses.",
    picture: "/static/img/products/sunglasses.jpg",
    priceUsd: usd(19, 99),
    categories: ["accessories"],
  },
  {
    id: "66VCHSJNUP",
    name: "Tank Top",
    description: "Perfectly cropped cotton tank, with a scooped neckline.",
    picture: "/static/img/products/tank-top.jpg",
    priceUsd: usd(18, 99),
    categories: ["clothing", "tops"],
  },
  {
    id: "1YMWWN1N4O",
    name: "Watch",
    description: "This gold-tone stainless steel watch will work with most of your outfits.",
    picture: "/static/img/products/watch.jpg",
    priceUsd: usd(109, 99),
    categories: ["accessories"],
  },
  {
    id: "L9ECAV7KIM",
    name: "Loafers",
    description: "A neat addition to your summer wardrobe.",
    picture: "/static/img/products/loafers.jpg",
    priceUsd: usd(89, 99),
    categories: ["footwear"],
  },
  {
    id: "2ZYFJ3GM2N",
    name: "Hairdryer",
    description:
      "This lightweight hairdryer has 3 heat and speed settings. It's perfect for travel.",
    picture: "/static/img/products/hairdryer.jpg",
    priceUsd: usd(24, 99),
    categories: ["hair", "beauty"],
  },
  {
    id: "0PUK6V6EV0",
    name: "Candle Holder",
    description: "This small but intricate candle holder is an excellent gift.",
    picture: "/static/img/products/candle-holder.jpg",
    priceUsd: usd(18, 99),
    categories: ["decor", "home"],
  },
  {
    id: "LS4PSXUNUM",
    name: "Salt & Pepper Shakers",
    description: "Add some flavor to your kitchen.",
    picture: "/static/img/products/salt-and-pepper-shakers.jpg",
    priceUsd: usd(18, 49),
    categories: ["kitchen"],
  },
  {
    id: "9SIQT8TOJO",
    name: "Bamboo Glass Jar",
    description: "This bamboo glass jar can hold 57 oz (1.7 l) and is perfect for any kitchen.",
    picture: "/static/img/products/bamboo-glass-jar.jpg",
    priceUsd: usd(5, 49),
    categories: ["kitchen"],
  },
  {
    id: "6E92ZMYYFZ",
    name: "Mug",
    description: "A simple mug with a mustard interior.",
    picture: "/static/img/products/mug.jpg",
    priceUsd: usd(8, 99),
    categories: ["kitchen"],
  },
];
