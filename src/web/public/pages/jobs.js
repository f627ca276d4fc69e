import { useState } from 'preact/hooks';
import { api, query } from '../lib/api.js';
import { go, useData } from '../lib/hooks.js';
import { Bar, ErrorBox, Field, fmtTime, html, Pager, SourceTabs, Status } from '../lib/ui.js';

/** ListMmsJobs' filters, as the API names them. */
const TEXT_FILTERS = [
  ['name', 'Name contains'],
  ['srcDbName', 'Source database'],
  ['srcTableName', 'Source table'],
  ['dstDbName', 'Destination database'],
  ['dstTableName', 'Destination table'],
  ['timerId', 'Timer id'],
];

export function JobsPage({ sourceId }) {
  const [filter, setFilter] = useState({ status: '', stopped: '', 'sorter.status': '' });
  const [pageNum, setPage] = useState(1);
  const set = (k) => (e) => {
    setFilter({ ...filter, [k]: e.currentTarget.value });
    setPage(1);
  };
  const key = JSON.stringify(filter);
  const jobs = useData(() => api('GET', `/datasources/${sourceId}/jobs${query({ ...filter, pageNum, pageSize: 20 })}`), [sourceId, key, pageNum], 2000);
  return html`
    <div class="crumbs"><a href="#/sources">Data sources</a> / jobs</div>
    <div class="toolbar"><h1 style="flex:1">Jobs</h1><a class="button primary" href="#/sources/${sourceId}/jobs/new">New job</a></div>
    <${SourceTabs} sourceId=${sourceId} active="jobs" />
    <div class="toolbar">
      ${TEXT_FILTERS.map(([k, label]) => html`<${Field} label=${label}><input name=${k} size="14" value=${filter[k] ?? ''} onInput=${set(k)} /><//>`)}
      <${Field} label="Status">
        <select name="status" value=${filter.status} onChange=${set('status')}><option value="">any</option>${['INIT', 'DOING', 'DONE', 'FAILED'].map((s) => html`<option>${s}</option>`)}</select>
      <//>
      <${Field} label="Stopped">
        <select name="stopped" value=${filter.stopped} onChange=${set('stopped')}><option value="">any</option><option value="true">yes</option><option value="false">no</option></select>
      <//>
      <${Field} label="Sort by status">
        <select name="sorter.status" value=${filter['sorter.status']} onChange=${set('sorter.status')}><option value="">newest first</option><option value="asc">asc</option><option value="desc">desc</option></select>
      <//>
    </div>
    <${ErrorBox} error=${jobs.error} />
    <table>
      <thead><tr><th class="num">Id</th><th>Name</th><th>Type</th><th>Source → destination</th><th>Status</th><th>Tasks</th><th>Created</th><th>ETA</th></tr></thead>
      <tbody>
        ${jobs.data?.objectList.map(
          (j) => html`
            <tr class="clickable" onClick=${() => go(`#/sources/${sourceId}/jobs/${j.id}`)}>
              <td class="num">${j.id}</td><td><a>${j.name}</a></td><td>${j.type}${j.config.taskType === 'MC2MC_VERIFY' ? ' (verify)' : ''}</td>
              <td>${j.srcDbName} → ${j.dstDbName}</td><td><${Status} status=${j.status} stopped=${j.stopped} /></td>
              <td><${Bar} done=${j.taskDone} total=${j.taskNum} status=${j.status} /><span class="small muted">${j.taskDone} / ${j.taskNum}</span></td>
              <td class="small">${fmtTime(j.createTime)}</td><td class="small">${j.eta ?? '—'}</td>
            </tr>
          `,
        )}
        ${jobs.data?.total === 0 ? html`<tr><td colspan="8" class="muted">No jobs match.</td></tr>` : null}
      </tbody>
    </table>
    ${jobs.data ? html`<${Pager} ...${jobs.data} onPage=${setPage} />` : null}
  `;
}
