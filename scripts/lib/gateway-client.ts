/**
 * The scripts' side of src/client.ts: the typed client, plus the one thing every script does with its
 * answers: insist on success, and say what the gateway answered otherwise (status, problem code and
 * detail, every listed error). Scripts talk to the gateway only through this (the CLI, `npm start`,
 * the load run, policy publishing, the bench's seeding).
 */
import { createClient, type ClientOptions } from "../../src/client";

export type GatewayClient = ReturnType<typeof createClient>;

export function gatewayClient(baseUrl: string, options: ClientOptions = {}): GatewayClient {
  return createClient(baseUrl, options);
}

export class GatewayAnswerError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: string[],
  ) {
    super(message);
    this.name = "GatewayAnswerError";
  }
}

/** The fields of a problem+json document a script quotes (src/http/problem.ts; `errors` on 422). */
interface ProblemBody {
  title?: string;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

/** What a failed answer says, in one line (and its listed errors, one per entry). */
export async function describeFailure(what: string, response: Response): Promise<GatewayAnswerError> {
  const text = await response.text();
  let problem: ProblemBody | null = null;
  try {
    problem = JSON.parse(text) as ProblemBody;
  } catch {
    // not a problem document: quote the body
  }
  const errors = (problem?.errors ?? []).map((error) => `${error.path}: ${error.message}`);
  const detail = problem?.detail ?? problem?.title ?? (text.slice(0, 200) || response.statusText);
  return new GatewayAnswerError(`${what}: ${response.status}${problem?.code ? ` ${problem.code}` : ""}: ${detail}`, response.status, errors);
}

/**
 * The answer's JSON when it is one of `expected` (default: any 2xx), else a GatewayAnswerError. Typed by
 * the route: `await expectOk("tenant", client.admin.tenants[":tenant"].$put(…))`.
 */
export async function expectOk<R extends { ok: boolean; status: number; json(): Promise<unknown> }>(
  what: string,
  request: Promise<R> | R,
  expected?: number[],
): Promise<Awaited<ReturnType<Extract<R, { ok: true }>["json"]>>> {
  const response = await request;
  const ok = expected ? expected.includes(response.status) : response.ok;
  if (!ok) throw await describeFailure(what, response as unknown as Response);
  return (await response.json()) as Awaited<ReturnType<Extract<R, { ok: true }>["json"]>>;
}
