import { useState } from 'preact/hooks';
import { api, listAll } from '../lib/api.js';
import { useData } from '../lib/hooks.js';
import { ErrorBox, Field, fmtTime, html, SourceTabs } from '../lib/ui.js';

const HINTS = { Daily: 'HH:MM, e.g. 02:30', Hourly: 'minute, e.g. 15', Cron: 'cron expression, e.g. */10 * * * *' };

export function TimersPage({ sourceId }) {
  const timers = useData(() => listAll(`/datasources/${sourceId}/timers`), [sourceId]);
  const [form, setForm] = useState({ name: '', scheduleType: 'Daily', value: '', timezone: 'UTC' });
  const [error, setError] = useState(null);
  const act = async (fn) => {
    setError(null);
    try {
      await fn();
      timers.reload();
    } catch (e) {
      setError(e);
    }
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  return html`
    <div class="crumbs"><a href="#/sources">Data sources</a> / timers</div>
    <h1>Timers</h1>
    <${SourceTabs} sourceId=${sourceId} active="timers" />
    <p class="muted small">A job created with a timer runs again at each tick (with increment, only what changed).</p>
    <${ErrorBox} error=${timers.error || error} />
    <table>
      <thead><tr><th class="num">Id</th><th>Name</th><th>Schedule</th><th>Time zone</th><th>Last tick</th><th></th></tr></thead>
      <tbody>
        ${(timers.data ?? []).map(
          (t) => html`
            <tr>
              <td class="num">${t.id}</td><td>${t.name}</td><td>${t.scheduleType} ${t.value}${t.stopped ? html` <span class="badge STOPPED">STOPPED</span>` : null}</td>
              <td>${t.timezone}</td><td class="small">${fmtTime(t.lastTick)}</td>
              <td><div class="row">
                <button onClick=${() => act(() => api('PUT', `/datasources/${sourceId}/timers/${t.id}`, { stopped: !t.stopped }))}>${t.stopped ? 'Resume' : 'Pause'}</button>
                <button class="danger" onClick=${() => act(() => api('DELETE', `/datasources/${sourceId}/timers/${t.id}`))}>Delete</button>
              </div></td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    <form class="card" style="margin-top:1rem" onSubmit=${(e) => (e.preventDefault(), act(() => api('POST', `/datasources/${sourceId}/timers`, { ...form, name: form.name || undefined })))}>
      <h2 style="margin-top:0">New timer</h2>
      <div class="grid">
        <${Field} label="Name"><input name="timer-name" value=${form.name} onInput=${set('name')} /><//>
        <${Field} label="Schedule"><select name="scheduleType" value=${form.scheduleType} onChange=${set('scheduleType')}>${Object.keys(HINTS).map((t) => html`<option>${t}</option>`)}</select><//>
        <${Field} label="Value (${HINTS[form.scheduleType]})"><input name="value" required value=${form.value} onInput=${set('value')} /><//>
        <${Field} label="Time zone"><input name="timezone" value=${form.timezone} onInput=${set('timezone')} /><//>
      </div>
      <div class="row" style="margin-top:.8rem"><button class="primary" type="submit">Create timer</button></div>
    </form>
  `;
}
