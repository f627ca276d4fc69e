/**
 * Cut points of tables without an integer key (data.ts Cuts), found by a scan: about equal slices
 * of a table's rows, at most MAX_CUTS bounds (so up to 1,024 chunks), each slice at least MIN_STEP
 * rows. A job takes as many of them as its chunk size asks for (planner/tasks.ts).
 */
import { Type } from '@sinclair/typebox';
import { decodeStored } from '../store/stored-json.js';
import type { Cut, Cuts } from './data.js';

export const MAX_CUTS = 1023;
const MIN_STEP = 1000;

/** Rows between two cut points of a table of `rows` rows; null where it is too small to cut. */
export function cutStep(rows: number): number | null {
  const step = Math.max(MIN_STEP, Math.ceil(rows / (MAX_CUTS + 1)));
  return rows >= 2 * step ? step : null;
}

/** Integer bounds of equal width between min and max (SQLite rowids, PostgreSQL pages), `rows` rows among them. */
export function evenBounds(min: bigint, max: bigint, rows: number): string[] {
  const step = cutStep(rows);
  if (step === null || max <= min) return [];
  const parts = BigInt(Math.min(Math.floor(rows / step), MAX_CUTS + 1));
  const span = max - min + 1n;
  return Array.from({ length: Number(parts) - 1 }, (_, i) => (min + (span * BigInt(i + 1)) / parts).toString()).filter((b, i, all) => i === 0 || b !== all[i - 1]);
}

/** A lake table's cut point: a file, and the row of it (from 0) where a chunk starts. */
export const fileBound = (file: string, row: number): string => JSON.stringify([file, row]);

/** A lake cut point's file and row; a cut point not of that form (the store edited by hand) fails. */
export function filePosition(bound: string): { file: string; row: number } {
  const v: unknown = JSON.parse(bound);
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !Number.isSafeInteger(v[1]) || v[1] < 0) throw new Error('the stored chunk cut is not valid: not a file position');
  return { file: v[0], row: v[1] };
}

/** Of items with row counts in order (a lake table's row groups), the names where each slice of about `step` rows starts. */
export function boundsByRows(items: { name: string; rows: number }[], step: number): string[] {
  const bounds: string[] = [];
  let since = 0;
  for (const item of items) {
    if (since >= step && bounds.length < MAX_CUTS) {
      bounds.push(item.name);
      since = 0;
    }
    since += item.rows;
  }
  return bounds;
}

const Kind = Type.Union([Type.Literal('key'), Type.Literal('rowid'), Type.Literal('pages'), Type.Literal('file')]);
const CutsSchema = Type.Object({ by: Kind, column: Type.String(), bounds: Type.Array(Type.String()), rows: Type.Number() });
const Bound = Type.Union([Type.String(), Type.Null()]);
const CutSchema = Type.Object({ by: Kind, column: Type.String(), lo: Bound, hi: Bound });

/** A table's cut points as the catalog keeps them (catalog_tables.cuts). */
export const decodeCuts = (text: string | null): Cuts | null => (text === null ? null : decodeStored(CutsSchema, text, 'table cut points'));

/** A chunk's cut as a task keeps it (task_partitions.cut). */
export const decodeCut = (text: string | null): Cut | null => (text === null ? null : decodeStored(CutSchema, text, 'chunk cut'));
