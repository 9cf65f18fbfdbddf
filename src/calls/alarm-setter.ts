/**
 * The object's one storage alarm, set only when its time changes. What it holds is a cache of what
 * storage holds (read once per instance), not a clock: when the alarm should ring is always computed from
 * the stored call (./alarm.ts).
 */
export class AlarmSetter {
  /** undefined: not read from storage yet. */
  private at: number | null | undefined;

  /** `known`: null for an object that never stored a call (it has no alarm: retention's deleteAll removes it too). */
  constructor(private readonly storage: DurableObjectStorage, known: null | undefined) {
    this.at = known;
  }

  /** The alarm rang or storage was deleted: none is set any more. */
  cleared(): void {
    this.at = null;
  }

  async set(at: number | null): Promise<void> {
    if (this.at === undefined) this.at = await this.storage.getAlarm();
    if (at === this.at) return;
    if (at === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(at);
    this.at = at;
  }

  /** Makes sure an alarm rings by `by` (a safety net while work runs); the real time is set after it. */
  async ringBy(by: number): Promise<void> {
    if (this.at === undefined) this.at = await this.storage.getAlarm();
    if (this.at === null || this.at > by) await this.set(by);
  }
}
