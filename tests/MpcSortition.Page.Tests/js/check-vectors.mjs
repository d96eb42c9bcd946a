// Run by VectorTests under node: checks the sign-up page's sharing.js against the fixed vectors in vectors.json (the
// same file the C# test checks against the library), and that shares made with a fixed random source put back
// together. Prints "N vectors ok" and exits 0, or prints the first mismatch and exits 1.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [pagePath, vectorsPath] = process.argv.slice(2);
const S = await import(pathToFileURL(pagePath).href);
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8'));
let checked = 0;
function expectEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    console.log(`MISMATCH ${what}: page ${a}, vector ${e}`);
    process.exit(1);
  }
  checked++;
}

for (const c of vectors.codes) expectEqual(S.normalizeCode(c.typed), c.canonical, `code ${JSON.stringify(c.typed)}`);

for (const v of vectors.encodings) {
  const round = vectors.rounds[v.round];
  expectEqual(Array.from(S.oneHotRow(round, v.answers)), v.row, `row of ${v.name}`);
  if (v.contactProblem) {
    let refused = false;
    try { S.encodeContact(round, v.contact); } catch { refused = true; }
    expectEqual(refused, true, `contact of ${v.name} refused`);
  } else {
    expectEqual(S.toHex(S.encodeContact(round, v.contact)), v.block, `block of ${v.name}`);
    expectEqual(S.decodeContact(round, S.encodeContact(round, v.contact)), v.contact, `decoded block of ${v.name}`);
  }
}

// A deterministic "random" source: the shares are then fixed, and the vector file holds what C# computes from them.
for (const s of vectors.sharings) {
  const round = vectors.rounds[s.round];
  let counter = s.fillSeed;
  const fill = (a) => { for (let i = 0; i < a.length; i++) { counter = (Math.imul(counter, 1103515245) + 12345) >>> 0; a[i] = a instanceof Uint8Array ? counter >>> 24 : counter; } return a; };
  const bodies = S.makeSubmissions(round, s.code, s.answers, s.contact, s.submission, fill);
  expectEqual(bodies.map((b) => b.row), s.rows, `share rows of ${s.name}`);
  expectEqual(bodies.map((b) => b.contact), s.contacts, `contact shares of ${s.name}`);
  expectEqual(Array.from(S.combineRow(bodies.map((b) => Uint32Array.from(b.row)))), s.row, `recombined row of ${s.name}`);
  const hash = await S.codeHash(round, s.code);
  expectEqual(hash, s.codeHash, `code hash of ${s.name}`);
  expectEqual(await Promise.all(bodies.map((b) => S.storedSha256(b, hash))), s.digests, `stored digests of ${s.name}`);
}

console.log(`${checked} vectors ok`);
