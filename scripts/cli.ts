/**
 * The operator CLI: `npm run cli -- <command>`, or `npx hangup-gateway <command>`. It manages a running
 * gateway through its admin API (tenants, keys, connections, policies) and calls it as a tenant (call get,
 * call hangup). Each command lives in ./cli/ and declares its own arguments and help; this file picks the
 * command, runs it, and turns failures into a message and an exit code.
 */
import { commandUsage, parseCommandLine, PROGRAM } from "./cli/command";
import { COMMANDS } from "./cli/commands";
import { CliError, EXIT_USAGE } from "./cli/errors";

const HELP_WORDS = new Set(["help", "--help", "-h"]);

/** The commands (of one group, such as "key", when given), one line each. */
function overview(group?: string): string {
  const listed = COMMANDS.filter((command) => !group || command.name.startsWith(`${group} `));
  const width = Math.max(...listed.map((command) => command.name.length)) + 2;
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    "",
    "Operate a running hangup-gateway through its API.",
    "",
    "Commands:",
    ...listed.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    "",
    "Every command takes --help. The gateway is --url, else $HANGUP_GATEWAY_URL, else http://127.0.0.1:8787.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || HELP_WORDS.has(first)) {
    console.log(overview());
    return first === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === `${first} ${second}`);
  if (!command) {
    const isGroup = COMMANDS.some((candidate) => candidate.name.startsWith(`${first} `));
    if (isGroup && (second === undefined || HELP_WORDS.has(second))) {
      console.log(overview(first));
      return second === undefined ? EXIT_USAGE : 0;
    }
    console.error(`${PROGRAM}: unknown command "${argv.slice(0, isGroup ? 2 : 1).join(" ")}"\n\n${overview(isGroup ? first : undefined)}`);
    return EXIT_USAGE;
  }
  try {
    const parsed = parseCommandLine(command, argv.slice(2));
    if (!parsed) {
      console.log(commandUsage(command));
      return 0;
    }
    await command.run(parsed.positionals, parsed.values);
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    console.error(`${PROGRAM}: ${error.message}`);
    for (const detail of error.details) console.error(`  ${detail}`);
    return error.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
