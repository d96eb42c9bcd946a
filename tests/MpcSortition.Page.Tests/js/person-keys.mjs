// Run by PersonKeyVectorTests under node: reads {round, cases: [[name, address], …]} as JSON on stdin and writes, per
// case, the page's normalised name and address, the key's two words and the three shares it makes of them (fresh
// randomness), or the error for a name or address that is empty after normalisation.
import { pathToFileURL } from 'node:url';

const [pagePath] = process.argv.slice(2);
const S = await import(pathToFileURL(pagePath).href);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { round, cases } = JSON.parse(input);
const out = [];
for (const [name, address] of cases) {
  const entry = { name: S.normalisePerson(name), address: S.normalisePerson(address) };
  try {
    entry.words = await S.personKeyWords(round, name, address);
    entry.shares = (await S.personKeyShares(round, name, address)).map((s) => Array.from(s));
  } catch (e) {
    entry.error = e.message;
  }

  out.push(entry);
}

process.stdout.write(JSON.stringify(out));
