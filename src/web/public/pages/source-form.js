import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { go, useData } from '../lib/hooks.js';
import { ErrorBox, Field, html } from '../lib/ui.js';

const ENGINES = ['POSTGRESQL', 'MYSQL', 'SQLITE', 'DUCKDB', 'LAKE'];

/** An item's value as the API takes it (ListMmsDataSourceConfigItems `type`): whole numbers and JSON objects parsed. */
function itemValue(item, text) {
  if (item.type === 'int') return Number(text);
  if (item.type === 'map') return JSON.parse(text);
  return text;
}

/** The form's values as MMS's config map: the items filled in, by key. */
function configMap(items, values) {
  const out = {};
  for (const item of items) {
    const text = values[item.key];
    if (text !== undefined && text !== '') out[item.key] = itemValue(item, text);
  }
  return out;
}

/** Inputs for configuration items, labelled "<side> <item name>", described by the item's description. */
function ItemFields({ side, items, values, onChange }) {
  return items.map(
    (item) => html`
      <${Field} label="${side} ${item.name.toLowerCase()}${item.required ? ' *' : ''}">
        <input name=${item.key} title=${item.desc} placeholder=${item.placeHolder} autocomplete="off"
          type=${item.type === 'password' ? 'password' : item.type === 'int' ? 'number' : 'text'}
          value=${values[item.key] ?? ''} onInput=${(e) => onChange({ ...values, [item.key]: e.currentTarget.value })} />
      <//>
    `,
  );
}

/** The data source form, built from the configuration items the API lists for the chosen source type. */
export function SourceForm() {
  const [name, setName] = useState('');
  const [type, setType] = useState('POSTGRESQL');
  const [values, setValues] = useState({});
  const [dstType, setDstType] = useState('');
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const items = useData(() => api('GET', `/configItems?sourceType=${type}&lang=en_US`), [type]);

  const all = items.data ?? [];
  const sourceItems = all.filter((i) => i.key.startsWith('source.'));
  const destinationType = all.find((i) => i.key === 'destination.type');
  const destinationItems = (dstType && destinationType?.subItems[dstType]) || [];

  const body = () => ({ name, type, config: { ...configMap([...sourceItems, ...destinationItems], values), ...(dstType && { 'destination.type': dstType }) } });
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
  const retype = (next) => {
    setType(next);
    setValues(Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith('destination.'))));
  };

  return html`
    <div class="crumbs"><a href="#/sources">Data sources</a> / new</div>
    <h1>Add a data source</h1>
    <form class="card" onSubmit=${(e) => (e.preventDefault(), run('save'))}>
      <${ErrorBox} error=${items.error} />
      <div class="grid">
        <${Field} label="Name"><input name="name" required value=${name} onInput=${(e) => setName(e.currentTarget.value)} /><//>
        <${Field} label="Source type">
          <select name="type" value=${type} onChange=${(e) => retype(e.currentTarget.value)}>${ENGINES.map((t) => html`<option>${t}</option>`)}</select>
        <//>
        <${ItemFields} side="Source" items=${sourceItems} values=${values} onChange=${setValues} />
      </div>
      <h2>Destination</h2>
      <div class="grid">
        <${Field} label="Destination type">
          <select name="destination.type" value=${dstType} onChange=${(e) => setDstType(e.currentTarget.value)}>
            <option value="">Embedded DuckDB (default)</option>
            ${(destinationType?.enums ?? []).map((t) => html`<option>${t}</option>`)}
          </select>
        <//>
        <${ItemFields} side="Destination" items=${destinationItems} values=${values} onChange=${setValues} />
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
