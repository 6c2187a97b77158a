// The web UI's number formatting (weir/web/ui/format.js) follows the rule of the terminal's
// (weir/views/text.h), on the cases views_test checks the C++ side with.
//   node tests/browser/format.test.mjs
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const {fmtNum, fmtPct} = await import(join(root, 'weir/web/ui/format.js'));
const {cases} = JSON.parse(readFileSync(join(root, 'weir/views/testdata/numbers.json'), 'utf8'));
let failed = 0;
for (const [value, expected] of cases) {
  const got = fmtNum(Number(value));
  if (got !== expected) {
    console.log(`FAIL: fmtNum(${value}) is ${got}, not ${expected}`);
    failed++;
  }
}
assert.equal(fmtNum(null), '–');
assert.equal(fmtPct(0.125), '12.5%');
assert.equal(fmtPct(0.05), '5.0%');
assert.equal(fmtPct(0.0004), '<0.1%');
assert.equal(fmtPct(0), '0%');
assert.equal(fmtPct(1), '100%');
console.log(`${cases.length - failed} of ${cases.length} cases as the terminal writes them`);
process.exit(failed === 0 ? 0 : 1);
