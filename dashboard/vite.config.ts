/**
 * Builds the dashboard (Vite + Preact) into `dist/dashboard`, which the admin server serves.
 * Asset URLs are relative (`base: "./"`): the server adds a `<base href>` to the page, so the
 * dashboard works below any path. No CDN, no external font: it runs with no internet.
 */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";

const outDir = fileURLToPath(new URL("../dist/dashboard", import.meta.url));

/** Removes the previous build's assets (the folder also holds the compiled server module). */
function cleanAssets(): Plugin {
  return {
    name: "weft-clean-dashboard-assets",
    apply: "build",
    buildStart() {
      rmSync(`${outDir}/assets`, { recursive: true, force: true });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [preact(), cleanAssets()],
  logLevel: "warn",
  build: {
    outDir,
    emptyOutDir: false,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
});
