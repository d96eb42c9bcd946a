// The sign-up page: renders the published round, checks every field, splits the answers in this browser
// (sharing.js) and sends one part to each of the three providers named in config.json. Everything shown comes from
// the round or the providers and is inserted as text, never as HTML.
import * as S from './sharing.js';

const TIMEOUT_MS = 15000;
const ui = {};
const state = { providers: [], round: null, closed: false, pending: null, shown: false };

// ---- small DOM helpers ----------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function say(message) {
  ui.status.textContent = '';
  // A fresh text node so that screen readers announce a repeated message too.
  setTimeout(() => { ui.status.textContent = message; }, 50);
}

function fatal(message) {
  document.getElementById('loading').remove();
  const app = document.getElementById('app');
  app.replaceChildren(el('p', { class: 'problem', role: 'alert', text: message }));
  app.hidden = false;
}

// ---- talking to the providers ---------------------------------------------------------------------------

async function getJson(url) {
  const r = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), cache: 'no-store', credentials: 'omit' });
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.json();
}

/** One POST: {kind:'ok', receipt} | {kind:'refused', code, message} | {kind:'unreachable', message}. */
async function post(provider, path, body) {
  let r;
  try {
    r = await fetch(provider.url + path, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS), cache: 'no-store', credentials: 'omit',
    });
  } catch {
    return { kind: 'unreachable', message: null };
  }
  let json = null;
  try { json = await r.json(); } catch { json = null; }
  if ((r.status === 200 || r.status === 201) && json && json.receipt) return { kind: 'ok', receipt: json.receipt };
  const error = json && json.error ? json.error : { code: `http_${r.status}`, message: null };
  if (r.status === 429 || r.status >= 500) return { kind: 'unreachable', message: error.message };
  return { kind: 'refused', code: error.code, message: error.message || `It answered with status ${r.status}.` };
}

// ---- start-up -------------------------------------------------------------------------------------------

function readConfig(config) {
  const list = config && Array.isArray(config.providers) ? config.providers : [];
  if (list.length !== 3) throw new Error('config.json must name exactly three providers.');
  return list.map((p, i) => {
    const url = new URL(p.url);
    if (url.protocol !== 'https:') throw new Error('Every provider URL in config.json must start with https://.');
    return { name: typeof p.name === 'string' && p.name ? p.name : `Provider ${i}`, url: url.origin };
  });
}

function checkRound(round) {
  const ok = round && round.format === S.FORMAT && /^[0-9a-f]{32}$/.test(round.roundId) && Array.isArray(round.features)
    && round.features.length > 0 && round.features.every((f) => Array.isArray(f.values) && f.values.length > 0)
    && Array.isArray(round.contactFields) && round.contactFields.every((c) => Number.isInteger(c.bytes) && c.bytes > 0)
    && round.invitation && /^([0-9a-f]{2})+$/i.test(round.invitation.codeSalt) && !Number.isNaN(Date.parse(round.deadlineUtc));
  if (!ok) throw new Error('bad round');
  return round;
}

async function start() {
  try {
    state.providers = readConfig(await getJson('config.json'));
  } catch (e) {
    fatal(`This page is not set up correctly (config.json: ${e.message}). Please tell the organisers.`);
    return;
  }
  const rounds = await Promise.allSettled(state.providers.map((p) => getJson(`${p.url}/api/v1/round`)));
  const got = rounds.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  if (got.length === 0) {
    fatal(`The sign-up form could not be loaded: none of the three services (${state.providers.map((p) => p.name).join(', ')}) answered. Please try again later.`);
    return;
  }
  if (got.some((r) => JSON.stringify(r) !== JSON.stringify(got[0]))) {
    fatal('The three services do not publish the same sign-up round, so nothing can be sent safely. Please tell the organisers.');
    return;
  }
  try {
    state.round = checkRound(got[0]);
  } catch {
    fatal('The sign-up round published by the services cannot be read by this page. Please reload the page or tell the organisers.');
    return;
  }
  render();
  const statuses = await Promise.allSettled(state.providers.map((p) => getJson(`${p.url}/api/v1/status`)));
  if (statuses.some((s) => s.status === 'fulfilled' && s.value.open === false)) setClosed(null);
  scheduleDeadline();
}

// ---- rendering ------------------------------------------------------------------------------------------

function deadlineText(round) {
  const d = new Date(round.deadlineUtc);
  const utc = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(d);
  return `${utc} UTC`;
}

function inputType(field) {
  const n = field.name.toLowerCase();
  if (n.includes('email') || n.includes('e-mail')) return 'email';
  if (n.includes('phone') || n.includes('tel')) return 'tel';
  return 'text';
}

function autocomplete(field) {
  const n = field.name.toLowerCase();
  if (n === 'name' || n === 'fullname' || n === 'full_name') return 'name';
  if (n.includes('email')) return 'email';
  if (n.includes('phone') || n.includes('tel')) return 'tel';
  if (n.includes('address')) return 'street-address';
  return 'off';
}

function render() {
  const round = state.round;
  document.title = `Sign up: ${round.title}`;
  document.getElementById('title').textContent = round.title;
  const codeFromLetter = new URLSearchParams(location.search).get('code');
  if (codeFromLetter !== null) history.replaceState(null, '', location.pathname); // keep the code out of history and bookmarks

  ui.status = el('p', { id: 'status', class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  ui.deadline = el('p', { id: 'deadline', class: 'notice' }, `Sign-up closes on ${deadlineText(round)}. Until then you can change your answers or withdraw.`);
  ui.closed = el('p', { id: 'closed', class: 'closed', role: 'alert', hidden: true });
  ui.summary = el('div', { id: 'summary', class: 'summary', tabindex: '-1', 'aria-live': 'assertive' });

  const code = el('input', {
    id: 'code', name: 'code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    'aria-describedby': 'code-hint code-error', value: codeFromLetter ?? '',
  });
  const codeField = el('div', { class: 'field' },
    el('label', { for: 'code', text: 'Participation code' }),
    el('p', { id: 'code-hint', class: 'hint', text: 'It is on your invitation letter: 17 characters, for example ABCD-EFGH-JKMN-PQRS-T.' }),
    code,
    el('p', { id: 'code-error', class: 'error' }));

  const questions = round.features.map((feature, f) => {
    const errorId = `q${f}-error`;
    return el('fieldset', { id: `q${f}`, 'aria-describedby': errorId },
      el('legend', { text: feature.question }),
      feature.values.map((value, v) => el('div', { class: 'choice' },
        el('input', { type: 'radio', id: `q${f}-${v}`, name: `q${f}`, value: String(v), 'aria-describedby': errorId }),
        el('label', { for: `q${f}-${v}`, text: value.label }))),
      el('p', { id: errorId, class: 'error' }));
  });

  const contacts = el('fieldset', { id: 'contact' },
    el('legend', { text: 'How we can reach you if you are selected' }),
    el('p', { class: 'hint', text: 'These details are opened only if you are selected, and only for the organiser.' }),
    round.contactFields.map((field, i) => el('div', { class: 'field' },
      el('label', { for: `c${i}`, text: field.label }),
      el('input', { id: `c${i}`, name: `c${i}`, type: inputType(field), autocomplete: autocomplete(field), 'aria-describedby': `c${i}-error`, spellcheck: 'false' }),
      el('p', { id: `c${i}-error`, class: 'error' }))));

  ui.send = el('button', { type: 'submit', id: 'send', text: 'Send my answers' });
  ui.form = el('form', { id: 'signup', novalidate: true, 'aria-labelledby': 'form-title', onsubmit: onSubmit },
    el('h2', { id: 'form-title', text: 'Your answers' }),
    el('p', { text: 'Please answer every question. If you have signed up before, sending the form again replaces your earlier answers.' }),
    codeField, questions, contacts, ui.send);

  ui.outcome = el('section', { id: 'outcome', 'aria-labelledby': 'outcome-title', hidden: true });
  ui.countedResult = el('div', { id: 'counted-result', tabindex: '-1' });
  ui.counted = el('section', { id: 'counted', 'aria-labelledby': 'counted-title', hidden: true },
    el('h2', { id: 'counted-title', text: 'Was my sign-up counted?' }),
    el('p', { text: 'After the close, each service publishes a fingerprint of all the sign-ups it accepted. This page asks each service for the proof that yours is among them and checks it here. Your code is sent only in the request body, as when you signed up.' }),
    el('div', { class: 'field' },
      el('label', { for: 'counted-code', text: 'Participation code' }),
      el('input', { id: 'counted-code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', 'aria-describedby': 'counted-code-error' }),
      el('p', { id: 'counted-code-error', class: 'error' })),
    el('button', { type: 'button', id: 'counted-check', text: 'Check', onclick: onCheckCounted }),
    ui.countedResult);

  ui.withdrawConfirm = el('div', { id: 'withdraw-confirm', hidden: true },
    el('p', { text: 'Withdraw now? Your answers and contact details will be deleted at all three services.' }),
    el('button', { type: 'button', id: 'withdraw-yes', text: 'Yes, withdraw', onclick: onWithdraw }),
    el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => { ui.withdrawConfirm.hidden = true; ui.withdrawButton.focus(); } }));
  ui.withdrawButton = el('button', { type: 'button', id: 'withdraw', class: 'secondary', text: 'Withdraw my sign-up', onclick: () => {
    if (!checkCodeOnly()) return;
    ui.withdrawConfirm.hidden = false;
    document.getElementById('withdraw-yes').focus();
  } });
  ui.withdraw = el('section', { id: 'withdrawal', 'aria-labelledby': 'withdraw-title' },
    el('h2', { id: 'withdraw-title', text: 'Withdraw' }),
    el('p', { text: 'If you no longer want to take part, you can withdraw until the deadline, with the participation code from your letter (the one in the form above). Your answers and contact details are then deleted at all three services.' }),
    ui.withdrawButton, ui.withdrawConfirm);

  const app = document.getElementById('app');
  app.replaceChildren(ui.deadline, ui.closed, ui.status, ui.summary, ui.outcome, ui.form, ui.withdraw, ui.counted);
  document.getElementById('loading').remove();
  app.hidden = false;
  // After a first attempt, messages follow what is typed (on input, not on blur: a message vanishing on blur would
  // move the send button away from under the pointer).
  for (const input of ui.form.querySelectorAll('input')) {
    input.addEventListener(input.type === 'radio' ? 'change' : 'input', () => { if (state.shown) validate(); });
  }
}

// ---- validation -----------------------------------------------------------------------------------------

function setFieldError(id, message) {
  const error = document.getElementById(`${id}-error`);
  error.textContent = message ?? '';
  const target = document.getElementById(id);
  if (target.tagName === 'FIELDSET') {
    target.classList.toggle('invalid', !!message);
    for (const r of target.querySelectorAll('input')) {
      if (message) r.setAttribute('aria-invalid', 'true');
      else r.removeAttribute('aria-invalid');
    }
  } else if (message) target.setAttribute('aria-invalid', 'true');
  else target.removeAttribute('aria-invalid');
}

function codeProblem() {
  const typed = document.getElementById('code').value.trim();
  if (!typed) return 'Enter the participation code from your invitation letter.';
  if (!S.normalizeCode(typed)) return 'This participation code is not valid: please check it against your letter (17 characters; the last one is a check character).';
  return null;
}

function showSummary(problems) {
  ui.summary.replaceChildren();
  if (problems.length === 0) return;
  ui.summary.append(
    el('h2', { text: problems.length === 1 ? 'There is a problem: nothing was sent' : `There are ${problems.length} problems: nothing was sent` }),
    el('ul', {}, problems.map((p) => el('li', {}, el('a', { href: `#${p.focus}`, onclick: (e) => { e.preventDefault(); document.getElementById(p.focus).focus(); } }, p.message)))));
}

/** Checks every field; shows each message beside its field and in the summary; returns the problems. */
function validate() {
  const problems = [];
  const codeMsg = codeProblem();
  setFieldError('code', codeMsg);
  if (codeMsg) problems.push({ focus: 'code', message: codeMsg });
  state.round.features.forEach((feature, f) => {
    const chosen = ui.form.querySelector(`input[name="q${f}"]:checked`);
    const msg = chosen ? null : `Choose an answer to: ${feature.question}`;
    setFieldError(`q${f}`, msg);
    if (msg) problems.push({ focus: `q${f}-0`, message: msg });
  });
  state.round.contactFields.forEach((field, i) => {
    const input = document.getElementById(`c${i}`);
    const value = input.value.trim();
    let msg = value ? S.contactProblem(field, value) : `Enter your ${field.label.toLowerCase()}.`;
    if (!msg && inputType(field) === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) msg = `Enter an e-mail address in the form name@example.org.`;
    setFieldError(`c${i}`, msg);
    if (msg) problems.push({ focus: `c${i}`, message: msg });
  });
  showSummary(problems);
  return problems;
}

function checkCodeOnly() {
  const msg = codeProblem();
  setFieldError('code', msg);
  showSummary(msg ? [{ focus: 'code', message: msg }] : []);
  if (msg) ui.summary.focus();
  return !msg;
}

// ---- sending --------------------------------------------------------------------------------------------

function busy(on) {
  for (const b of document.querySelectorAll('#app button')) b.disabled = on;
}

async function onSubmit(event) {
  event.preventDefault();
  if (state.closed) return;
  state.shown = true;
  if (validate().length > 0) {
    ui.summary.focus();
    return;
  }
  const code = S.normalizeCode(document.getElementById('code').value.trim());
  const answers = state.round.features.map((_, f) => Number(ui.form.querySelector(`input[name="q${f}"]:checked`).value));
  const contact = state.round.contactFields.map((_, i) => document.getElementById(`c${i}`).value.trim());
  const id = S.newSubmissionId(); // a new number for every submission; a retry below reuses it
  state.pending = { kind: 'submit', id, code, bodies: S.makeSubmissions(state.round, code, answers, contact, id), results: [null, null, null] };
  await send([0, 1, 2]);
}

async function onWithdraw() {
  ui.withdrawConfirm.hidden = true;
  if (state.closed || !checkCodeOnly()) return;
  const code = S.normalizeCode(document.getElementById('code').value.trim());
  const body = S.makeWithdrawal(state.round, code);
  state.pending = { kind: 'withdraw', code, bodies: [body, body, body], results: [null, null, null] };
  await send([0, 1, 2]);
}

async function send(parties) {
  const pending = state.pending;
  const path = pending.kind === 'submit' ? '/api/v1/submissions' : '/api/v1/withdrawals';
  busy(true);
  ui.outcome.setAttribute('aria-busy', 'true');
  say(pending.kind === 'submit' ? 'Sending your answers to the three services…' : 'Sending your withdrawal to the three services…');
  await Promise.all(parties.map(async (p) => { pending.results[p] = await post(state.providers[p], path, pending.bodies[p]); }));
  busy(false);
  await showOutcome();
}

const CODE_ERRORS = new Set(['invalid_code', 'unknown_code']);

async function showOutcome() {
  const pending = state.pending;
  const results = pending.results;
  ui.outcome.removeAttribute('aria-busy');
  const closed = results.find((r) => r && r.kind === 'refused' && r.code === 'closed');
  if (closed) {
    setClosed(closed.message);
    return;
  }
  const codeError = results.find((r) => r && r.kind === 'refused' && CODE_ERRORS.has(r.code));
  if (codeError && results.every((r) => r && (r.kind !== 'ok'))) {
    // The code was refused: nothing was stored; back to the form with the message beside the code.
    setFieldError('code', codeError.message);
    showSummary([{ focus: 'code', message: codeError.message }]);
    ui.outcome.hidden = true;
    ui.form.hidden = false;
    state.pending = null;
    ui.summary.focus();
    return;
  }

  const withdraw = pending.kind === 'withdraw';
  const ok = (r) => r && (r.kind === 'ok' || (withdraw && r.kind === 'refused' && r.code === 'nothing_stored'));
  const failed = [0, 1, 2].filter((p) => !ok(results[p]));
  const unreachable = failed.filter((p) => results[p].kind === 'unreachable');
  const hashOfCode = await S.codeHash(state.round, pending.code);
  const checks = await Promise.all([0, 1, 2].map(async (p) => receiptCheck(pending, p, hashOfCode)));

  const title = failed.length === 0
    ? (withdraw ? 'You have withdrawn: all three services deleted your answers' : 'Thank you: all three services received your answers')
    : (withdraw ? 'Your withdrawal is not complete yet' : 'Your sign-up is not complete yet');
  const items = [0, 1, 2].map((p) => {
    const r = results[p];
    const name = state.providers[p].name;
    if (r.kind === 'ok') {
      const what = withdraw ? 'deleted your answers' : 'received your answers';
      return el('li', { class: checks[p] === false ? 'failed' : 'ok' },
        `${name}: ${what} (${r.receipt.timeUtc}).`, checks[p] === false ? ' Its receipt does NOT match what this page sent; please tell the organisers.' : (withdraw ? '' : ' Its receipt matches what this page sent.'));
    }
    if (ok(r)) return el('li', { class: 'ok' }, `${name}: had nothing stored for this code.`);
    if (r.kind === 'unreachable') {
      return el('li', { class: 'failed' }, `${name} did not answer.`, r.message ? ` It said: ${r.message}` : ' It may be busy or your connection may have dropped.',
        ' ', el('a', { href: `${state.providers[p].url}/api/v1/status`, target: '_blank', rel: 'noopener noreferrer', text: `Check ${name}` }));
    }
    return el('li', { class: 'failed' }, `${name} refused: ${r.message}`);
  });

  const parts = [el('h2', { id: 'outcome-title', tabindex: '-1', text: title }), el('ul', { class: 'providers', id: 'providers' }, items)];
  if (unreachable.length > 0) {
    const names = unreachable.map((p) => state.providers[p].name).join(' and ');
    parts.push(el('p', { class: 'problem', id: 'retry-note' },
      withdraw ? `${names} did not confirm your withdrawal. Please try again: the services that already confirmed are not affected.`
        : `${names} did not receive your answers, so your sign-up would not count. Please try again: the same submission is sent again, so nothing is stored twice.`));
    parts.push(el('button', { type: 'button', id: 'retry', text: `Try again: send to ${names}`, onclick: () => send(unreachable) }));
  }

  const receipts = results.filter((r) => r && r.kind === 'ok').map((r) => r.receipt);
  if (receipts.length > 0) {
    const file = JSON.stringify({ round: state.round.roundId, title: state.round.title, receipts }, null, 2);
    parts.push(
      el('h3', { id: 'receipt-title', text: withdraw ? 'Your withdrawal receipt' : 'Your receipt' }),
      el('p', { text: 'Each service signed a receipt for what it stored. Save or print them: they prove what each service received. They contain neither your code nor your answers.' }),
      el('pre', { class: 'receipt', id: 'receipt', tabindex: '0', 'aria-labelledby': 'receipt-title' }, file),
      el('div', { class: 'actions' },
        el('button', { type: 'button', id: 'save-receipt', text: 'Save receipt', onclick: () => download(file, `signup-receipt-${(pending.id ?? 'withdrawal').slice(0, 8)}.json`) }),
        el('button', { type: 'button', class: 'secondary', id: 'print-receipt', text: 'Print receipt', onclick: () => window.print() })));
  }
  if (!withdraw && failed.length === 0) {
    parts.push(el('p', { text: 'You can change your answers until the deadline: send the form again with your code. The latest answers count.' }),
      el('button', { type: 'button', id: 'change', class: 'secondary', text: 'Change my answers', onclick: () => {
        ui.outcome.hidden = true; ui.form.hidden = false; state.pending = null; document.getElementById('form-title').focus();
      } }));
  }
  ui.outcome.replaceChildren(...parts);
  ui.outcome.removeAttribute('aria-busy');
  ui.outcome.hidden = false;
  if (failed.length === 0) ui.form.hidden = true;
  say(title);
  document.getElementById('outcome-title').focus();
}

async function receiptCheck(pending, p, hashOfCode) {
  const r = pending.results[p];
  if (!r || r.kind !== 'ok') return null;
  const t = r.receipt;
  if (t.round !== state.round.roundId || t.party !== p || t.codeHash !== hashOfCode) return false;
  if (pending.kind === 'withdraw') return t.action === 'withdrawn';
  return t.action === 'stored' && t.submission === pending.id && t.storedSha256 === await S.storedSha256(pending.bodies[p], hashOfCode);
}

function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- after the close: was my sign-up counted? -----------------------------------------------------------

async function answer(url, init) {
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), cache: 'no-store', credentials: 'omit' });
    return { status: r.status, json: await r.json().catch(() => null) };
  } catch {
    return { status: 0, json: null };
  }
}

async function onCheckCounted() {
  const code = S.normalizeCode(document.getElementById('counted-code').value.trim());
  setFieldError('counted-code', code ? null : 'This participation code is not valid: please check it against your letter.');
  if (!code) { document.getElementById('counted-code').focus(); return; }
  const hash = await S.codeHash(state.round, code);
  const body = JSON.stringify(S.makeWithdrawal(state.round, code));
  const results = await Promise.all(state.providers.map(async (provider, p) => {
    const [proof, root] = await Promise.all([
      answer(`${provider.url}/api/v1/receipts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }),
      answer(`${provider.url}/api/v1/root`, {})]);
    if (proof.status === 0 || root.status === 0) return { ok: false, text: `${provider.name} did not answer; please try again later.` };
    if (proof.status !== 200 || root.status !== 200) {
      const e = (proof.json && proof.json.error) || (root.json && root.json.error);
      return { ok: false, text: `${provider.name}: ${e && e.message ? e.message : `status ${proof.status}`}` };
    }
    const r = root.json;
    const ok = r.party === p && r.roundId === state.round.roundId && proof.json.roundId === r.roundId && proof.json.codeHash === hash
      && proof.json.treeSize === r.treeSize && await S.rootFromProof(proof.json) === String(r.root).toUpperCase();
    return ok
      ? { ok, root: r.root, text: `${provider.name}: your sign-up (${proof.json.submissionId.slice(0, 8)}…) is among the ${r.treeSize} accepted sign-ups under its fingerprint ${r.root.slice(0, 16)}….` }
      : { ok, text: `${provider.name}: its proof does NOT lead to the fingerprint it published. Please tell the organisers.` };
  }));
  const same = results.every((r) => r.ok && r.root === results[0].root);
  const title = same ? 'Your sign-up was counted by all three services' : 'Your sign-up could not be confirmed at all three services';
  ui.countedResult.replaceChildren(
    el('h3', { text: title }),
    el('ul', { class: 'providers' }, results.map((r) => el('li', { class: r.ok ? 'ok' : 'failed', text: r.text }))),
    el('p', { class: 'hint', text: same ? 'The three fingerprints are equal. The services\' signatures on them can be checked with the organisers\' verify-receipt tool.' : 'The three services must publish the same fingerprint and each must prove your sign-up.' }));
  say(title);
  ui.countedResult.focus();
}

// ---- the deadline ---------------------------------------------------------------------------------------

function setClosed(message) {
  state.closed = true;
  ui.closed.textContent = message || `Sign-up closed on ${deadlineText(state.round)}; nothing can be submitted, changed or withdrawn after that.`;
  ui.closed.hidden = false;
  ui.deadline.hidden = true;
  ui.form.hidden = true;
  ui.withdraw.hidden = true;
  ui.counted.hidden = false;
  ui.summary.replaceChildren();
  if (state.pending) ui.outcome.hidden = true;
}

function scheduleDeadline() {
  const left = Date.parse(state.round.deadlineUtc) - Date.now();
  if (left <= 0) setClosed(null);
  else setTimeout(scheduleDeadline, Math.min(left + 500, 2 ** 31 - 1));
}

start();
