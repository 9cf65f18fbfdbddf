/**
 * Free-form JSON a client may send (a call's `metadata`, a connection's `credentials`), bounded in depth
 * and in size. Unbounded, a few thousand levels of nesting in 8 KB of body overflow the stack of the
 * first recursive reader (`JSON.stringify` in a fingerprint), and a wide object grows every record it
 * is copied into. The depth is checked by an explicit stack that stops at the first level too deep, so
 * the check itself never recurses; only a value within the depth bound is then serialized to be measured.
 */
import { z } from "@hono/zod-openapi";

/** Levels of nesting below the field itself: `{ "a": { "b": 1 } }` is depth 2. */
export const MAX_JSON_DEPTH = 8;
/** The field serialized as JSON, in UTF-8 bytes. */
export const MAX_JSON_BYTES = 8 * 1024;

export type JsonBoundsViolation = { kind: "depth"; path: (string | number)[] } | { kind: "size"; bytes: number };

/**
 * The first bound `value` breaks, or null. `path` leads to the first container nested deeper than
 * `maxDepth`, cut at that level so that it stays short.
 */
export function jsonBoundsViolation(value: unknown, maxDepth = MAX_JSON_DEPTH, maxBytes = MAX_JSON_BYTES): JsonBoundsViolation | null {
  const stack: { value: unknown; depth: number; path: (string | number)[] }[] = [{ value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { value: current, depth, path } = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth >= maxDepth) return { kind: "depth", path };
    const entries = Array.isArray(current) ? current.map((child, i) => [i, child] as const) : Object.entries(current);
    for (const [key, child] of entries) {
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: depth + 1, path: [...path, key] });
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value)).byteLength;
  return bytes > maxBytes ? { kind: "size", bytes } : null;
}

/** A JSON object of at most `maxDepth` levels and `maxBytes` serialized; 422 with the path otherwise. */
export function boundedJsonObject(maxDepth = MAX_JSON_DEPTH, maxBytes = MAX_JSON_BYTES) {
  return z
    .record(z.string(), z.unknown())
    .superRefine((value, ctx) => {
      const violation = jsonBoundsViolation(value, maxDepth, maxBytes);
      if (violation?.kind === "depth") {
        ctx.addIssue({ code: "custom", path: violation.path, message: `nests deeper than ${maxDepth} levels` });
      } else if (violation?.kind === "size") {
        ctx.addIssue({ code: "custom", message: `is ${violation.bytes} bytes as JSON; at most ${maxBytes} are allowed` });
      }
    })
    .openapi({ description: `A JSON object nested at most ${maxDepth} levels deep and at most ${maxBytes} bytes as JSON` });
}

export const BoundedJsonObject = boundedJsonObject();
