/**
 * The call's event log, bounded: the latest MAX_EVENTS_PER_TYPE events of each type are kept, and the
 * ones dropped are counted per type, so a record stays small and readable after any number of
 * callbacks, signals or retries. Pure functions over the stored call.
 */

/** A JSON object read back from storage (see ./schemas.ts for why its values are `{} | null`). */
export type JsonObject = Record<string, {} | null>;

export interface CallEvent {
  at: string;
  type: string;
  data: JsonObject;
}

export const MAX_EVENTS_PER_TYPE = 10;

/** Text a provider or a caller put into an event (a callback's status word) is cut to this length. */
export const MAX_EVENT_TEXT_CHARS = 64;

export function eventText(value: string): string {
  return value.length > MAX_EVENT_TEXT_CHARS ? `${value.slice(0, MAX_EVENT_TEXT_CHARS)}…` : value;
}

/** The log with `event` appended, and the oldest of its type dropped (and counted) beyond the bound. */
export function appendEvent<T extends { events: CallEvent[]; events_omitted: Record<string, number> }>(log: T, event: CallEvent): T {
  const events = [...log.events, event];
  const sameType = events.filter((e) => e.type === event.type).length;
  if (sameType <= MAX_EVENTS_PER_TYPE) return { ...log, events };
  const oldest = events.findIndex((e) => e.type === event.type);
  events.splice(oldest, 1);
  return { ...log, events, events_omitted: { ...log.events_omitted, [event.type]: (log.events_omitted[event.type] ?? 0) + 1 } };
}
