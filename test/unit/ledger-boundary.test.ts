import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(process.cwd(), 'src');
const LEDGER = join(SRC, 'jobs', 'ledger');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

// A write to one of the ledger's tables, with Kysely (`updateTable('tasks')`, `insertInto('jobs as j')`) or in SQL text.
const WRITE = /\b(?:updateTable|insertInto|deleteFrom|replaceInto|mergeInto)\(\s*['"`](?:jobs|tasks|task_partitions)(?:\s+as\s+\w+)?['"`]|\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+"?(?:jobs|tasks|task_partitions)\b/i;

describe('the task ledger (src/jobs/ledger)', () => {
  it('is the only place that writes jobs, tasks and task partitions', () => {
    const outside: string[] = [];
    for (const file of sources(SRC)) {
      if (file.startsWith(LEDGER) || file.includes(`${join('store', 'migrations')}`)) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (WRITE.test(line)) outside.push(`${relative(process.cwd(), file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(outside).toEqual([]);
  });

  it('catches the forms it looks for', () => {
    for (const line of [`db.updateTable('tasks').set({ status: 'DONE' })`, `tx.insertInto("task_partitions")`, `.deleteFrom('jobs as j')`, 'UPDATE tasks SET status = 1', 'insert into "jobs" values']) {
      expect(WRITE.test(line), line).toBe(true);
    }
    expect(WRITE.test(`db.updateTable('task_throughput')`)).toBe(false);
    expect(WRITE.test(`db.selectFrom('tasks')`)).toBe(false);
  });
});
