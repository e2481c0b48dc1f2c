// The stress test's input (bench/stress.mjs cuts it at claim boundaries, so every claim has four
// lines, like claim_1234.csv): one per subscriber, spread over providers, plan groups and dates, so
// every claim is stored and gets its own event. The benchmark uses bench/realistic.mjs.
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';

const HEADER =
  'service date,submitted procedure,quadrant,Plan/Group #,Subscriber#,Provider NPI,provider fees,Allowed fees,member coinsurance,member copay\n';
const NPIS = ['1497775530', '1234567893', '1245319599', '1003000126', '1326046473'];
const PROCEDURES = ['D0180', 'D0210', 'D4346', 'D4211'];
export const LINES_PER_CLAIM = PROCEDURES.length;

/** Writes `lines` claim lines (a whole number of claims when divisible by four) to `path`. */
export async function writeClaimsFile(path, lines) {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  out.write(HEADER);
  let chunk = '';
  for (let i = 0; i < lines; i++) {
    const claim = Math.floor(i / LINES_PER_CLAIM);
    const line = i % LINES_PER_CLAIM;
    const day = 1 + (claim % 28);
    const month = 1 + (Math.floor(claim / 28) % 12);
    const cents = String(claim % 100).padStart(2, '0');
    chunk += `${month}/${day}/18 0:00,${PROCEDURES[line]},${line === 3 ? 'UR' : ''},GRP-${1000 + (claim % 50)},${3730000000 + claim},${NPIS[claim % NPIS.length]},$${100 + line}.${cents} ,$${90 + line}.00 ,$${line}.25 ,$0.00 \n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
