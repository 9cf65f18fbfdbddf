/**
 * scripts/build-assets.ts: Scalar's file reaches public/ patched, once, and a changed Scalar build is
 * refused loudly; the OpenAPI document is written from the routes, and only rewritten when it changed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { copyAssets, openApiDocumentText, patched, VENDORED_ASSETS, writeOpenApiDocument } from "../../scripts/build-assets";
import { REPO_ROOT } from "./gateway-process";

const SCALAR = VENDORED_ASSETS[0]!;
let root: string | undefined;

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A repository root whose node_modules holds `text` as Scalar's standalone build. */
function fakeRoot(text: string): string {
  root = mkdtempSync(join(tmpdir(), "build-assets-"));
  const source = join(root, "node_modules", SCALAR.from);
  mkdirSync(dirname(source), { recursive: true });
  writeFileSync(source, text);
  return root;
}

describe("copyAssets", () => {
  it("copies the installed Scalar build with its font default turned off, and only when it changed", () => {
    const installed = readFileSync(join(REPO_ROOT, "node_modules", SCALAR.from), "utf8");
    expect(installed).toMatch(/withDefaultFonts:\w+\(\{default:!0,/);
    const dir = fakeRoot(installed);
    expect(copyAssets(dir)).toEqual([SCALAR.to]);
    const copied = readFileSync(join(dir, "public", SCALAR.to), "utf8");
    expect(copied).toMatch(/withDefaultFonts:\w+\(\{default:!1,/);
    expect(copied.length).toBe(installed.length);
    expect(copyAssets(dir)).toEqual([]);
  });

  it("refuses a Scalar build its patch no longer fits, rather than ship fonts from another host", () => {
    expect(() => patched("var x = 1;", SCALAR)).toThrow(/matched 0 times/);
    const twice = "withDefaultFonts:a({default:!0,}) withDefaultFonts:b({default:!0,})";
    expect(() => patched(twice, SCALAR)).toThrow(/matched 2 times/);
    expect(() => copyAssets(fakeRoot("no such option here"))).toThrow(/review it for this version/);
  });

  it("writes public/openapi.json from the app's routes, and leaves an unchanged one alone", () => {
    const dir = fakeRoot("");
    expect(writeOpenApiDocument(dir)).toBe(true);
    const doc = JSON.parse(readFileSync(join(dir, "public", "openapi.json"), "utf8")) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/v1/calls/{call_id}/hangup");
    expect(writeOpenApiDocument(dir)).toBe(false);
    expect(readFileSync(join(dir, "public", "openapi.json"), "utf8")).toBe(openApiDocumentText());
  });
});
