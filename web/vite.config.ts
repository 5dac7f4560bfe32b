import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

// `npm run dev` serves the app with hot reload and sends API calls to a local `investking serve`
// (INVESTKING_URL to point elsewhere).
const backend = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.INVESTKING_URL ??
  "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [preact()],
  server: {
    proxy: {
      "/api": backend,
      "/v2": { target: backend, ws: true },
      "/stream": { target: backend, ws: true },
    },
  },
  build: { sourcemap: true },
  test: { environment: "jsdom" },
});
