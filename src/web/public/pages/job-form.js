import { useEffect, useRef, useState } from 'preact/hooks';
import { api, listAll } from '../lib/api.js';
import { go, useData } from '../lib/hooks.js';
import { Check, ErrorBox, Field, fmtBytes, fmtNum, html } from '../lib/ui.js';

const split = (text) => text.split(/[\s,]+/).filter(Boolean);

/** `src=dst` lines as a mapping (split at the first '=', so a destination name may hold one). */
function mapping(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (line.trim()) out[(i < 0 ? line : line.slice(0, i)).trim()] = i < 0 ? '' : line.slice(i + 1).trim();
  }
  return out;
}

/** The CreateMmsJob body of the form's state (fields left empty are left out). */
function requestBody(f) {
  const nonEmpty = (o) => (Object.keys(o).length ? o : undefined);
  return {
    name: f.name || undefined,
    srcDbName: f.srcDbName,
    dstDbName: f.dstDbName || undefined,
    type: f.type,
    tables: f.type === 'Tables' ? f.tables : undefined,
    partitions: f.type === 'Partitions' ? split(f.partitions).map(Number) : undefined,
    tableWhiteList: f.type === 'Database' && f.white.length ? f.white : undefined,
    tableBlackList: f.type === 'Database' && f.black.length ? f.black : undefined,
    partitionFilters: nonEmpty(Object.fromEntries(f.filters.filter((r) => r.table && r.expr.trim()).map((r) => [r.table, r.expr]))),
    tableMapping: nonEmpty(mapping(f.tableMapping)),
    columnMapping: nonEmpty(mapping(f.columnMapping)),
    increment: f.increment,
    enableVerification: f.verification,
    schemaOnly: f.schemaOnly || undefined,
    taskType: f.verifyOnly ? 'MC2MC_VERIFY' : undefined,
    others: f.checksum ? { 'verify.checksum': true } : undefined,
    eta: f.eta || undefined,
    timerId: f.timerId ? Number(f.timerId) : undefined,
  };
}

/** Checks the job as typed (debounced) with PreviewMmsJob; answers in order even if the calls do not. */
function usePreview(sourceId, body) {
  const [preview, setPreview] = useState(null);
  const seq = useRef(0);
  const { name: _name, ...scope } = body;
  const key = JSON.stringify(scope);
  useEffect(() => {
    if (!scope.srcDbName) return setPreview(null);
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      const result = await api('POST', `/datasources/${sourceId}/jobs/preview`, scope).then((data) => ({ data }), (error) => ({ error }));
      if (mine === seq.current) setPreview(result);
    }, 250);
    return () => clearTimeout(timer);
  }, [sourceId, key]);
  return preview;
}

const plural = (n, word) => `${fmtNum(n)} ${word}${n === 1 ? '' : 's'}`;

function summary(p) {
  const whole = p.tables.some((t) => !t.partitioned) ? ' and the unpartitioned tables' : '';
  return `Would match ${plural(p.partitionMatched, 'partition')} in ${plural(p.tableNum, 'table')}; a run copies ${fmtNum(p.partitionToCopy)} of them${whole} in ${plural(p.taskNum, 'task')} (${fmtBytes(p.size)}).`;
}

function Preview({ preview }) {
  if (!preview) return html`<div class="muted">Choose a source database to see what the job covers.</div>`;
  if (preview.error) return html`<div id="preview" class="error" role="status">✗ ${preview.error.message}</div>`;
  const p = preview.data;
  return html`
    <div id="preview" class="ok" role="status">${summary(p)}</div>
    <table class="small">
      <thead><tr><th>Source table</th><th>Destination table</th><th class="num">Partitions</th><th class="num">Matched</th><th class="num">To copy</th></tr></thead>
      <tbody>
        ${p.tables.slice(0, 50).map(
          (t) => html`<tr><td>${t.srcTableName}</td><td>${t.dstTableName}</td>
            <td class="num">${t.partitioned ? fmtNum(t.partitionNum) : 'whole table'}</td>
            <td class="num">${t.partitioned ? fmtNum(t.partitionMatched) : '—'}</td>
            <td class="num">${t.partitioned ? fmtNum(t.partitionToCopy) : t.toCopy ? 'yes' : 'no (unchanged)'}</td></tr>`,
        )}
      </tbody>
    </table>
    ${p.tables.length > 50 ? html`<div class="muted small">… and ${p.tables.length - 50} more tables</div>` : null}
  `;
}

/** One table's partition filter; the preview's error is shown on the row it is about. */
function FilterRow({ row, tables, error, onChange, onRemove }) {
  return html`
    <div class="filter-row">
      <select aria-label="Filter table" value=${row.table} onChange=${(e) => onChange({ ...row, table: e.currentTarget.value })}>
        <option value="">table…</option>${tables.map((t) => html`<option>${t.name}</option>`)}
      </select>
      <input aria-label="Partition filter" placeholder="e.g. ds >= '2025-01-01' and region in ('eu', 'us')" value=${row.expr}
        onInput=${(e) => onChange({ ...row, expr: e.currentTarget.value })} />
      <button type="button" onClick=${onRemove}>Remove</button>
      ${error ? html`<div class="error small" role="alert">${error}</div>` : null}
    </div>
  `;
}

const MultiSelect = ({ label, name, options, value, onChange }) => html`
  <${Field} label=${label}>
    <select name=${name} multiple size=${Math.min(8, Math.max(3, options.length))} onChange=${(e) => onChange([...e.currentTarget.selectedOptions].map((o) => o.value))}>
      ${options.map((t) => html`<option selected=${value.includes(t)}>${t}</option>`)}
    </select>
  <//>
`;

export function JobForm({ sourceId, params }) {
  const dbs = useData(() => listAll(`/datasources/${sourceId}/dbs`), [sourceId]);
  const timers = useData(() => listAll(`/datasources/${sourceId}/timers`), [sourceId]);
  const [f, setF] = useState(() => ({
    name: '', srcDbName: params.db ?? '', dstDbName: '',
    type: params.partitions ? 'Partitions' : params.tables ? 'Tables' : 'Database',
    tables: params.tables ? split(params.tables) : [], white: [], black: [], partitions: params.partitions ?? '',
    filters: [{ table: '', expr: '' }], tableMapping: '', columnMapping: '',
    increment: true, verification: true, checksum: false, verifyOnly: false, schemaOnly: false, eta: '', timerId: '',
  }));
  const set = (k) => (v) => setF((s) => ({ ...s, [k]: v }));
  const input = (k) => (e) => set(k)(e.currentTarget.value);
  const tables = useData(() => (f.srcDbName ? listAll(`/datasources/${sourceId}/tables`, { dbName: f.srcDbName }) : Promise.resolve([])), [sourceId, f.srcDbName]);
  const names = (tables.data ?? []).map((t) => t.name);
  const body = requestBody(f);
  const preview = usePreview(sourceId, body);
  const filterError = (table) => {
    const m = preview?.error?.message.match(/^partitionFilters\['(.*)'\]: (.*)$/s);
    return m && m[1] === table ? m[2] : null;
  };
  const [submit, setSubmit] = useState({ busy: false, error: null });
  const create = async (e) => {
    e.preventDefault();
    setSubmit({ busy: true, error: null });
    try {
      const { jobId } = await api('POST', `/datasources/${sourceId}/jobs`, body);
      go(`#/sources/${sourceId}/jobs/${jobId}`);
    } catch (error) {
      setSubmit({ busy: false, error });
    }
  };

  return html`
    <div class="crumbs"><a href="#/sources">Data sources</a> / <a href="#/sources/${sourceId}/jobs">jobs</a> / new</div>
    <h1>New migration job</h1>
    <form class="card" onSubmit=${create}>
      <div class="grid">
        <${Field} label="Job name"><input name="name" required value=${f.name} onInput=${input('name')} /><//>
        <${Field} label="Source database">
          <select name="srcDbName" value=${f.srcDbName} onChange=${input('srcDbName')}>
            <option value="">choose…</option>${(dbs.data ?? []).map((d) => html`<option>${d.name}</option>`)}
          </select>
        <//>
        <${Field} label="Destination database (default: the data source's)"><input name="dstDbName" value=${f.dstDbName} onInput=${input('dstDbName')} /><//>
        <${Field} label="Scope">
          <select name="type" value=${f.type} onChange=${input('type')}>
            <option value="Database">Database (all tables, or a white/black list)</option><option value="Tables">Tables</option><option value="Partitions">Partitions</option>
          </select>
        <//>
      </div>
      <div class="grid" style="margin-top:.6rem">
        ${f.type === 'Database'
          ? html`<${MultiSelect} label="Only these tables (white list)" name="tableWhiteList" options=${names} value=${f.white} onChange=${set('white')} />
                 <${MultiSelect} label="Except these tables (black list)" name="tableBlackList" options=${names} value=${f.black} onChange=${set('black')} />`
          : f.type === 'Tables'
            ? html`<${MultiSelect} label="Tables" name="tables" options=${names} value=${f.tables} onChange=${set('tables')} />`
            : html`<${Field} label="Partition ids (pick them in the catalog)"><textarea name="partitions" rows="2" value=${f.partitions} onInput=${input('partitions')}></textarea><//>`}
      </div>

      <h2>Partition filters</h2>
      <p class="muted small">Per table, e.g. <code>ds >= '2025-01-01' and region in ('eu', 'us')</code>; checked as you type.</p>
      ${f.filters.map(
        (row, i) => html`<${FilterRow} row=${row} tables=${(tables.data ?? []).filter((t) => t.hasPartitions)} error=${row.table && filterError(row.table)}
          onChange=${(r) => set('filters')(f.filters.map((x, k) => (k === i ? r : x)))} onRemove=${() => set('filters')(f.filters.filter((_, k) => k !== i))} />`,
      )}
      <button type="button" onClick=${() => set('filters')([...f.filters, { table: '', expr: '' }])}>Add a filter</button>

      <h2>Mappings</h2>
      <div class="grid">
        <${Field} label="Table mapping (one src=dst per line)"><textarea name="tableMapping" rows="3" value=${f.tableMapping} onInput=${input('tableMapping')}></textarea><//>
        <${Field} label="Column mapping (one src=dst per line)"><textarea name="columnMapping" rows="3" value=${f.columnMapping} onInput=${input('columnMapping')}></textarea><//>
      </div>

      <h2>Options</h2>
      <div class="row">
        <${Check} label="Incremental (only what is new or changed)" checked=${f.increment} onChange=${set('increment')} />
        <${Check} label="Verify row counts" checked=${f.verification} onChange=${set('verification')} />
        <${Check} label="Verify contents (checksum)" checked=${f.checksum} onChange=${set('checksum')} />
        <${Check} label="Verify only (copy nothing)" checked=${f.verifyOnly} onChange=${set('verifyOnly')} />
        <${Check} label="Schema only" checked=${f.schemaOnly} onChange=${set('schemaOnly')} />
      </div>
      <div class="grid" style="margin-top:.6rem">
        <${Field} label="ETA (yyyy-MM-dd [HH:mm]; earlier runs first)"><input name="eta" value=${f.eta} onInput=${input('eta')} /><//>
        <${Field} label="Timer">
          <select name="timerId" value=${f.timerId} onChange=${input('timerId')}>
            <option value="">none (run once)</option>${(timers.data ?? []).map((t) => html`<option value=${t.id}>${t.name}: ${t.scheduleType} ${t.value} ${t.timezone}</option>`)}
          </select>
        <//>
      </div>

      <h2>What the job covers</h2>
      <${Preview} preview=${preview} />
      <${ErrorBox} error=${submit.error} />
      <div class="row" style="margin-top:.8rem"><button class="primary" type="submit" disabled=${submit.busy}>Create job</button></div>
    </form>
  `;
}
