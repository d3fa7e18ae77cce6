/**
 * Preloaded (`node --import`) into a process the bench measures whole: at exit, writes the CPU
 * time the process used since it started (user + system, ms) to the file BENCH_CPU_FILE names.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_CPU_FILE;
if (target) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(target, String((user + system) / 1000));
  });
}
