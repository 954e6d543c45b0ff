import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";

/**
 * The QuestDB data source as provisioned in `provisioning/datasources/questdb.yaml`: QuestDB's own
 * Grafana plugin (`questdb-questdb-datasource`), over QuestDB's PostgreSQL wire port. Panels refer to
 * it by this fixed uid, so provisioned dashboards work without a lookup.
 */
export const QUESTDB_PLUGIN = "questdb-questdb-datasource";
export const QUESTDB_PLUGIN_VERSION = "0.1.8";
export const QUESTDB: dashboard.DataSourceRef = { type: QUESTDB_PLUGIN, uid: "metricsdash-questdb" };

/** The plugin's `Format` enum: how a result becomes a Grafana frame. */
export const FORMAT = { timeSeries: 0, table: 1 } as const;

/** A raw-SQL target of the QuestDB plugin (its `QuestDBSQLQuery` model). The SDK has no QuestDB package. */
export interface QuestDbSqlQuery extends cog.Dataquery {
  refId: string;
  datasource: dashboard.DataSourceRef;
  queryType: "sql";
  rawSql: string;
  format: number;
  selectedFormat: number;
  hide?: boolean;
}

export class SqlQuery implements cog.Builder<cog.Dataquery> {
  private readonly query: QuestDbSqlQuery;

  constructor(rawSql: string, refId = "A", format: number = FORMAT.table) {
    this.query = {
      refId,
      datasource: QUESTDB,
      queryType: "sql",
      rawSql,
      format,
      selectedFormat: format,
      _implementsDataqueryVariant: () => undefined,
    };
  }

  build(): QuestDbSqlQuery {
    return this.query;
  }
}
