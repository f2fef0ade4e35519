import type { DtTablesTable } from './tables/data/dt-tables';
import type { DtFieldsTable } from './tables/data/dt-fields';
import type { DtRelationsTable } from './tables/data/dt-relations';
import type { DtViewsTable } from './tables/data/dt-views';
import type { DtQuoteTemplatesTable } from './tables/data/dt-quote-templates';
import type { DtQuotesTable } from './tables/data/dt-quotes';
import type { DtQuotePositionsTable } from './tables/data/dt-quote-positions';
import type { DtQuoteHistoryTable } from './tables/data/dt-quote-history';

/**
 * The fixed tables of arasul_data_db (Datentabellen). The user-defined `data_{slug}` tables are created at
 * runtime and are queried with dynamic, validated identifiers, so they are not part of this interface.
 */
export interface DataDatabase {
  dt_tables: DtTablesTable;
  dt_fields: DtFieldsTable;
  dt_relations: DtRelationsTable;
  dt_views: DtViewsTable;
  dt_quote_templates: DtQuoteTemplatesTable;
  dt_quotes: DtQuotesTable;
  dt_quote_positions: DtQuotePositionsTable;
  dt_quote_history: DtQuoteHistoryTable;
}
