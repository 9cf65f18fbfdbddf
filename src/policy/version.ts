/**
 * A policy's version is a hash of its content, so the same document always has the same version,
 * whoever publishes it and however it was formatted. The hash covers a canonical JSON (object keys
 * sorted, no whitespace): key order and layout do not change the version; any change of content does,
 * descriptions included.
 *
 * Format: "sha256:" and the first 16 hex digits (64 bits) of the SHA-256 — short enough to read in a
 * log line, far beyond collisions among one gateway's policies.
 */
import { sha256Hex } from "../bytes";
import { canonicalJson } from "../canonical-json";
import type { PolicyDocument } from "./schema";

export async function policyVersion(document: PolicyDocument): Promise<string> {
  return `sha256:${(await sha256Hex(canonicalJson(document))).slice(0, 16)}`;
}
