import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../lib/api.js';
import { go, useData } from '../lib/hooks.js';
import { ErrorBox, Field, fmtBytes, fmtNum, fmtTime, html, Pager, SourceTabs, Status } from '../lib/ui.js';
import { scanning, ScanState, useScans } from '../lib/scans.js';

const STATUSES = ['INIT', 'DOING', 'DONE', 'FAILED', 'PART_DONE'];

/** Status, "changed since copied" and name filters, shared by the three levels. */
function Filters({ filter, onChange, nameLabel }) {
  const set = (k) => (e) => onChange({ ...filter, [k]: e.currentTarget.value });
  return html`
    <div class="toolbar">
      <${Field} label=${nameLabel}><input name="contains" value=${filter.contains} onInput=${set('contains')} /><//>
      <${Field} label="Status">
        <select name="status" value=${filter.status} onChange=${set('status')}><option value="">any</option>${STATUSES.map((s) => html`<option>${s}</option>`)}</select>
      <//>
      <${Field} label="Changed at the source since copied">
        <select name="updated" value=${filter.updated} onChange=${set('updated')}><option value="">any</option><option value="true">yes</option><option value="false">no</option></select>
      <//>
    </div>
  `;
}

/** One paged catalog list: re-read when the filter or page changes. */
function usePagedList(path, params, filter, deps) {
  const [pageNum, setPage] = useState(1);
  useEffect(() => setPage(1), [...deps, filter.contains, filter.status, filter.updated]);
  const list = useData(
    () => api('GET', path + query({ ...params, status: filter.status, updated: filter.updated, pageNum, pageSize: 50 })),
    [...deps, pageNum, filter.contains, filter.status, filter.updated],
  );
  return { ...list, pageNum, setPage };
}

function Dbs({ sourceId, filter }) {
  const list = usePagedList(`/datasources/${sourceId}/dbs`, { name: filter.contains }, filter, [sourceId]);
  return html`
    <${ErrorBox} error=${list.error} />
    <table>
      <thead><tr><th>Database</th><th>Status</th><th class="num">Tables</th><th class="num">Partitions</th><th class="num">Size</th><th></th></tr></thead>
      <tbody>
        ${list.data?.objectList.map(
          (d) => html`
            <tr class="clickable" onClick=${() => go(`#/sources/${sourceId}/catalog?db=${encodeURIComponent(d.name)}`)}>
              <td><a href="#/sources/${sourceId}/catalog?db=${encodeURIComponent(d.name)}">${d.name}</a></td><td><${Status} status=${d.status} />${d.updated ? html` <span class="badge">changed</span>` : null}</td>
              <td class="num">${fmtNum(d.tableNum)}</td><td class="num">${fmtNum(d.partitionNum)}</td><td class="num">${fmtBytes(d.size)}</td>
              <td><a href="#/sources/${sourceId}/jobs/new?db=${encodeURIComponent(d.name)}" onClick=${(e) => e.stopPropagation()}>Migrate…</a></td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${list.data ? html`<${Pager} ...${list.data} onPage=${list.setPage} />` : null}
  `;
}

function Tables({ sourceId, db, filter }) {
  const list = usePagedList(`/datasources/${sourceId}/tables`, { dbName: db, name: filter.contains }, filter, [sourceId, db]);
  return html`
    <${ErrorBox} error=${list.error} />
    <table>
      <thead><tr><th>Table</th><th>Status</th><th class="num">Partitions</th><th class="num">Rows</th><th class="num">Size</th><th>Columns</th><th></th></tr></thead>
      <tbody>
        ${list.data?.objectList.map(
          (t) => html`
            <tr class="clickable" onClick=${() => t.hasPartitions && go(`#/sources/${sourceId}/catalog?db=${encodeURIComponent(db)}&table=${encodeURIComponent(t.name)}`)}>
              <td>${t.hasPartitions ? html`<a href="#/sources/${sourceId}/catalog?db=${encodeURIComponent(db)}&table=${encodeURIComponent(t.name)}">${t.name}</a>` : t.name}</td>
              <td><${Status} status=${t.status} />${t.updated ? html` <span class="badge">changed</span>` : null}</td>
              <td class="num">${t.hasPartitions ? fmtNum(t.partitionNum) : '—'}</td><td class="num">${fmtNum(t.numRows)}</td><td class="num">${fmtBytes(t.size)}</td>
              <td class="small muted">${t.schema.columns.map((c) => `${c.name} ${c.type}`).join(', ')}${t.schema.partitions.length ? html`<br />partitioned by ${t.schema.partitions.map((c) => c.name).join(', ')}` : null}</td>
              <td><a href="#/sources/${sourceId}/jobs/new?db=${encodeURIComponent(db)}&tables=${encodeURIComponent(t.name)}" onClick=${(e) => e.stopPropagation()}>Migrate…</a></td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${list.data ? html`<${Pager} ...${list.data} onPage=${list.setPage} />` : null}
  `;
}

function Partitions({ sourceId, db, table, filter }) {
  const list = usePagedList(`/datasources/${sourceId}/partitions`, { dbName: db, tableName: table, value: filter.contains }, filter, [sourceId, db, table]);
  const [selected, setSelected] = useState(new Set());
  const toggle = (id) => setSelected((s) => (s.has(id) ? new Set([...s].filter((x) => x !== id)) : new Set([...s, id])));
  // The header's box selects (or clears) every partition of this page; a selection spans pages.
  const shown = list.data?.objectList.map((p) => p.id) ?? [];
  const all = shown.length > 0 && shown.every((id) => selected.has(id));
  const toggleAll = () => setSelected((s) => (all ? new Set([...s].filter((id) => !shown.includes(id))) : new Set([...s, ...shown])));
  return html`
    <${ErrorBox} error=${list.error} />
    <div class="row" style="margin-bottom:.5rem">
      <button disabled=${selected.size === 0} onClick=${() => go(`#/sources/${sourceId}/jobs/new?db=${encodeURIComponent(db)}&partitions=${[...selected].join(',')}`)}>
        Migrate ${selected.size} selected partition${selected.size === 1 ? '' : 's'}…
      </button>
      ${selected.size ? html`<button onClick=${() => setSelected(new Set())}>Clear selection</button>` : null}
    </div>
    <table>
      <thead><tr><th><input type="checkbox" aria-label="select all partitions on this page" checked=${all} onChange=${toggleAll} /></th><th class="num">Id</th><th>Partition</th><th>Status</th><th class="num">Rows</th><th class="num">Size</th><th>Last DDL</th></tr></thead>
      <tbody>
        ${list.data?.objectList.map(
          (p) => html`
            <tr>
              <td><input type="checkbox" aria-label="select ${p.value}" checked=${selected.has(p.id)} onChange=${() => toggle(p.id)} /></td>
              <td class="num">${p.id}</td><td>${p.value}</td>
              <td><${Status} status=${p.status} />${p.updated ? html` <span class="badge">changed</span>` : null}</td>
              <td class="num">${fmtNum(p.numRows)}</td><td class="num">${fmtBytes(p.size)}</td><td class="small">${p.lastDdlTime ?? '—'}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${list.data ? html`<${Pager} ...${list.data} onPage=${list.setPage} />` : null}
  `;
}

export function CatalogPage({ sourceId, params }) {
  const source = useData(() => api('GET', `/datasources/${sourceId}`), [sourceId]);
  const [filter, setFilter] = useState({ contains: '', status: '', updated: '' });
  // A scan started here re-reads the source and the list it shows (keyed by the scans done).
  const [scansDone, setScansDone] = useState(0);
  const [scans, scan] = useScans(() => (source.reload(), setScansDone((n) => n + 1)));
  const { db, table } = params;
  useEffect(() => setFilter({ contains: '', status: '', updated: '' }), [db, table]);
  const level = table ? 'partitions' : db ? 'tables' : 'databases';
  const unscanned = source.data && !source.data.lastUpdateTime;
  return html`
    <div class="crumbs">
      <a href="#/sources">Data sources</a> / <a href="#/sources/${sourceId}/catalog">${source.data?.name ?? sourceId}</a>
      ${db ? html` / <a href="#/sources/${sourceId}/catalog?db=${encodeURIComponent(db)}">${db}</a>` : null}${table ? html` / ${table}` : null}
    </div>
    <div class="toolbar">
      <h1 style="flex:1">${table ?? db ?? source.data?.name ?? ''} <span class="muted small">${level}</span></h1>
      <span class="small muted">${source.data ? `last scan ${fmtTime(source.data.lastUpdateTime)}` : ''}</span>
      <button class=${unscanned ? 'primary' : ''} disabled=${scanning(scans[sourceId])} onClick=${() => scan(sourceId)}>${unscanned ? 'Scan now' : 'Scan again'}</button>
    </div>
    <${ScanState} scan=${scans[sourceId]} />
    <${SourceTabs} sourceId=${sourceId} active="catalog" />
    <${ErrorBox} error=${source.error} />
    ${unscanned
      ? html`<div class="notice" role="status">Not scanned yet: a scan reads the source's databases, tables and partitions into the catalog, where jobs are made from them.</div>`
      : html`
          <${Filters} filter=${filter} onChange=${setFilter} nameLabel=${level === 'partitions' ? 'Partition value contains' : 'Name contains'} />
          ${table
            ? html`<${Partitions} key=${scansDone} sourceId=${sourceId} db=${db} table=${table} filter=${filter} />`
            : db
              ? html`<${Tables} key=${scansDone} sourceId=${sourceId} db=${db} filter=${filter} />`
              : html`<${Dbs} key=${scansDone} sourceId=${sourceId} filter=${filter} />`}
        `}
  `;
}
