import {
  QueryVariableBuilder,
  VariableHide,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { FORMAT, QUESTDB } from "./questdb.ts";

/** A variable filled by a QuestDB query when the dashboard loads (and when a variable it names changes). */
export function queryVariable(name: string, label: string, rawSql: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(QUESTDB)
    .query({ refId: `var-${name}`, queryType: "sql", rawSql, format: FORMAT.table })
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);
}

/** Read by the panels, never chosen: what the shop directory says of the chosen shop. */
export function hiddenVariable(name: string, label: string, rawSql: string): QueryVariableBuilder {
  return queryVariable(name, label, rawSql).hide(VariableHide.HideVariable);
}

/**
 * Several values, or All, which is the default. Without a custom all-value Grafana writes All as every
 * value the query returned, so `IN ($name)` reads the same for All as for a choice (the QuestDB data
 * source quotes a multi-value variable as `'a','b'`).
 */
export function multiVariable(name: string, label: string, rawSql: string): QueryVariableBuilder {
  return queryVariable(name, label, rawSql)
    .multi(true)
    .includeAll(true)
    .current({ text: ["All"], value: ["$__all"] });
}
