/** The gateway's version, as published in package.json: /healthz and the OpenAPI document report it. */
import pkg from "../package.json";

export const VERSION: string = pkg.version;
