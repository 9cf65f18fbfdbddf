/**
 * A request whose answer was lost in transport is sent again, as a careful client (or a provider) does.
 * On a loaded machine the runs' connections to workerd are now and then closed or reset under a request
 * (`fetch failed`: `other side closed`, `ECONNRESET`), in bursts, with the request never reaching the
 * gateway (no record, nothing at the provider): the runs measure what the gateway loses, not what the
 * local transport drops. Sending again is safe for every request the runs make (a hangup of a call already
 * hung up replays its outcome, a read reads, a provider's callback is idempotent), and each run reports how
 * many it sent again.
 */
export const SEND_ATTEMPTS = 3;

export class Resender {
  /** Requests sent again after a transport failure. */
  resent = 0;

  /** `send()`'s answer, sending again when it throws (no answer); the last error after SEND_ATTEMPTS. */
  async send<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (attempt >= SEND_ATTEMPTS) throw error;
        this.resent++;
      }
    }
  }
}
