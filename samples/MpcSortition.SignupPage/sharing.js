// The volunteer's encoding and secret sharing, exactly as MpcSortition.Selection.Intake does it in C#
// (IntakeContribution.Create, ContactBlock.Encode, InvitationCode.TryNormalize, Submission.StoredDigest).
// No DOM and no network here: the page imports it, and so do the cross-language tests under node.

export const FORMAT = 1;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 17;
const encoder = new TextEncoder();

/** Fills a typed array with cryptographically strong random values (the browser's or node's Web Crypto). */
export function secureFill(array) {
  return globalThis.crypto.getRandomValues(array);
}

// ---- participation codes (Crockford base32 with a GF(32) check character) --------------------------------

function gfMultiply(a, b) {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if ((b >> i) & 1) result ^= a;
    a <<= 1;
    if (a & 32) a ^= 0b100101; // x^5 + x^2 + 1
  }
  return result;
}

const EXP = (() => {
  const exp = [];
  let x = 1;
  for (let i = 0; i < 31; i++) { exp.push(x); x = gfMultiply(x, 2); }
  return exp;
})();

function checkDigit(digits) {
  let c = 0;
  for (let i = 0; i < digits.length; i++) c ^= gfMultiply(EXP[i % 31], digits[i]);
  return c;
}

function digitOf(ch) {
  const c = ch.toUpperCase();
  if (c === 'I' || c === 'L') return 1;
  if (c === 'O') return 0;
  if (c === 'U' || c.length !== 1) return -1;
  return ALPHABET.indexOf(c);
}

/**
 * Reads a typed code as the providers do: ignores case, spaces and hyphens, reads I and L as 1 and O as 0, and checks
 * the length and the check character. Returns the canonical 17 characters, or null.
 */
export function normalizeCode(typed) {
  if (typeof typed !== 'string' || typed.length > 64) return null;
  const digits = [];
  for (const ch of typed) {
    if (ch === '-' || ch === ' ') continue;
    const d = digitOf(ch);
    if (d < 0 || digits.length === CODE_LENGTH) return null;
    digits.push(d);
  }
  if (digits.length !== CODE_LENGTH || checkDigit(digits.slice(0, 16)) !== digits[16]) return null;
  return digits.map((d) => ALPHABET[d]).join('');
}

/** The code in groups of four, as printed on letters: ABCD-EFGH-JKMN-PQRS-T. */
export function formatCode(canonical) {
  return canonical.replace(/(.{4})(?=.)/g, '$1-');
}

// ---- the one-hot row ------------------------------------------------------------------------------------

/** V: the total number of answers over all questions (the length of a row). */
export function valueCount(round) {
  return round.features.reduce((n, f) => n + f.values.length, 0);
}

/**
 * The one-hot row: for each question in round order, one word per answer, 1 for the chosen answer and 0 otherwise.
 * `answers[f]` is the index of the chosen answer of question f.
 */
export function oneHotRow(round, answers) {
  if (!Array.isArray(answers) || answers.length !== round.features.length) {
    throw new RangeError(`Give ${round.features.length} answers, one per question.`);
  }
  const row = new Uint32Array(valueCount(round));
  let offset = 0;
  round.features.forEach((feature, f) => {
    const a = answers[f];
    if (!Number.isInteger(a) || a < 0 || a >= feature.values.length) {
      throw new RangeError(`The answer to '${feature.name}' must be 0..${feature.values.length - 1}.`);
    }
    row[offset + a] = 1;
    offset += feature.values.length;
  });
  return row;
}

// ---- the contact block ----------------------------------------------------------------------------------

/** L: the fixed length of the contact block in bytes. */
export function contactLength(round) {
  return round.contactFields.reduce((n, c) => n + c.bytes, 0);
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/** Bytes of a text in UTF-8 (a lone surrogate counts as U+FFFD, as in .NET). */
export function utf8Length(text) {
  return encoder.encode(text).length;
}

/** Why a contact text cannot be sent (a sentence for the volunteer), or null when it fits its field. */
export function contactProblem(field, text) {
  if (CONTROL.test(text)) return `The ${field.label} contains a character that cannot be sent (a control character).`;
  const n = utf8Length(text);
  if (n > field.bytes) return `The ${field.label} is too long: at most ${field.bytes} bytes; this is ${n}. Please shorten it.`;
  return null;
}

/** The contact block: each field's UTF-8 bytes padded with zero bytes to its fixed length, fields in round order. */
export function encodeContact(round, values) {
  if (!Array.isArray(values) || values.length !== round.contactFields.length) {
    throw new RangeError(`Give ${round.contactFields.length} contact values, one per field.`);
  }
  const block = new Uint8Array(contactLength(round));
  let offset = 0;
  round.contactFields.forEach((field, i) => {
    const text = values[i] ?? '';
    const problem = contactProblem(field, text);
    if (problem) throw new RangeError(problem);
    block.set(encoder.encode(text), offset);
    offset += field.bytes;
  });
  return block;
}

/** Reads a block back into its texts (trailing zero bytes removed). */
export function decodeContact(round, block) {
  const decoder = new TextDecoder();
  let offset = 0;
  return round.contactFields.map((field) => {
    const bytes = block.subarray(offset, offset + field.bytes);
    offset += field.bytes;
    const end = bytes.indexOf(0);
    return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
  });
}

// ---- sharing --------------------------------------------------------------------------------------------

/** Three additive shares mod 2^32: shares 1 and 2 uniformly random, share 0 = row − s1 − s2. */
export function splitRow(row, fill = secureFill) {
  const s1 = fill(new Uint32Array(row.length));
  const s2 = fill(new Uint32Array(row.length));
  const s0 = new Uint32Array(row.length);
  for (let i = 0; i < row.length; i++) s0[i] = (row[i] - s1[i] - s2[i]) >>> 0;
  return [s0, s1, s2];
}

/** The sum of additive shares mod 2^32. */
export function combineRow(shares) {
  const row = new Uint32Array(shares[0].length);
  for (const s of shares) for (let i = 0; i < row.length; i++) row[i] = (row[i] + s[i]) >>> 0;
  return row;
}

/** Three XOR shares: shares 1 and 2 uniformly random, share 0 = block ⊕ s1 ⊕ s2. */
export function splitContact(block, fill = secureFill) {
  const s1 = fill(new Uint8Array(block.length));
  const s2 = fill(new Uint8Array(block.length));
  const s0 = new Uint8Array(block.length);
  for (let i = 0; i < block.length; i++) s0[i] = block[i] ^ s1[i] ^ s2[i];
  return [s0, s1, s2];
}

/** The XOR of shares. */
export function combineContact(shares) {
  const block = new Uint8Array(shares[0].length);
  for (const s of shares) for (let i = 0; i < block.length; i++) block[i] ^= s[i];
  return block;
}

/** Standard base64 with padding. */
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** Lower-case hex. */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A fresh 128-bit submission id: 32 hex digits. */
export function newSubmissionId(fill = secureFill) {
  return toHex(fill(new Uint8Array(16)));
}

/**
 * The three request bodies of one sign-up (wire format 1): the same code and submission id for all three, provider i
 * gets share i of the row and of the contact block. `code` must be canonical (see normalizeCode).
 */
export function makeSubmissions(round, code, answers, contact, submissionId, fill = secureFill) {
  const row = oneHotRow(round, answers);
  const block = encodeContact(round, contact);
  const rows = splitRow(row, fill);
  const blocks = splitContact(block, fill);
  row.fill(0);
  block.fill(0);
  return [0, 1, 2].map((party) => ({
    format: FORMAT,
    round: round.roundId,
    party,
    code,
    submission: submissionId,
    row: Array.from(rows[party]),
    contact: toBase64(blocks[party]),
  }));
}

/** The body of a withdrawal (the same for the three providers). */
export function makeWithdrawal(round, code) {
  return { format: FORMAT, round: round.roundId, code };
}

// ---- what the receipts sign -----------------------------------------------------------------------------

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/** The code's salted hash as the providers store it: HMAC-SHA-256(salt, "MpcSortition.code.v1:" ‖ code), hex. */
export async function codeHash(round, canonicalCode) {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', hexToBytes(round.invitation.codeSalt), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await subtle.sign('HMAC', key, encoder.encode(`MpcSortition.code.v1:${canonicalCode}`));
  return toHex(new Uint8Array(mac));
}

/** SHA-256 of what provider `body.party` stores for this body, as its receipt's storedSha256 must say. */
export async function storedSha256(body, hashOfCode) {
  const head = encoder.encode(`MpcSortition.stored.v1\n${body.round}\n${body.party}\n${hashOfCode}\n${body.submission}\n`);
  const row = new Uint8Array(body.row.length * 4);
  const view = new DataView(row.buffer);
  body.row.forEach((x, i) => view.setUint32(4 * i, x, true));
  const contact = Uint8Array.from(atob(body.contact), (c) => c.charCodeAt(0));
  const all = new Uint8Array(head.length + row.length + contact.length);
  all.set(head, 0);
  all.set(row, head.length);
  all.set(contact, head.length + row.length);
  return toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', all)));
}

// ---- inclusion proofs (docs/verifiability.md, "Submission tree and receipts") ---------------------------

async function sha256(parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', all));
}

/**
 * The root (64 upper-case hex digits) that a provider's inclusion proof {submissionId, codeHash, leafIndex, treeSize,
 * path} leads to (RFC 9162 audit path; leaf = SHA-256(0 ‖ "MpcSortition.submission.v1" ‖ code hash ‖ len32 ‖ id),
 * node = SHA-256(1 ‖ left ‖ right)), or null when the proof does not fit its position and size.
 */
export async function rootFromProof(proof) {
  const hex64 = /^[0-9a-fA-F]{64}$/;
  if (!proof || !Number.isInteger(proof.leafIndex) || !Number.isInteger(proof.treeSize) || proof.leafIndex < 0
    || proof.leafIndex >= proof.treeSize || !hex64.test(proof.codeHash) || !Array.isArray(proof.path)
    || !proof.path.every((h) => hex64.test(h)) || typeof proof.submissionId !== 'string') return null;
  const id = encoder.encode(proof.submissionId);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, id.length, true);
  let r = await sha256([Uint8Array.of(0), encoder.encode('MpcSortition.submission.v1'), hexToBytes(proof.codeHash), length, id]);
  let fn = proof.leafIndex;
  let sn = proof.treeSize - 1;
  for (const h of proof.path) {
    if (sn === 0) return null;
    const sibling = hexToBytes(h);
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256([Uint8Array.of(1), sibling, r]);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await sha256([Uint8Array.of(1), r, sibling]);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? toHex(r).toUpperCase() : null;
}

// ---- Design 2: the person key (docs/design2.md §3, PersonKey in C#) ----------------------------------------
// Not yet sent by the page: the wire format has no field for it (docs/design2.md §8). These functions compute
// exactly what MpcSortition.Selection.Records.PersonKey computes, so that a later wire-format addition can send
// each provider its share of the key.

const SPELLED = { 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'þ': 'th' };

/**
 * PersonKey.Normalise: NFKD, combining marks removed, lower case, ß/æ/œ/ø/ł/đ/þ spelled out, every other character
 * that is not a letter or decimal digit a space, white space collapsed and trimmed, and a single letter after a word
 * ending in a digit joined to it ("12 A" → "12a"). Works on UTF-16 code units, as the C# does.
 */
export function normalisePerson(text) {
  const decomposed = String(text).normalize('NFKD');
  let plain = '';
  for (let i = 0; i < decomposed.length; i++) {
    const c = decomposed[i];
    if (/\p{M}/u.test(c)) continue;
    const mapped = c.toLowerCase();
    const lower = mapped.length === 1 ? mapped : c; // simple case mapping only, as char.ToLowerInvariant
    const spelled = SPELLED[lower];
    if (spelled !== undefined) plain += spelled;
    else plain += /[\p{L}\p{Nd}]/u.test(lower) ? lower : ' ';
  }

  const words = plain.split(' ').filter((w) => w.length > 0);
  let result = '';
  for (let i = 0; i < words.length; i++) {
    const houseLetter = i > 0 && words[i].length === 1 && /\p{L}/u.test(words[i]) && /\p{Nd}/u.test(words[i - 1].slice(-1));
    if (i > 0 && !houseLetter) result += ' ';
    result += words[i];
  }

  return result;
}

/**
 * PersonKey.Compute as its two 32-bit words [high, low]: the first 64 bits (big-endian) of
 * HMAC-SHA-256(round salt, "MpcSortition.person.v1\n" ‖ name ‖ "\n" ‖ address), both normalised. Throws when the name
 * or the address is empty after normalisation.
 */
export async function personKeyWords(round, name, address) {
  const n = normalisePerson(name);
  const a = normalisePerson(address);
  if (n.length === 0) throw new Error('The name is empty after normalisation.');
  if (a.length === 0) throw new Error('The address is empty after normalisation.');
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', hexToBytes(round.invitation.codeSalt), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new DataView(await subtle.sign('HMAC', key, encoder.encode(`MpcSortition.person.v1\n${n}\n${a}`)));
  return [mac.getUint32(0, false), mac.getUint32(4, false)];
}

/** The three providers' additive shares of the person key's two words (PersonKey.Share). */
export async function personKeyShares(round, name, address, fill = secureFill) {
  return splitRow(await personKeyWords(round, name, address), fill);
}
