/**
 * What a CLI command is, and how its command line is read: one declaration gives both the parser
 * (node:util parseArgs, strict) and the `--help` text, so the two cannot drift apart.
 */
import { parseArgs } from "node:util";
import { usageError } from "./errors";

export const PROGRAM = "hangup-gateway";

export interface OptionSpec {
  type: "string" | "boolean";
  description: string;
  /** Shown in help as `--name <placeholder>`. */
  placeholder?: string;
  required?: boolean;
}

type OptionSpecs = Record<string, OptionSpec>;

/** The parsed options, typed by their declaration: `--name <x>` is a string, a flag a boolean. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]?: O[K]["type"] extends "string" ? string : boolean };

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** The words that select it, e.g. "tenant put". */
  name: string;
  summary: string;
  /** Positional arguments in order: `<id>` is required, `[file]` optional, `[files...]` any number. */
  args: string[];
  options: O;
  /** More to know, printed under the options. */
  notes?: string;
  /** Runs with at least as many positionals as `args` requires (checked before). */
  run(positionals: string[], values: OptionValues<O>): Promise<void>;
}

/** Declares a command, typing `run`'s values from its options. */
export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

const HELP_OPTION: OptionSpec = { type: "boolean", description: "Show this help" };

export function commandUsage(command: Command): string {
  const options = { ...command.options, help: HELP_OPTION };
  const labels = Object.entries(options).map(([name, spec]) => `--${name}${spec.type === "string" ? ` <${spec.placeholder ?? name}>` : ""}`);
  const width = Math.max(...labels.map((label) => label.length)) + 2;
  const lines = Object.values(options).map((spec, i) => `  ${labels[i]!.padEnd(width)}${spec.description}${spec.required ? " (required)" : ""}`);
  return [
    `Usage: ${PROGRAM} ${command.name} ${command.args.join(" ")} [options]`.replace(/ +/g, " "),
    "",
    command.summary,
    "",
    "Options:",
    ...lines,
    ...(command.notes ? ["", command.notes] : []),
  ].join("\n");
}

/** Parses `argv` for `command`; answers null when help was asked for. Throws a usage error otherwise. */
export function parseCommandLine(command: Command, argv: string[]): { positionals: string[]; values: OptionValues<OptionSpecs> } | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { ...Object.fromEntries(Object.entries(command.options).map(([name, spec]) => [name, { type: spec.type }])), help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    throw usageError(`${(error as Error).message}\nSee: ${PROGRAM} ${command.name} --help`);
  }
  const { positionals } = parsed;
  const values: OptionValues<OptionSpecs> = parsed.values;
  if (values.help) return null;

  const required = command.args.filter((arg) => arg.startsWith("<")).length;
  const variadic = command.args.some((arg) => arg.endsWith("...]"));
  if (positionals.length < required || (!variadic && positionals.length > command.args.length)) {
    throw usageError(`Usage: ${PROGRAM} ${command.name} ${command.args.join(" ")}\nSee: ${PROGRAM} ${command.name} --help`);
  }
  const missing = Object.entries(command.options).filter(([name, spec]) => spec.required && values[name] === undefined);
  if (missing.length) {
    throw usageError(`Missing ${missing.map(([name]) => `--${name}`).join(", ")}.\nSee: ${PROGRAM} ${command.name} --help`);
  }
  return { positionals, values };
}

/** A list command's `--limit`: a positive integer, 50 when not given. */
export function listLimit(value: string | undefined): number {
  const limit = value === undefined ? 50 : Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw usageError("--limit must be a positive integer.");
  return limit;
}
