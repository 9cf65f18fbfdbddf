// Types for `import { env, exports } from "cloudflare:workers"` in tests: the Worker's own bindings
// (including what vitest.config.ts adds) and its main module's exports.
type GatewayEnv = import("../src/env").Env;

declare namespace Cloudflare {
  interface Env extends GatewayEnv {}
  interface GlobalProps {
    mainModule: typeof import("../src/index");
    durableNamespaces: "CallObject";
  }
}
