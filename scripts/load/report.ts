/** How the load runs talk on the console: progress every tenth of the way, and aligned result rows. */
const PROGRESS_STEPS = 10;

export function progress(label: string, total: number): () => void {
  let done = 0;
  const step = Math.max(1, Math.ceil(total / PROGRESS_STEPS));
  return () => {
    if (++done % step === 0 || done === total) process.stdout.write(`  ${label}: ${done}/${total}\n`);
  };
}

export function row(label: string, value: string | number): void {
  console.log(`  ${`${label}:`.padEnd(34)}${value}`);
}
