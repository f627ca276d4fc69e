import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { go } from '../lib/hooks.js';
import { ErrorBox, Field, html } from '../lib/ui.js';

/** The engines and the connection fields each one uses (the API checks the same). */
const ENGINES = ['POSTGRESQL', 'MYSQL', 'SQLITE', 'DUCKDB', 'LAKE'];
const FIELDS = {
  POSTGRESQL: ['host', 'port', 'user', 'password', 'database'],
  MYSQL: ['host', 'port', 'user', 'password', 'database'],
  SQLITE: ['path'],
  DUCKDB: ['path', 'database'],
  LAKE: ['path', 'database'],
};
const LABELS = { host: 'Host', port: 'Port', user: 'User', password: 'Password', database: 'Database', path: "Path (under the server's file root)" };

/** A connection's settings as the API takes them: empty fields left out, the port a number. */
function connection(type, values) {
  const out = {};
  for (const f of FIELDS[type]) {
    const v = values[f];
    if (v !== undefined && v !== '') out[f] = f === 'port' ? Number(v) : v;
  }
  return out;
}

function ConnectionFields({ side, type, values, onChange }) {
  return FIELDS[type].map(
    (f) => html`
      <${Field} label="${side} ${LABELS[f].toLowerCase()}">
        <input name="${side}-${f}" type=${f === 'password' ? 'password' : f === 'port' ? 'number' : 'text'} autocomplete="off"
          value=${values[f] ?? ''} onInput=${(e) => onChange({ ...values, [f]: e.currentTarget.value })} />
      <//>
    `,
  );
}

export function SourceForm() {
  const [name, setName] = useState('');
  const [type, setType] = useState('POSTGRESQL');
  const [source, setSource] = useState({});
  const [dstType, setDstType] = useState('');
  const [destination, setDestination] = useState({});
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);

  const body = () => ({
    name,
    type,
    config: { source: connection(type, source), ...(dstType && { destination: { type: dstType, ...connection(dstType, destination) } }) },
  });
  const run = async (what) => {
    setBusy(true);
    setResult(null);
    try {
      if (what === 'test') {
        await api('POST', '/datasources/test', body());
        setResult({ ok: 'Connection test passed: the source and the destination both answer.' });
      } else {
        const { dataSourceId } = await api('POST', '/datasources', body());
        go(`#/sources/${dataSourceId}/catalog`);
      }
    } catch (error) {
      setResult({ error });
    } finally {
      setBusy(false);
    }
  };

  return html`
    <div class="crumbs"><a href="#/sources">Data sources</a> / new</div>
    <h1>Add a data source</h1>
    <form class="card" onSubmit=${(e) => (e.preventDefault(), run('save'))}>
      <div class="grid">
        <${Field} label="Name"><input name="name" required value=${name} onInput=${(e) => setName(e.currentTarget.value)} /><//>
        <${Field} label="Source type">
          <select name="type" value=${type} onChange=${(e) => setType(e.currentTarget.value)}>${ENGINES.map((t) => html`<option>${t}</option>`)}</select>
        <//>
        <${ConnectionFields} side="Source" type=${type} values=${source} onChange=${setSource} />
      </div>
      <h2>Destination</h2>
      <div class="grid">
        <${Field} label="Destination type">
          <select name="dstType" value=${dstType} onChange=${(e) => setDstType(e.currentTarget.value)}>
            <option value="">Embedded DuckDB (default)</option>
            ${ENGINES.map((t) => html`<option>${t}</option>`)}
          </select>
        <//>
        ${dstType ? html`<${ConnectionFields} side="Destination" type=${dstType} values=${destination} onChange=${setDestination} />` : null}
      </div>
      ${result?.ok ? html`<div class="ok" role="status">${result.ok}</div>` : null}
      <${ErrorBox} error=${result?.error} />
      <div class="row" style="margin-top:.8rem">
        <button type="button" disabled=${busy} onClick=${() => run('test')}>Test connection</button>
        <button type="submit" class="primary" disabled=${busy}>Save</button>
      </div>
    </form>
  `;
}
