// The /docs page: Scalar's API reference over this gateway's /openapi.json. Configured to reach no host but
// this one: no web fonts (see also scripts/copy-assets.ts), no proxy (try-it-out requests go straight to the
// gateway, same origin), no telemetry, no AI agent or MCP extras; the page's CSP (public/_headers) holds the
// same line with connect-src 'self'. The container is not #api-reference: Scalar mounts a second,
// unconfigured reference there by itself.
// @ts-nocheck -- the standalone bundle defines the global `Scalar`; its types are not loaded here.
Scalar.createApiReference("#reference", {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  // The "Open API Client" buttons lead to Scalar's hosted client; "Test Request" (try-it-out) stays.
  hideClientButton: true,
  documentDownloadType: "json",
  // Every route in the sidebar at once: the reference is short, and a reader sees it all.
  defaultOpenAllTags: true,
  persistAuth: false,
  // Links to Scalar's hosted services point back here instead of to scalar.com.
  externalUrls: {
    dashboardUrl: location.origin,
    registryUrl: location.origin,
    proxyUrl: location.origin,
    apiBaseUrl: location.origin,
  },
});
