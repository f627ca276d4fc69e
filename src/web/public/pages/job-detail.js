import { useState } from 'preact/hooks';
import { api, listAll } from '../lib/api.js';
import { go, useData } from '../lib/hooks.js';
import { Bar, ended, ErrorBox, fmtBytes, fmtDuration, fmtNum, fmtTime, html, standing, Status, utc } from '../lib/ui.js';
import { ThroughputChart } from '../lib/chart.js';

const POLL_MS = 1000;

/** Totals of the tasks of the job's latest run, and its throughput so far. */
function progress(tasks) {
  const run = Math.max(0, ...tasks.map((t) => t.run));
  const current = tasks.filter((t) => t.run === run);
  const sum = (f) => current.reduce((n, t) => n + f(t), 0);
  const starts = current.map((t) => utc(t.startTime)).filter(Boolean);
  const running = current.some((t) => !ended(t.status));
  const ends = current.map((t) => utc(t.endTime)).filter(Boolean);
  const from = starts.length ? Math.min(...starts) : null;
  const to = running || !ends.length ? Date.now() : Math.max(...ends);
  const elapsed = from === null ? null : Math.max(1, to - from);
  const rows = sum((t) => t.rows);
  const bytes = sum((t) => t.bytes);
  return {
    run, tasks: current, rows, bytes, elapsed,
    partitions: sum((t) => t.partitionNum), partitionsDone: sum((t) => t.partitionDone),
    rowsPerSec: elapsed ? (rows * 1000) / elapsed : 0, bytesPerSec: elapsed ? (bytes * 1000) / elapsed : 0,
    failed: current.filter((t) => standing(t.status) === 'FAILED'),
  };
}

const Stat = ({ label, value }) => html`<div class="stat"><div class="label">${label}</div><div class="value">${value}</div></div>`;

function TaskDetail({ sourceId, taskId }) {
  const task = useData(() => api('GET', `/datasources/${sourceId}/tasks/${taskId}`), [taskId], POLL_MS, (t) => t && !ended(t.status));
  const logs = useData(() => api('GET', `/datasources/${sourceId}/tasks/${taskId}/logs`), [taskId], POLL_MS, () => !ended(task.data?.status));
  const parts = task.data?.partitions ?? [];
  return html`
    <div class="card">
      <${ErrorBox} error=${task.error || logs.error} />
      <table class="small">
        <thead><tr><th>Partition</th><th>Status</th><th class="num">Rows</th><th>Verification</th></tr></thead>
        <tbody>
          ${parts.map(
            (p) => html`<tr>
              <td>${p.value ?? 'whole table'}</td><td><${Status} status=${p.status} /></td><td class="num">${fmtNum(p.rows)}</td>
              <td>${p.verification
                ? html`${p.verification.ok ? '✓' : '✗'} source ${fmtNum(p.verification.sourceRows)} rows, destination ${fmtNum(p.verification.destinationRows)}${p.verification.sourceChecksum
                    ? html`<span class="muted">; checksum ${p.verification.sourceChecksum === p.verification.destinationChecksum ? 'equal' : 'differs'}</span>`
                    : ''}${p.verification.sourceFingerprint
                    ? html`<span class="muted">; content ${p.verification.sourceFingerprint === p.verification.destinationFingerprint ? 'equal' : 'differs'}</span>`
                    : null}`
                : '—'}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <h2>Log</h2>
      <pre class="logs">${(logs.data ?? []).map((l) => `${l.time}  ${l.level.padEnd(5)}  ${l.message}\n`).join('') || 'no entries yet'}</pre>
    </div>
  `;
}

export function JobDetail({ sourceId, jobId }) {
  // Polled until the job ends (DONE or FAILED); an action reloads both, and polling resumes if it runs again.
  const running = (j) => !j || !ended(j.status);
  const job = useData(() => api('GET', `/datasources/${sourceId}/jobs/${jobId}`), [sourceId, jobId], POLL_MS, running);
  const tasks = useData(() => listAll(`/datasources/${sourceId}/tasks`, { jobId }), [sourceId, jobId], POLL_MS, (ts) => !ts?.length || ts.some((t) => !ended(t.status)));
  const throughput = useData(() => api('GET', `/datasources/${sourceId}/jobs/${jobId}/throughput`), [sourceId, jobId], POLL_MS, (t) => !t || t.running);
  // What each button may do is the API's to say (the job lifecycle), read again whenever the job's state changes.
  const actions = useData(() => api('GET', `/datasources/${sourceId}/jobs/${jobId}/actions`), [sourceId, jobId, job.data?.status, job.data?.stopped]);
  const may = (action) => actions.data?.find((a) => a.action === action) ?? { allowed: false, reason: null };
  const [open, setOpen] = useState(null);
  const [actionError, setActionError] = useState(null);
  const act = async (action) => {
    setActionError(null);
    try {
      if (action === 'delete') {
        if (!confirm(`Delete job ${jobId}? The data it copied stays at the destination.`)) return;
        await api('DELETE', `/datasources/${sourceId}/jobs/${jobId}`);
        return go(`#/sources/${sourceId}/jobs`);
      }
      await api('POST', `/datasources/${sourceId}/jobs/${jobId}/${action}`);
      job.reload();
      tasks.reload();
      throughput.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  const j = job.data;
  const p = progress(tasks.data ?? []);
  // Each running task's speed over the last few seconds, and the job's (their sum); a task that
  // ended or is stopped has no speed, whatever its last seconds moved.
  const live = new Set(p.tasks.filter((t) => !ended(t.status) && !t.stopped).map((t) => t.id));
  const speeds = new Map((throughput.data?.tasks ?? []).filter((t) => live.has(t.taskId)).map((t) => [t.taskId, t]));
  const now = [...speeds.values()].reduce((n, t) => ({ rows: n.rows + t.rowsPerSecond, bytes: n.bytes + t.bytesPerSecond }), { rows: 0, bytes: 0 });
  const c = j?.config;
  const moving = j && !ended(j.status) && !j.stopped;
  // A job that cannot be read (gone, or never there) has nothing else to show.
  if (job.error && !j) {
    return html`
      <div class="crumbs"><a href="#/sources">Data sources</a> / <a href="#/sources/${sourceId}/jobs">jobs</a> / ${jobId}</div>
      <${ErrorBox} error=${job.error} />
      <p><a href="#/sources/${sourceId}/jobs">All jobs of this data source</a></p>
    `;
  }
  return html`
    <div class="crumbs"><a href="#/sources">Data sources</a> / <a href="#/sources/${sourceId}/jobs">jobs</a> / ${jobId}</div>
    <${ErrorBox} error=${job.error} />
    ${j &&
    html`
      <div class="toolbar">
        <h1 style="flex:1">${j.name} <span id="job-status"><${Status} status=${j.status} stopped=${j.stopped} /></span></h1>
        ${[
          ['start', j.status === 'DONE' ? 'Run again' : 'Start', ''],
          ['stop', 'Stop', ''],
          ['retry', 'Retry failed', ''],
          ['delete', 'Delete', 'danger'],
        ].map(([action, label, cls]) => html`<button class=${cls} onClick=${() => act(action)} disabled=${!may(action).allowed} title=${may(action).reason ?? ''}>${label}</button>`)}
      </div>
      <${ErrorBox} error=${actionError} />
      <p class="muted small">
        ${j.type} job ${c.taskType === 'MC2MC_VERIFY' ? '(verify only) ' : ''}from ${j.srcDbName} to ${j.dstDbName} · created ${fmtTime(j.createTime)}
        ${j.eta ? ` · eta ${j.eta}` : ''} · ${c.increment ? 'incremental' : 'full copy'} · verification ${c.enableVerification || c.taskType === 'MC2MC_VERIFY' ? (c.others['verify.checksum'] ? 'counts + checksum' : 'counts') : 'off'}
        ${Object.entries(c.partitionFilters).map(([t, f]) => html`<br />filter on ${t}: <code>${f}</code>`)}
      </p>
      <div class="stats">
        <${Stat} label="Tasks" value="${j.taskDone} / ${j.taskNum}" />
        <${Stat} label="Partitions" value="${fmtNum(p.partitionsDone)} / ${fmtNum(p.partitions)}" />
        <${Stat} label="Rows" value=${fmtNum(p.rows)} />
        <${Stat} label="Bytes" value=${fmtBytes(p.bytes)} />
        <${Stat} label="Now" value=${moving ? `${fmtNum(Math.round(now.rows))} rows/s · ${fmtBytes(now.bytes)}/s` : '—'} />
        <${Stat} label="Average" value="${fmtNum(Math.round(p.rowsPerSec))} rows/s · ${fmtBytes(p.bytesPerSec)}/s" />
        <${Stat} label="Elapsed" value=${fmtDuration(p.elapsed)} />
      </div>
      <${ThroughputChart} throughput=${throughput.data} moving=${moving} />
      ${p.failed.length
        ? html`<div class="error" role="alert" id="job-errors">
            ${p.failed.length} task${p.failed.length === 1 ? '' : 's'} failed:${p.failed.map((t) => html`<div>• ${t.srcTableName}: ${t.errMsg}</div>`)}
          </div>`
        : null}
    `}
    <h2>Tasks${p.run > 1 ? html` <span class="muted small">(run ${p.run})</span>` : null}</h2>
    <${ErrorBox} error=${tasks.error} />
    <table>
      <thead><tr><th class="num">Id</th><th>Table</th><th>Status</th><th>Partitions</th><th class="num">Rows</th><th class="num">Bytes</th><th class="num">Now</th><th class="num">Attempts</th><th>Started</th><th>Error</th></tr></thead>
      <tbody>
        ${p.tasks.map(
          (t) => html`
            <tr class="clickable" onClick=${() => setOpen(open === t.id ? null : t.id)}>
              <td class="num">${t.id}</td>
              <td><button class="link" aria-expanded=${open === t.id} onClick=${(e) => (e.stopPropagation(), setOpen(open === t.id ? null : t.id))}>${t.srcTableName} → ${t.dstTableName}</button></td><td><${Status} status=${t.status} stopped=${t.stopped} /></td>
              <td><${Bar} done=${t.partitionDone} total=${t.partitionNum} status=${t.status} /><span class="small muted">${t.partitionDone} / ${t.partitionNum}</span></td>
              <td class="num">${fmtNum(t.rows)}</td><td class="num">${fmtBytes(t.bytes)}</td>
              <td class="num small">${speeds.has(t.id) ? `${fmtNum(Math.round(speeds.get(t.id).rowsPerSecond))} rows/s` : '—'}</td><td class="num">${t.attempts}</td>
              <td class="small">${t.startTime ?? '—'}</td><td class="small" style="color:var(--bad)">${t.errMsg ?? ''}</td>
            </tr>
            ${open === t.id ? html`<tr><td colspan="10"><${TaskDetail} sourceId=${sourceId} taskId=${t.id} /></td></tr>` : null}
          `,
        )}
        ${tasks.data && p.tasks.length === 0 ? html`<tr><td colspan="10" class="muted">No tasks yet: the job is being planned.</td></tr>` : null}
      </tbody>
    </table>
  `;
}
