import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

// `npm run dev` serves the app with hot reload and sends API calls to a local `investking serve`
// (INVESTKING_URL to point elsewhere).
const backend = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.INVESTKING_URL ??
  "http://127.0.0.1:8080";

// The built page allows only its own scripts, styles, images and connections (WebSockets to the same host
// included): an injected script would find nothing to run. Only in the build: the dev server injects its own.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

export default defineConfig({
  plugins: [
    preact(),
    {
      name: "investking-csp",
      apply: "build",
      transformIndexHtml: (html: string) =>
        html.replace('<meta charset="utf-8" />', `<meta charset="utf-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
    },
  ],
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
