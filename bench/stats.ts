/** Small measuring helpers shared by the bench's parts. */

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The p-quantile (0…1) of the values, nearest rank; null when there are none. */
export function quantile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5) ?? Number.NaN;
}

/** "median (min–max)" for the human output. */
export function spread(values: readonly number[], digits = 0): string {
  if (values.length === 0) return 'n/a';
  return `${round(median(values), digits)} (${round(Math.min(...values), digits)}–${round(Math.max(...values), digits)})`;
}

/** CPU time (user + system, all threads of this process) that fn takes, in milliseconds. */
export async function cpuMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Times two sides in alternation (A B, B A, A B, …) so neither always runs first on a warmer or
 * colder JIT and heap; one untimed warm-up of each first. Returns the CPU ms of every round.
 */
export async function alternate(
  rounds: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<{ a: number[]; b: number[] }> {
  await a();
  await b();
  const out = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      out.a.push(await cpuMs(a));
      out.b.push(await cpuMs(b));
    } else {
      out.b.push(await cpuMs(b));
      out.a.push(await cpuMs(a));
    }
  }
  return out;
}

export const log = (line: string) => process.stderr.write(`${line}\n`);
