/**
 * Everything the bench starts (workerd, servers, temporary directories) is registered here as it
 * starts, and stopped in reverse order whatever happens: normal end, a failed assertion, Ctrl-C.
 * Nothing of a run may outlive it on a machine other engineers share.
 */
export class Teardown {
  private readonly steps: { name: string; stop: () => unknown }[] = [];
  private running: Promise<void> | null = null;

  add(name: string, stop: () => unknown): void {
    this.steps.push({ name, stop });
  }

  /** Runs every step once, newest first; a failing step is reported and does not stop the others. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step.stop();
        } catch (error) {
          console.error(`teardown: stopping ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.running;
  }
}
