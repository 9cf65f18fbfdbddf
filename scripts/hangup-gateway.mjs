#!/usr/bin/env node
// `npx hangup-gateway`: the operator CLI in scripts/cli.ts, compiled on the fly by tsx (a dev dependency,
// present after `npm ci`), so that no build step stands between a checkout and the CLI.
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
