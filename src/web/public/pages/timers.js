import { useState } from 'preact/hooks';
import { api, listAll } from '../lib/api.js';
import { useData } from '../lib/hooks.js';
import { Check, ErrorBox, Field, fmtTime, html, SourceTabs } from '../lib/ui.js';

const HINTS = { Daily: 'HH:MM, e.g. 02:30', Hourly: 'minute, e.g. 15', Cron: 'cron expression, e.g. */10 * * * *' };
const EMPTY = { name: '', scheduleType: 'Daily', value: '', timezone: 'UTC', srcDbName: '', dstDbName: '', only: '', except: '', enableVerification: true };
const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

/** The tables a template names: its `tables` if it was made with them, else its white list. */
const onlyTables = (config) => (config.tables.length ? config.tables : config.tableWhiteList);

/** What a timer's jobs copy: its template, in a line. */
function template(t) {
  if (!t.config) return html`<span class="muted">re-runs the jobs made with it</span>`;
  const { tableBlackList, dstDbName, enableVerification } = t.config;
  const only = onlyTables(t.config);
  const names = `${only.length ? only.join(', ') : 'all tables'}${tableBlackList.length ? ` except ${tableBlackList.join(', ')}` : ''}`;
  return `${t.srcDbName}: ${names}${dstDbName ? ` → ${dstDbName}` : ''}${enableVerification ? '' : ', not verified'}`;
}

/** The form's fields of a timer (GetMmsTimer), to edit it. */
const formOf = (t) => ({
  ...EMPTY,
  name: t.name, scheduleType: t.scheduleType, value: t.value, timezone: t.timezone, srcDbName: t.srcDbName ?? '',
  ...(t.config && { dstDbName: t.config.dstDbName ?? '', only: onlyTables(t.config).join(', '), except: t.config.tableBlackList.join(', '), enableVerification: t.config.enableVerification }),
});

/** A timer's firings: the jobs it made (or why it made none). */
function TimerLogs({ sourceId, timerId }) {
  const logs = useData(() => listAll(`/datasources/${sourceId}/timers/${timerId}/logs`), [timerId], 2000);
  return html`
    <${ErrorBox} error=${logs.error} />
    <pre class="logs">${(logs.data ?? []).map((l) => `${l.createTime}  ${l.action}  ${l.status}  ${l.msg}${l.jobId ? `  (job ${l.jobId})` : ''}\n`).join('') || 'not fired yet'}</pre>
  `;
}

export function TimersPage({ sourceId }) {
  const timers = useData(() => listAll(`/datasources/${sourceId}/timers`), [sourceId]);
  const dbs = useData(() => listAll(`/datasources/${sourceId}/dbs`), [sourceId]);
  const [form, setForm] = useState(EMPTY);
  // The timer being edited (GetMmsTimer), or null: the form creates one.
  const [editing, setEditing] = useState(null);
  const [open, setOpen] = useState(null);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const act = async (fn, message) => {
    setError(null);
    setDone(null);
    try {
      await fn();
      timers.reload();
      if (message) setDone(message);
    } catch (e) {
      setError(e);
    }
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const reset = () => (setForm(EMPTY), setEditing(null));
  const edit = (id) => act(async () => {
    const t = await api('GET', `/datasources/${sourceId}/timers/${id}`);
    setEditing(t);
    setForm(formOf(t));
  });
  const save = () => {
    const { only, except, srcDbName, dstDbName, name, scheduleType, value, timezone, enableVerification } = form;
    const schedule = { name: name || undefined, scheduleType, value, timezone };
    const lists = { tableWhiteList: list(only), tableBlackList: list(except), enableVerification };
    if (editing) {
      // UpdateMmsTimer replaces the database-scope lists; a template made with `tables` keeps them.
      const body = { ...schedule, ...(editing.config && { ...lists, ...(editing.config.tables.length && { tableWhiteList: undefined }) }) };
      return act(async () => {
        await api('PUT', `/datasources/${sourceId}/timers/${editing.id}`, body);
        reset();
      }, `Timer ${editing.id} saved.`);
    }
    return act(async () => {
      await api('POST', `/datasources/${sourceId}/timers`, { ...schedule, ...lists, srcDbName, ...(dstDbName && { dstDbName }) });
      reset();
    }, 'Timer created.');
  };
  const fixedTables = editing?.config?.tables.length > 0;
  // A timer made without a template (it re-runs its jobs) has only a schedule to edit.
  const templated = !editing || editing.config !== null;
  return html`
    <div class="crumbs"><a href="#/sources">Data sources</a> / timers</div>
    <h1>Timers</h1>
    <${SourceTabs} sourceId=${sourceId} active="timers" />
    <p class="muted small">At each tick a timer creates a job from its template and runs it, incrementally: only what changed since the last run moves.</p>
    <${ErrorBox} error=${timers.error || error} />
    ${done ? html`<div class="ok" role="status">${done}</div>` : null}
    <table>
      <thead><tr><th class="num">Id</th><th>Name</th><th>Copies</th><th>Schedule</th><th>Last tick</th><th>Next tick</th><th></th></tr></thead>
      <tbody>
        ${(timers.data ?? []).map(
          (t) => html`
            <tr>
              <td class="num">${t.id}</td><td>${t.name}</td><td class="small">${template(t)}</td>
              <td>${t.scheduleType} ${t.value} <span class="muted small">${t.timezone}</span>${t.stopped ? html` <span class="badge STOPPED">STOPPED</span>` : null}</td>
              <td class="small">${t.lastTick ? fmtTime(t.lastTick) : 'never'}</td><td class="small">${t.nextTick ? fmtTime(t.nextTick) : '—'}</td>
              <td><div class="row">
                <button onClick=${() => act(() => api('POST', `/datasources/${sourceId}/timers/${t.id}/trigger`), `Timer ${t.id} fired: its job is in the log below and in Jobs.`).then(() => setOpen(t.id))}>Fire now</button>
                <button onClick=${() => act(() => api('PUT', `/datasources/${sourceId}/timers/${t.id}`, { stopped: !t.stopped }))}>${t.stopped ? 'Resume' : 'Pause'}</button>
                <button onClick=${() => edit(t.id)}>Edit</button>
                <button aria-expanded=${open === t.id} onClick=${() => setOpen(open === t.id ? null : t.id)}>Log</button>
                <button class="danger" onClick=${() => confirm(`Delete timer '${t.name}'? Its jobs stay.`) && act(() => api('DELETE', `/datasources/${sourceId}/timers/${t.id}`))}>Delete</button>
              </div></td>
            </tr>
            ${open === t.id ? html`<tr><td colspan="7"><${TimerLogs} sourceId=${sourceId} timerId=${t.id} /></td></tr>` : null}
          `,
        )}
        ${timers.data?.length === 0 ? html`<tr><td colspan="7" class="muted">No timers yet.</td></tr>` : null}
      </tbody>
    </table>
    <form class="card" style="margin-top:1rem" onSubmit=${(e) => (e.preventDefault(), save())}>
      <h2 style="margin-top:0">${editing ? `Edit timer ${editing.id}` : 'New timer'}</h2>
      <div class="grid">
        <${Field} label="Name"><input name="timer-name" value=${form.name} onInput=${set('name')} /><//>
        <${Field} label="Schedule"><select name="scheduleType" value=${form.scheduleType} onChange=${set('scheduleType')}>${Object.keys(HINTS).map((t) => html`<option>${t}</option>`)}</select><//>
        <${Field} label="Value (${HINTS[form.scheduleType]})"><input name="value" required value=${form.value} onInput=${set('value')} /><//>
        <${Field} label="Time zone"><input name="timezone" value=${form.timezone} onInput=${set('timezone')} /><//>
        ${!templated
          ? null
          : html`
              <${Field} label="Source database">
                <select name="srcDbName" required disabled=${!!editing} value=${form.srcDbName} onChange=${set('srcDbName')}>
                  <option value="">choose…</option>${(editing ? [{ name: form.srcDbName }] : dbs.data ?? []).map((d) => html`<option>${d.name}</option>`)}
                </select>
              <//>
              <${Field} label="Only these tables (comma-separated; empty: all)"><input name="only" disabled=${fixedTables} value=${form.only} onInput=${set('only')} /><//>
              <${Field} label="Except these tables (comma-separated)"><input name="except" value=${form.except} onInput=${set('except')} /><//>
              <${Field} label="Destination database (empty: the catalog's mapping)"><input name="dstDbName" disabled=${!!editing} value=${form.dstDbName} onInput=${set('dstDbName')} /><//>
            `}
      </div>
      ${editing ? html`<p class="muted small">A timer keeps its source and destination databases${fixedTables ? ' and the tables it was created with' : ''}: for others, create a new timer.</p>` : null}
      ${!templated
        ? null
        : html`<div class="row" style="margin-top:.6rem">
            <${Check} label="Verify contents" checked=${form.enableVerification} onChange=${(v) => setForm({ ...form, enableVerification: v })} />
          </div>`}
      <div class="row" style="margin-top:.8rem">
        <button class="primary" type="submit">${editing ? 'Save timer' : 'Create timer'}</button>
        ${editing ? html`<button type="button" onClick=${reset}>Cancel</button>` : null}
      </div>
    </form>
  `;
}
