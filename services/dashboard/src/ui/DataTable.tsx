import type { ReactNode } from 'react';

export interface Column<T> {
  /** Stable key of the column. */
  key: string;
  header: ReactNode;
  /** The header is for screen readers only (e.g. an actions column). */
  headerHidden?: boolean;
  cell: (row: T) => ReactNode;
  className?: string;
}

/**
 * The one table of the dashboard's lists: a header row, one row per item, horizontal scrolling on narrow
 * screens, and an empty text when there is nothing to show.
 */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  rowClassName,
  rowData,
  empty,
  testId,
  label,
}: {
  rows: readonly T[] | undefined;
  columns: readonly Column<T>[];
  rowKey: (row: T) => string | number;
  rowClassName?: (row: T) => string | undefined;
  /** `data-*` attributes of a row (what tests and styles select on, e.g. `{ 'data-status': row.status }`). */
  rowData?: (row: T) => Record<`data-${string}`, string>;
  /** Shown in place of the rows when the list is loaded and empty. */
  empty?: ReactNode;
  testId?: string;
  /** Names the scrollable region (it takes the keyboard focus so a narrow screen can scroll it with keys). */
  label: string;
}) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col">
                {column.headerHidden ? (
                  <span className="visually-hidden">{column.header}</span>
                ) : (
                  column.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows?.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)} {...rowData?.(row)}>
              {columns.map((column) => (
                <td key={column.key} className={column.className}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
          {rows?.length === 0 && empty !== undefined && (
            <tr>
              <td colSpan={columns.length} className="muted">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
