// Run by PageTests under node: reads {round, code, option, shares, nonce} on stdin; writes the commitment that the
// ballot page's own ballot.js computes for the fixed shares and nonce, and the three bodies it makes for a real vote.
import { pathToFileURL } from 'node:url';

const [pagePath] = process.argv.slice(2);
const B = await import(pathToFileURL(pagePath).href);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { round, code, option, shares, nonce } = JSON.parse(input);
const commitment = await B.commit(Uint32Array.from(shares), Uint8Array.from(Buffer.from(nonce, 'hex')));
const canonical = B.normalizeCode(code);
const bodies = await B.makeBallot(round, canonical, option, B.newSubmissionId());
process.stdout.write(JSON.stringify({ commitment, canonical, bodies }));
