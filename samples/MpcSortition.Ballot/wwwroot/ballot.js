// The voter's side of a ballot, without DOM or network (node imports it too): the one-hot ballot, its three additive
// shares mod 2^32, a nonce and a Pedersen commitment per share, and the three request bodies (counter i gets shares i
// and i - 1). Mirrors BallotContribution and ShareCommitment in C# (docs/voting.md).

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** RFC 7919 ffdhe2048. */
export const P = BigInt('0xffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617ad3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797abc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f619172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff');

/** Crockford reading of a typed voter code: case, spaces and hyphens ignored, I/L read as 1, O as 0; null if not 17 symbols. */
export function normalizeCode(typed) {
  const s = String(typed ?? '').toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (s.length !== 17) return null;
  for (const c of s) if (!ALPHABET.includes(c)) return null;
  return s;
}

export function secureFill(array) {
  return crypto.getRandomValues(array);
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function bigFromBytes(bytes) {
  return bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes));
}

function modpow(base, exponent, m) {
  let r = 1n;
  let b = base % m;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

let generators = null;

/** g and h: SHA-256("MpcSortition.ballot.generator.v1:" + name + ":" + i), i = 0..7, big-endian, mod p, squared. */
export async function loadGenerators() {
  if (generators) return generators;
  const make = async (name) => {
    const parts = [];
    for (let i = 0; i < 8; i++) {
      const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`MpcSortition.ballot.generator.v1:${name}:${i}`));
      parts.push(...new Uint8Array(d));
    }
    const x = bigFromBytes(Uint8Array.from(parts)) % P;
    return (x * x) % P;
  };
  generators = { g: await make('g'), h: await make('h') };
  return generators;
}

/** sigma = sum of s[k] * 2^(64k). */
export function pack(shares) {
  let sigma = 0n;
  for (let k = shares.length - 1; k >= 0; k--) sigma = (sigma << 64n) + BigInt(shares[k] >>> 0);
  return sigma;
}

/** The commitment to one share column, 512 hex digits. */
export async function commit(shares, nonce) {
  const { g, h } = await loadGenerators();
  const c = (modpow(g, pack(shares), P) * modpow(h, bigFromBytes(nonce), P)) % P;
  return c.toString(16).padStart(512, '0');
}

/** The three shares of a one-hot ballot for option k of m: shares 1 and 2 uniform, share 0 = x - s1 - s2 mod 2^32. */
export function splitBallot(m, option, fill = secureFill) {
  const s1 = fill(new Uint32Array(m));
  const s2 = fill(new Uint32Array(m));
  const s0 = new Uint32Array(m);
  for (let k = 0; k < m; k++) s0[k] = ((k === option ? 1 : 0) - s1[k] - s2[k]) >>> 0;
  return [s0, s1, s2];
}

export function newSubmissionId(fill = secureFill) {
  return toHex(fill(new Uint8Array(16)));
}

/** The three request bodies of one ballot (counter i: columns i and i - 1, all three commitments). */
export async function makeBallot(round, canonicalCode, option, submissionId, fill = secureFill) {
  const m = round.options.length;
  const shares = splitBallot(m, option, fill);
  const nonces = [0, 1, 2].map(() => fill(new Uint8Array(32)));
  const commitments = [];
  for (let j = 0; j < 3; j++) commitments.push(await commit(shares[j], nonces[j]));
  const column = (j) => ({ column: j, shares: Array.from(shares[j]), nonce: toHex(nonces[j]) });
  const bodies = [0, 1, 2].map((i) => ({
    format: 1, round: round.roundId, party: i, code: canonicalCode, submission: submissionId,
    columns: [column(i), column((i + 2) % 3)], commitments,
  }));
  for (const s of shares) s.fill(0);
  return bodies;
}

export function makeWithdrawal(round, canonicalCode) {
  return { format: 1, round: round.roundId, code: canonicalCode };
}
