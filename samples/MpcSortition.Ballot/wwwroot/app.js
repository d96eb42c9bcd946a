// The ballot page: loads config.json and the round, renders one question, validates, splits the vote in the browser
// (ballot.js), sends one body to each counter, shows each counter's answer and receipt, and lets the voter change or
// withdraw the vote until the deadline. Nothing is logged or kept in storage.
import { normalizeCode, makeBallot, makeWithdrawal, newSubmissionId } from './ballot.js';

const app = document.getElementById('app');
const loading = document.getElementById('loading');
let counters = [];
let round = null;
let code = '';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) e.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, String(v));
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function post(counter, path, body) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 15000);
  try {
    const r = await fetch(new URL(path, counter.url), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: ctrl.signal, referrerPolicy: 'no-referrer',
    });
    const json = await r.json().catch(() => ({}));
    if (r.ok) return { ok: true, receipt: json.receipt };
    if (r.status === 429 || r.status >= 500) return { ok: false, unreachable: true };
    return { ok: false, error: json.error ?? { code: 'unknown', message: `The counter answered ${r.status}.` } };
  } catch {
    return { ok: false, unreachable: true };
  } finally {
    clearTimeout(timer);
  }
}

function showClosed(message) {
  app.replaceChildren(el('p', { class: 'closed', id: 'closed', role: 'status' }, message));
}

function deadlineText() {
  const d = new Date(round.deadlineUtc);
  return d.toLocaleString('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' }) + ' UTC';
}

function renderForm(message) {
  const options = round.options.map((o, k) => el('div', { class: 'choice' },
    el('input', { type: 'radio', name: 'option', id: `o${k}`, value: k, 'aria-describedby': 'options-error' }),
    el('label', { for: `o${k}` }, o.label)));
  const form = el('form', { id: 'ballot', novalidate: true },
    el('p', {}, `Voting closes on ${deadlineText()}. You can change your vote until then; the last one counts.`),
    el('div', { class: 'field' },
      el('label', { for: 'code' }, 'Voter code'),
      el('p', { class: 'hint', id: 'code-hint' }, 'The 17 characters on your letter, for example ABCD-EFGH-JKMN-PQRS-T.'),
      el('input', { type: 'text', id: 'code', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'code-hint code-error', value: code }),
      el('p', { class: 'error', id: 'code-error' })),
    el('fieldset', { id: 'options' }, el('legend', {}, round.question), ...options, el('p', { class: 'error', id: 'options-error' })),
    el('button', { type: 'submit', id: 'cast' }, 'Cast my vote'));
  app.replaceChildren(...(message ? [el('p', { class: 'problem', role: 'alert' }, message)] : []), form);
  form.addEventListener('submit', (e) => { e.preventDefault(); cast(); });
}

function fieldError(input, errorId, message) {
  const error = document.getElementById(errorId);
  error.textContent = message ?? '';
  if (input instanceof HTMLFieldSetElement) {
    input.classList.toggle('invalid', Boolean(message));
    for (const r of input.querySelectorAll('input')) r.setAttribute('aria-invalid', message ? 'true' : 'false');
  } else {
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
  }
}

async function cast() {
  const codeInput = document.getElementById('code');
  const fieldset = document.getElementById('options');
  const chosen = document.querySelector('input[name=option]:checked');
  const canonical = normalizeCode(codeInput.value);
  fieldError(codeInput, 'code-error', canonical ? null : 'Enter the 17-character voter code from your letter.');
  fieldError(fieldset, 'options-error', chosen ? null : 'Choose one option.');
  if (!canonical) { codeInput.focus(); return; }
  if (!chosen) { fieldset.querySelector('input').focus(); return; }
  code = canonical;
  const bodies = await makeBallot(round, canonical, Number(chosen.value), newSubmissionId());
  await send(bodies);
}

async function send(bodies, previous = [null, null, null]) {
  const results = await Promise.all(counters.map((c, i) => previous[i]?.ok ? previous[i] : post(c, '/api/v1/ballots', bodies[i])));
  const refused = results.find((r) => r.error);
  if (refused && ['invalid_code', 'unknown_code'].includes(refused.error.code)) {
    renderForm();
    fieldError(document.getElementById('code'), 'code-error', refused.error.message);
    document.getElementById('code').focus();
    return;
  }
  if (refused && refused.error.code === 'closed') { showClosed(refused.error.message); return; }
  const all = results.every((r) => r.ok);
  const list = el('ul', { class: 'counters' }, ...results.map((r, i) => el('li', { class: r.ok ? 'ok' : 'failed', id: `counter-${i}` },
    r.ok ? `${counters[i].name}: received at ${r.receipt.timeUtc}` : r.unreachable ? `${counters[i].name} did not answer.` : `${counters[i].name}: ${r.error.message}`)));
  const title = el('h2', { id: 'outcome-title', tabindex: '-1' }, all ? 'Your vote was received by all three counters' : 'Your vote does not count yet');
  const parts = [title, list];
  if (!all) {
    parts.push(el('p', { class: 'problem' }, 'A vote counts only when all three counters have it. Send it again to the counters that did not answer.'));
    const retry = el('button', { type: 'button', id: 'retry' }, 'Send again');
    retry.addEventListener('click', () => send(bodies, results));
    parts.push(retry);
  }
  parts.push(el('h3', {}, 'Your receipts'),
    el('p', {}, 'Each counter signed what it stored. A receipt holds neither your code nor your vote.'),
    el('pre', { class: 'receipt', id: 'receipts' }, JSON.stringify(results.filter((r) => r.ok).map((r) => r.receipt), null, 1)));
  const change = el('button', { type: 'button', id: 'change' }, 'Change my vote');
  change.addEventListener('click', () => { renderForm(); document.getElementById('code').focus(); });
  const withdraw = el('button', { type: 'button', class: 'secondary', id: 'withdraw' }, 'Withdraw my vote');
  withdraw.addEventListener('click', () => confirmWithdraw(withdraw));
  parts.push(change, withdraw);
  app.replaceChildren(el('section', { id: 'outcome', 'aria-labelledby': 'outcome-title' }, ...parts));
  title.focus();
}

function confirmWithdraw(button) {
  const yes = el('button', { type: 'button', id: 'withdraw-yes' }, 'Yes, withdraw my vote (I abstain)');
  yes.addEventListener('click', async () => {
    const results = await Promise.all(counters.map((c) => post(c, '/api/v1/withdrawals', makeWithdrawal(round, code))));
    const done = results.every((r) => r.ok || r.error?.code === 'nothing_stored');
    const title = el('h2', { id: 'outcome-title', tabindex: '-1' }, done ? 'Your vote was withdrawn: you abstain' : 'Your vote was not withdrawn everywhere');
    app.replaceChildren(el('section', { id: 'outcome', 'aria-labelledby': 'outcome-title' }, title,
      el('ul', { class: 'counters' }, ...results.map((r, i) => el('li', { class: r.ok || r.error?.code === 'nothing_stored' ? 'ok' : 'failed' },
        `${counters[i].name}: ${r.ok ? 'withdrawn' : r.unreachable ? 'did not answer' : r.error.message}`)))));
    title.focus();
  });
  button.replaceWith(el('p', { role: 'status' }, 'Withdrawing deletes your vote at all three counters. '), yes);
  yes.focus();
}

async function start() {
  try {
    const params = new URLSearchParams(location.search);
    code = params.get('code') ?? '';
    if (params.has('code')) history.replaceState(null, '', location.pathname);
    counters = (await (await fetch('config.json')).json()).counters;
    const rounds = await Promise.all(counters.map((c) => fetch(new URL('/api/v1/round', c.url)).then((r) => r.text())));
    if (rounds.some((r) => r !== rounds[0])) throw new Error('The three counters publish different votes.');
    round = JSON.parse(rounds[0]);
    document.getElementById('title').textContent = round.title;
    document.title = round.title;
    const statuses = await Promise.all(counters.map((c) => fetch(new URL('/api/v1/status', c.url)).then((r) => r.json())));
    loading.hidden = true;
    app.hidden = false;
    if (statuses.some((s) => !s.open)) showClosed(`Voting closed on ${deadlineText()}; no ballot can be cast, changed or withdrawn after that.`);
    else renderForm();
  } catch (e) {
    loading.textContent = `The ballot could not be loaded: ${e.message}`;
    loading.className = 'problem';
  }
}

start();
