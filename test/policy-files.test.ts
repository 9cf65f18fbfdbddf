/**
 * The files under policies/ — the default policy, the examples and their test cases — checked and
 * run inside the suite with the same code as `npm run policies -- validate` and `-- test`. Vite reads
 * them when the suite is built, since workerd has no file system.
 */
// For the type of import.meta.glob:
/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { checkFiles, formatProblem, isTestFile, runTestFile, type PolicyFile } from "../scripts/policy-files";

const texts = import.meta.glob<string>("../policies/**/*.{yaml,yml}", { query: "?raw", import: "default", eager: true });
const files: PolicyFile[] = Object.entries(texts).map(([path, text]) => ({ path: path.replace(/^\.\.\//, ""), text }));
const read = (path: string) => texts[`../${path}`];

describe("policies/", () => {
  it("holds the default policy, examples and test cases", () => {
    const paths = files.map((file) => file.path);
    expect(paths).toContain("policies/default.yaml");
    expect(paths.some((path) => path.startsWith("policies/examples/"))).toBe(true);
    expect(paths.some(isTestFile)).toBe(true);
  });

  it("every file is valid", async () => {
    expect((await checkFiles(files, read)).map(formatProblem)).toEqual([]);
  });

  for (const file of files.filter((candidate) => isTestFile(candidate.path))) {
    it(`${file.path}: every case passes`, async () => {
      const report = await runTestFile(file, read);
      expect(report.problems.map(formatProblem)).toEqual([]);
      const failures = report.cases.filter((result) => result.failures.length).map((result) => `${result.name}: ${result.failures.join("; ")}`);
      expect(failures).toEqual([]);
      expect(report.cases.length).toBeGreaterThan(0);
    });
  }
});
