import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

describe('mms serve', () => {
  it('starts on the embedded store and answers ListMmsJobs over HTTP', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-cli-'));
    new SqliteDatabase(join(dataDir, 'demo.sqlite')).close();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, OPENMMS_SECRET_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const base = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = /OpenMMS listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
      });
      const post = await fetch(`${base}/api/v1/mms/datasources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'demo', type: 'SQLITE', config: { source: { path: join(dataDir, 'demo.sqlite') } } }),
      });
      const { data } = (await post.json()) as { data: { dataSourceId: number } };
      const res = await fetch(`${base}/api/v1/mms/datasources/${data.dataSourceId}/jobs`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { requestId: string; data: unknown };
      expect(body.data).toEqual({ total: 0, objectList: [], pageNum: 1, pageSize: 10 });
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
