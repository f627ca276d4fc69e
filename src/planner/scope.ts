import { invalid } from '../errors.js';
import { compileFilter, FilterError, type FilterColumn } from './filter/compile.js';
import type { JobType } from '../store/schema.js';

/** The scope part of an MMS job config, as CreateMmsJob receives it. */
export interface ScopeRequest {
  type?: JobType;
  tables?: string[];
  partitions?: number[];
  tableWhiteList?: string[];
  tableBlackList?: string[];
  partitionFilters?: Record<string, string>;
  tableMapping?: Record<string, string>;
  columnMapping?: Record<string, string>;
}

/** What the catalog knows of the job's source database. */
export interface ScopeCatalog {
  tables: string[];
  /** Table name of each requested partition id found in this database. */
  partitionTables: Map<number, string>;
  /** Partition columns of the tables that have partition filters. */
  partitionColumns: Map<string, FilterColumn[]>;
  /** Column names of every table of the database (to check columnMapping against). */
  columns: Map<string, string[]>;
}

export interface ResolvedScope {
  type: JobType;
  /** `dstDb`: where the catalog maps the table, when the job service resolved it (UpdateMmsTable). */
  tables: { src: string; dst: string; dstDb?: string }[];
}

/**
 * Resolves which tables a job covers and where each one lands, rejecting anything that names
 * a table or partition the catalog does not have, or maps two tables onto one destination name.
 * Pure: the caller reads the catalog.
 */
export function resolveScope(req: ScopeRequest, catalog: ScopeCatalog): ResolvedScope {
  const type = req.type ?? (req.partitions?.length ? 'Partitions' : req.tables?.length ? 'Tables' : 'Database');
  const known = new Set(catalog.tables);
  const checkTables = (field: string, names: string[] | undefined) =>
    names?.forEach((n, i) => {
      if (!known.has(n)) throw invalid(`${field}[${i}]: table '${n}' is not in the catalog of this database`);
    });

  const onlyFor = (field: keyof ScopeRequest, wanted: JobType) => {
    const v = req[field] as unknown[] | undefined;
    if (v?.length && type !== wanted) throw invalid(`${field} is only valid when type is ${wanted} (type is ${type})`);
  };
  onlyFor('tables', 'Tables');
  onlyFor('partitions', 'Partitions');
  onlyFor('tableWhiteList', 'Database');
  onlyFor('tableBlackList', 'Database');

  let selected: string[];
  if (type === 'Tables') {
    if (!req.tables?.length) throw invalid('tables must list at least one table when type is Tables');
    checkTables('tables', req.tables);
    selected = req.tables;
  } else if (type === 'Partitions') {
    if (!req.partitions?.length) throw invalid('partitions must list at least one partition id when type is Partitions');
    selected = req.partitions.map((id, i) => {
      const table = catalog.partitionTables.get(id);
      if (table === undefined) throw invalid(`partitions[${i}]: partition ${id} is not in the catalog of this database`);
      return table;
    });
  } else {
    checkTables('tableWhiteList', req.tableWhiteList);
    checkTables('tableBlackList', req.tableBlackList);
    // Given both, only the black list applies (reference §2.9): every table but those.
    const black = new Set(req.tableBlackList ?? []);
    selected = black.size ? catalog.tables.filter((t) => !black.has(t)) : req.tableWhiteList?.length ? req.tableWhiteList : catalog.tables;
  }
  const inScope = [...new Set(selected)];
  if (inScope.length === 0) throw invalid('the job selects no tables');

  const scoped = new Set(inScope);
  for (const [field, map] of [['partitionFilters', req.partitionFilters], ['tableMapping', req.tableMapping]] as const) {
    for (const table of Object.keys(map ?? {})) {
      if (!scoped.has(table)) throw invalid(`${field}: table '${table}' is not one of the tables this job migrates`);
    }
  }
  for (const [table, expr] of Object.entries(req.partitionFilters ?? {})) {
    try {
      compileFilter(expr, catalog.partitionColumns.get(table) ?? []);
    } catch (err) {
      if (err instanceof FilterError) throw invalid(`partitionFilters['${table}']: ${err.message}`);
      throw err;
    }
  }

  const tables = inScope.map((src) => ({ src, dst: req.tableMapping?.[src] ?? src }));
  assertDistinct(tables.map((t) => [t.src, t.dst]), 'tableMapping', 'table');
  const mapping = req.columnMapping ?? {};
  assertDistinct(Object.entries(mapping), 'columnMapping', 'column');
  if (Object.keys(mapping).length) {
    const used = new Set<string>();
    for (const t of inScope) {
      const names = catalog.columns.get(t) ?? [];
      names.forEach((n) => n in mapping && used.add(n));
      // A column renamed onto the name another column keeps would merge two columns.
      assertDistinct(names.map((n) => [n, mapping[n] ?? n]), `columnMapping (table '${t}')`, 'column');
    }
    const unknown = Object.keys(mapping).filter((n) => !used.has(n));
    if (unknown.length) throw invalid(`columnMapping: no table of this job has a column '${unknown[0]}'`);
  }
  return { type, tables };
}

/** Two sources onto one destination name would merge data silently: refuse it. */
function assertDistinct(pairs: [string, string][], field: string, what: string): void {
  const seen = new Map<string, string>();
  for (const [src, dst] of pairs) {
    if (!dst.trim()) throw invalid(`${field}: ${what} '${src}' is mapped to an empty name`);
    const other = seen.get(dst);
    if (other !== undefined) throw invalid(`${field}: ${what}s '${other}' and '${src}' would both be written to '${dst}'`);
    seen.set(dst, src);
  }
}
