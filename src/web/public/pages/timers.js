import { useState } from 'preact/hooks';
import { api, listAll } from '../lib/api.js';
import { useData } from '../lib/hooks.js';
import { Check, ErrorBox, Field, fmtTime, html, SourceTabs } from '../lib/ui.js';

const HINTS = { Daily: 'HH:MM, e.g. 02:30', Hourly: 'minute, e.g. 15', Cron: 'cron expression, e.g. */10 * * * *' };
const EMPTY = { name: '', scheduleType: 'Daily', value: '', timezone: 'UTC', srcDbName: '', dstDbName: '', tables: '', enableVerification: true };
const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

/** What a timer's jobs copy: its template, in a line. */
function template(t) {
  if (!t.config) return html`<span class="muted">re-runs the jobs made with it</span>`;
  const tables = t.config.tables.length ? t.config.tables.join(', ') : 'all tables';
  return `${t.srcDbName}: ${tables}${t.config.dstDbName ? ` → ${t.config.dstDbName}` : ''}${t.config.enableVerification ? '' : ', not verified'}`;
}

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
  const create = () => {
    const { tables, srcDbName, dstDbName, name, ...rest } = form;
    const body = { ...rest, name: name || undefined, srcDbName, ...(dstDbName && { dstDbName }), ...(list(tables).length && { tables: list(tables) }) };
    return act(async () => {
      await api('POST', `/datasources/${sourceId}/timers`, body);
      setForm(EMPTY);
    }, 'Timer created.');
  };
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
    <form class="card" style="margin-top:1rem" onSubmit=${(e) => (e.preventDefault(), create())}>
      <h2 style="margin-top:0">New timer</h2>
      <div class="grid">
        <${Field} label="Name"><input name="timer-name" value=${form.name} onInput=${set('name')} /><//>
        <${Field} label="Schedule"><select name="scheduleType" value=${form.scheduleType} onChange=${set('scheduleType')}>${Object.keys(HINTS).map((t) => html`<option>${t}</option>`)}</select><//>
        <${Field} label="Value (${HINTS[form.scheduleType]})"><input name="value" required value=${form.value} onInput=${set('value')} /><//>
        <${Field} label="Time zone"><input name="timezone" value=${form.timezone} onInput=${set('timezone')} /><//>
        <${Field} label="Source database">
          <select name="srcDbName" required value=${form.srcDbName} onChange=${set('srcDbName')}>
            <option value="">choose…</option>${(dbs.data ?? []).map((d) => html`<option>${d.name}</option>`)}
          </select>
        <//>
        <${Field} label="Only these tables (comma-separated; empty: all)"><input name="tables" value=${form.tables} onInput=${set('tables')} /><//>
        <${Field} label="Destination database (empty: the catalog's mapping)"><input name="dstDbName" value=${form.dstDbName} onInput=${set('dstDbName')} /><//>
      </div>
      <div class="row" style="margin-top:.6rem">
        <${Check} label="Verify contents" checked=${form.enableVerification} onChange=${(v) => setForm({ ...form, enableVerification: v })} />
      </div>
      <div class="row" style="margin-top:.8rem"><button class="primary" type="submit">Create timer</button></div>
    </form>
  `;
}
