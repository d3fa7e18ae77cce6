/**
 * The library sides of the whole-process parse figure: `bare` or `peer`, then the files. Each file
 * is read whole and parsed, and its result printed as one JSON line, as `capture parse` prints
 * each CapturedEmail; only the libraries are loaded, none of the project's code.
 */
import { readFile } from 'node:fs/promises';
import { bare, peer } from './peer.ts';

const [side, ...files] = process.argv.slice(2);
const parse = side === 'bare' ? bare : side === 'peer' ? peer : null;
if (!parse) throw new Error(`unknown side ${side}`);
for (const file of files) {
  const result = await parse(await readFile(file));
  // Attachment bytes are not printed (capture parse prints their size and checksum).
  const json = JSON.stringify(result, (key, value) => (key === 'content' ? undefined : value));
  process.stdout.write(`${json}\n`);
}
