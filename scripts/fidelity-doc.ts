/** Renders the fidelity contract (src/connectors/fidelity.ts) into docs/API.md, between its markers. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fidelityTable } from '../src/connectors/fidelity.js';

const doc = new URL('../docs/API.md', import.meta.url);
const text = readFileSync(doc, 'utf8').replace(/(<!-- fidelity:start -->\n)[\s\S]*?(<!-- fidelity:end -->)/, `$1${fidelityTable()}\n$2`);
writeFileSync(doc, text);
