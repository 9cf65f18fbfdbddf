/**
 * The policy files under policies/, checked and tested the way the gateway will read them. Pure: it is
 * given file texts and a way to read a referenced file, so the CLI (scripts/policies.ts, from disk) and
 * the test suite (test/policy-files.test.ts, inside workerd) run exactly the same checks.
 *
 * Two roles: files under policies/tests/ hold test cases; every other file is a policy document.
 * Problems carry the file, line and column, and the document path, so an editor can jump to them.
 */
import YAML, { LineCounter } from "yaml";
import { compilePolicy } from "../src/policy/compile";
import { validatePolicy, type PolicyDocument, type PolicyProblem } from "../src/policy/schema";
import { runTestCase, validateTestFile, type CaseResult, type PolicyTestFile } from "../src/policy/test-cases";
import { policyVersion } from "../src/policy/version";

export const POLICIES_DIR = "policies";
const TESTS_DIR = `${POLICIES_DIR}/tests/`;

/** A file, by its path relative to the repository root (with "/"), and its text. */
export interface PolicyFile {
  path: string;
  text: string;
}

/** Reads another file by repository path (a test file's `policy: ../x.yaml`); undefined if none. */
export type ReadFile = (path: string) => string | undefined;

export interface FileProblem {
  file: string;
  line?: number;
  column?: number;
  /** Path inside the document, e.g. "rules.2.max_seconds". */
  path?: string;
  message: string;
}

export function formatProblem(problem: FileProblem): string {
  const where = problem.line ? `${problem.file}:${problem.line}:${problem.column ?? 1}` : problem.file;
  return `${where}: ${problem.path ? `${problem.path}: ` : ""}${problem.message}`;
}

export function isTestFile(path: string): boolean {
  return path.startsWith(TESTS_DIR);
}

/**
 * Every problem of every file: YAML syntax, the editor schema line, and validity for the file's role.
 * A policy that test files use is checked through them too, so each problem is listed once.
 */
export async function checkFiles(files: readonly PolicyFile[], read: ReadFile): Promise<FileProblem[]> {
  const problems = new Map<string, FileProblem>();
  const add = (found: FileProblem[]) => found.forEach((problem) => problems.set(formatProblem(problem), problem));
  for (const file of files) {
    add(schemaLineProblems(file));
    if (isTestFile(file.path)) add((await loadTests(file, read)).problems);
    else {
      const loaded = loadPolicy(file);
      if (loaded.kind === "invalid") add(loaded.problems);
    }
  }
  return [...problems.values()];
}

/** A policy document from a YAML (or JSON) file, validated. */
export function loadPolicy(file: PolicyFile): { kind: "valid"; document: PolicyDocument } | { kind: "invalid"; problems: FileProblem[] } {
  const parsed = parseYaml(file);
  if (parsed.kind === "invalid") return parsed;
  const validation = validatePolicy(parsed.value);
  return validation.kind === "valid" ? validation : { kind: "invalid", problems: parsed.locateAll(validation.errors) };
}

export interface TestFileReport {
  file: string;
  /** The policy version under test, when the file and its policy are valid. */
  version?: string;
  problems: FileProblem[];
  cases: CaseResult[];
}

/** Runs a test file's cases against its policy; a file that cannot run reports problems instead. */
export async function runTestFile(file: PolicyFile, read: ReadFile): Promise<TestFileReport> {
  const loaded = await loadTests(file, read);
  if (!loaded.policy) return { file: file.path, problems: loaded.problems, cases: [] };
  const { tests, policy } = loaded;
  const version = await policyVersion(policy);
  const compiled = compilePolicy(policy, version);
  return { file: file.path, version, problems: [], cases: tests.cases.map((testCase) => runTestCase(compiled, testCase, tests.now)) };
}

type LoadedTests = { problems: FileProblem[]; policy?: undefined } | { problems: []; tests: PolicyTestFile; policy: PolicyDocument };

async function loadTests(file: PolicyFile, read: ReadFile): Promise<LoadedTests> {
  const parsed = parseYaml(file);
  if (parsed.kind === "invalid") return { problems: parsed.problems };
  const validation = validateTestFile(parsed.value);
  if (validation.kind === "invalid") return { problems: parsed.locateAll(validation.errors) };
  const tests = validation.file;
  if (typeof tests.policy !== "string") return { problems: [], tests, policy: tests.policy };

  const policyPath = resolvePath(file.path, tests.policy);
  const text = read(policyPath);
  if (text === undefined) return { problems: parsed.locateAll([{ path: "policy", message: `no policy file at ${policyPath}` }]) };
  const policy = loadPolicy({ path: policyPath, text });
  return policy.kind === "valid" ? { problems: [], tests, policy: policy.document } : { problems: policy.problems };
}

/** `relative` (as written in `from`) as a repository path. */
function resolvePath(from: string, relative: string): string {
  return new URL(relative, `file:///${from}`).pathname.slice(1);
}

/**
 * The first line of a file under policies/ points editors at its JSON Schema; a wrong path would make
 * them silently skip validation, so it is checked too.
 */
function schemaLineProblems(file: PolicyFile): FileProblem[] {
  if (!file.path.startsWith(`${POLICIES_DIR}/`)) return [];
  const depth = file.path.split("/").length - 2;
  const schema = isTestFile(file.path) ? "policy-tests.schema.json" : "policy.schema.json";
  const expected = `# yaml-language-server: $schema=${depth ? "../".repeat(depth) : "./"}${schema}`;
  const firstLine = file.text.split(/\r?\n/, 1)[0]?.trim();
  return firstLine === expected ? [] : [{ file: file.path, line: 1, column: 1, message: `the first line must be "${expected}" so editors validate the file` }];
}

type Parsed =
  | { kind: "parsed"; value: unknown; locateAll: (problems: PolicyProblem[]) => FileProblem[] }
  | { kind: "invalid"; problems: FileProblem[] };

function parseYaml(file: PolicyFile): Parsed {
  const lineCounter = new LineCounter();
  const document = YAML.parseDocument(file.text, { lineCounter });
  if (document.errors.length) {
    return {
      kind: "invalid",
      problems: document.errors.map((error) => ({
        file: file.path,
        line: error.linePos?.[0].line,
        column: error.linePos?.[0].col,
        message: (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, ""),
      })),
    };
  }
  /** Problems with their place in the file, in the order of the file. */
  const locateAll = (problems: PolicyProblem[]): FileProblem[] =>
    problems
      .map((problem) => {
        const node = nearestNode(document, problem.path);
        const position = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
        return { file: file.path, line: position?.line, column: position?.col, path: problem.path, message: problem.message };
      })
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { kind: "parsed", value: document.toJS(), locateAll };
}

/** The YAML node at a problem's path, or at its nearest existing parent (a missing field's object). */
function nearestNode(document: YAML.Document, path: string): { range?: [number, number, number] | null } | undefined {
  const segments = path === "(root)" ? [] : path.split(".").map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  for (let length = segments.length; length > 0; length--) {
    const node = document.getIn(segments.slice(0, length), true);
    if (YAML.isNode(node)) return node;
  }
  return document.contents ?? undefined;
}
