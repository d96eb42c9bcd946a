// Run by VectorTests under node: reads {round, code, answers, contact, submission} as JSON on stdin, and writes the
// three request bodies that the sign-up page's own sharing.js makes (fresh randomness from node's Web Crypto), with
// the code hash and each part's stored digest as the page computes them to check receipts.
import { pathToFileURL } from 'node:url';

const [pagePath] = process.argv.slice(2);
const S = await import(pathToFileURL(pagePath).href);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { round, code, answers, contact, submission } = JSON.parse(input);
const canonical = S.normalizeCode(code);
if (canonical === null) throw new Error('the code does not normalise');
const bodies = S.makeSubmissions(round, canonical, answers, contact, submission);
const codeHash = await S.codeHash(round, canonical);
const digests = await Promise.all(bodies.map((b) => S.storedSha256(b, codeHash)));
process.stdout.write(JSON.stringify({ canonical, bodies, codeHash, digests }));
