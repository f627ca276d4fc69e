import { useState } from 'preact/hooks';
import { api, listAll } from '../lib/api.js';
import { useData } from '../lib/hooks.js';
import { ErrorBox, fmtNum, fmtTime, html } from '../lib/ui.js';
import { scanning, ScanState, useScans } from '../lib/scans.js';

export function SourcesPage() {
  const list = useData(() => listAll('/datasources'), []);
  const [scans, scan] = useScans(list.reload);
  const [error, setError] = useState(null);
  const remove = async (ds) => {
    if (!confirm(`Delete data source '${ds.name}' with its catalog and jobs?`)) return;
    try {
      await api('DELETE', `/datasources/${ds.id}`);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return html`
    <div class="toolbar"><h1 style="flex:1">Data sources</h1><a class="button primary" href="#/sources/new">Add data source</a></div>
    <${ErrorBox} error=${list.error || error} />
    <table>
      <thead><tr><th>Name</th><th>Source → destination</th><th class="num">Databases</th><th class="num">Tables</th><th class="num">Partitions</th><th>Last scan</th><th></th></tr></thead>
      <tbody>
        ${(list.data ?? []).map(
          (ds) => html`
            <tr>
              <td><a href="#/sources/${ds.id}/catalog">${ds.name}</a><div class="muted small">id ${ds.id}</div></td>
              <td>${ds.type} → ${ds.dstType} <span class="muted small">(${ds.dstProject})</span></td>
              <td class="num">${fmtNum(ds.dbNum)}</td>
              <td class="num">${fmtNum(ds.tableNum)}</td>
              <td class="num">${fmtNum(ds.partitionNum)}</td>
              <td class="small">${fmtTime(ds.lastUpdateTime)}<div><${ScanState} scan=${scans[ds.id]} /></div></td>
              <td><div class="row">
                <button onClick=${() => scan(ds.id)} disabled=${scanning(scans[ds.id])}>Scan</button>
                <a href="#/sources/${ds.id}/catalog">Catalog</a>
                <a href="#/sources/${ds.id}/jobs">Jobs</a>
                <button class="danger" onClick=${() => remove(ds)}>Delete</button>
              </div></td>
            </tr>
          `,
        )}
        ${list.data?.length === 0 ? html`<tr><td colspan="7" class="muted">No data sources yet: add one, then scan it.</td></tr>` : null}
      </tbody>
    </table>
  `;
}
