/** Page size of the List calls when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 10;

export interface Paging {
  pageNum: number;
  pageSize: number;
  /** The rows the store is to return. */
  page: { offset: number; limit: number };
}

/** pageNum/pageSize of a List call (validated by its schema), with defaults. */
export function paging(q: { pageNum?: number; pageSize?: number }, defaultSize = DEFAULT_PAGE_SIZE): Paging {
  const pageNum = q.pageNum ?? 1;
  const pageSize = q.pageSize ?? defaultSize;
  return { pageNum, pageSize, page: { offset: (pageNum - 1) * pageSize, limit: pageSize } };
}
