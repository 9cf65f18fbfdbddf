/**
 * How fast a bulk hangup may ask each provider: hangups per second per connection (one provider
 * account). The README's pacing table gives the source of every number. A job spaces the starts of its
 * requests to one connection 1/rate apart, and keeps at most MAX_IN_FLIGHT hangups open at once (enough for
 * Plivo's 50/s at up to 400 ms a hangup).
 */
export const HANGUPS_PER_SECOND: Record<string, number> = {
  // Plivo documents 300 API requests per 5 s per account (60/s); 50/s leaves a sixth for the tenant's own traffic.
  plivo: 50,
  // Twilio limits concurrent REST requests per account (429, error 20429) rather than a rate; 25/s at
  // ~200 ms each stays near 5 open requests.
  twilio: 25,
  // Telnyx, Vonage and the providers documented in ../shared/providers/ publish no per-endpoint rate
  // for hangups in the documents we have: a conservative 10/s.
  telnyx: 10,
  vonage: 10,
  alohaa: 10,
  tryvox: 10,
  callab: 10,
  // No network: bounded by the call objects alone.
  sandbox: 500,
};

const UNKNOWN_PROVIDER_RATE = 5;
export const MAX_IN_FLIGHT = 20;

export function hangupRate(provider: string): number {
  return HANGUPS_PER_SECOND[provider] ?? UNKNOWN_PROVIDER_RATE;
}

/** Per-connection spacing of request starts. `wait` resolves when the next request may start. */
export class Pacer {
  private readonly nextAt = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** The delay (ms) before a request to this connection may start, reserving that slot. */
  reserve(connection: string, provider: string): number {
    const now = this.clock();
    const at = Math.max(now, this.nextAt.get(connection) ?? 0);
    this.nextAt.set(connection, at + 1000 / hangupRate(provider));
    return at - now;
  }

  async wait(connection: string, provider: string): Promise<void> {
    const delay = this.reserve(connection, provider);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
