/**
 * Benchmark runner: `npm run bench` runs every benchmark, `npm run bench -- <name>` one.
 * Each prints lines "BENCH <name> <value> <unit>".
 */
import { benchmarks } from './index.ts';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !benchmarks.some((b) => b.name === w));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')} (benchmarks: ${benchmarks.map((b) => b.name).join(', ')})\n`);
  process.exit(2);
}
for (const b of benchmarks) {
  if (wanted.length > 0 && !wanted.includes(b.name)) continue;
  await b.run((name, value, unit) => process.stdout.write(`BENCH ${name} ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}\n`));
}
