/**
 * The Citrix DaaS configuration log as a pull stream: `POST {api}/cvad/manage/ConfigLog/Operations/
 * $search?limit&continuationToken` with `Citrix-InstanceId` (the site), a `StartTime` window per UTC hour
 * (`GreaterThanOrEquals` its start, `LessThan` its end, as Microsoft's Sentinel connector sends), the
 * continuation token as the resume token.
 *
 * Operations are delivered as the API answers them (PascalCase). `StartTime` and `EndTime` are display
 * text (`12/21/2020 : 3:21:12 PM`); windows are cut on `FormattedStartTime`, their ISO form. An operation
 * still running has no end yet: read again by the reconcile pass once it ended, it is delivered again as
 * its new version, with `FormattedEndTime` and `IsSuccessful`.
 *
 * Each operation carries its low-level operations (low-level.ts): fetched before its page is handed on.
 */
import { type CitrixCloudClient, formatODataInstant } from '@ctxsiem/citrix-cloud';
import {
  type Column,
  HOUR_MS,
  MINUTE_MS,
  type Page,
  type PullStream,
  type TableProjection,
  type Window,
} from '@ctxsiem/core';
import { z } from 'zod';
import type { DaasConfigLogOptions } from './config.ts';
import {
  cappedOperation,
  decodeResume,
  encodeResume,
  operationIdentity,
  withLowLevelOperations,
} from './low-level.ts';
import { searchPages } from './search.ts';

export const CONFIG_LOG_SEARCH_PATH = 'cvad/manage/ConfigLog/Operations/$search';

export const instant = z.iso.datetime({ offset: true, message: 'must be an ISO date-time' });

/** What every operation must carry to be placed and told apart; other fields are kept as sent. */
export const OperationSchema = z.looseObject({
  Id: z.string().min(1, 'Id must not be empty'),
  Text: z.string(),
  FormattedStartTime: instant,
  FormattedEndTime: instant.nullable().optional(),
  IsSuccessful: z.boolean().nullable().optional(),
  OperationType: z.string().optional(),
});

export const OPERATION_COLUMNS: readonly Column[] = [
  { name: 'Id', type: 'string' },
  { name: 'Text', type: 'string' },
  { name: 'User', type: 'string' },
  { name: 'UserIdentity', type: 'string' },
  { name: 'Source', type: 'string' },
  { name: 'AdminMachineIP', type: 'string' },
  { name: 'StartTime', type: 'string' },
  { name: 'FormattedStartTime', type: 'datetime' },
  { name: 'EndTime', type: 'string' },
  { name: 'FormattedEndTime', type: 'datetime' },
  { name: 'IsSuccessful', type: 'boolean' },
  { name: 'OperationType', type: 'string' },
  { name: 'TargetTypes', type: 'dynamic' },
  { name: 'Labels', type: 'dynamic' },
  { name: 'Metadata', type: 'dynamic' },
  { name: 'Parameters', type: 'dynamic' },
  { name: 'LowLevelOperations', type: 'dynamic' },
  { name: 'LowLevelOperationsStatus', type: 'string' },
];

/**
 * Microsoft's `CitrixDaaSConfigOps_CL` (the Citrix DaaS solution for Sentinel): its columns, in its
 * order, then what it leaves out (target types, labels, metadata, parameters, the low-level operations) — and its transform, with
 * the customer id from the tenant field — so its analytics rules and workbooks work on these rows.
 */
export function configOpsTable(tenantField: string): TableProjection {
  return {
    columns: [
      { name: 'OperationId', type: 'string' },
      { name: 'OperationText', type: 'string' },
      { name: 'User', type: 'string' },
      { name: 'UserIdentity', type: 'string' },
      { name: 'Source', type: 'string' },
      { name: 'AdminMachineIp', type: 'string' },
      { name: 'StartTime', type: 'datetime' },
      { name: 'EndTime', type: 'datetime' },
      { name: 'IsSuccessful', type: 'boolean' },
      { name: 'OperationType', type: 'string' },
      { name: 'CitrixCustomerId', type: 'string' },
      { name: 'TargetTypes', type: 'dynamic' },
      { name: 'Labels', type: 'dynamic' },
      { name: 'Metadata', type: 'dynamic' },
      { name: 'Parameters', type: 'dynamic' },
      { name: 'LowLevelOperations', type: 'dynamic' },
      { name: 'LowLevelOperationsStatus', type: 'string' },
    ],
    transformKql:
      'source | extend TimeGenerated = iff(isnotempty(FormattedEndTime), todatetime(FormattedEndTime), ' +
      'iff(isnotempty(FormattedStartTime), todatetime(FormattedStartTime), now())), ' +
      "OperationId = ['Id'], OperationText = ['Text'], AdminMachineIp = ['AdminMachineIP'], " +
      `StartTime = todatetime(['FormattedStartTime']), EndTime = todatetime(['FormattedEndTime']), CitrixCustomerId = ['${tenantField}'] ` +
      '| project TimeGenerated, OperationId, OperationText, User, UserIdentity, Source, AdminMachineIp, ' +
      'StartTime, EndTime, IsSuccessful, OperationType, CitrixCustomerId, TargetTypes, Labels, Metadata, Parameters, ' +
      'LowLevelOperations, LowLevelOperationsStatus',
  };
}

/** The `$search` body of a window: operations that started in `[from, to)`. */
export function windowSearch(window: Window): Record<string, unknown> {
  return {
    SearchFilters: [
      { Property: 'StartTime', Value: formatODataInstant(window.from), Operator: 'GreaterThanOrEquals' },
      { Property: 'StartTime', Value: formatODataInstant(window.to), Operator: 'LessThan' },
    ],
  };
}

export function operationsStream(
  options: DaasConfigLogOptions,
  client: CitrixCloudClient,
  site: (signal: AbortSignal) => Promise<string>,
  tenantField: string,
): PullStream {
  return {
    name: 'operations',
    cursorField: 'FormattedStartTime',
    window: { alignMs: HOUR_MS, maxWindowMs: HOUR_MS, lagMs: options.lagMinutes * MINUTE_MS },
    schema: OperationSchema,
    columns: OPERATION_COLUMNS,
    azureTable: configOpsTable(tenantField),
    identity: operationIdentity,
    async *read(window, resume, signal): AsyncIterable<Page> {
      const headers = { 'Citrix-InstanceId': await site(signal) };
      const cap = options.lowLevelPerWindow;
      // With low-level operations, the resume token also says how many of the window had theirs fetched.
      let { token, fetched } = cap > 0 ? decodeResume(resume) : { token: resume, fetched: 0 };
      const pages = searchPages(
        client,
        {
          path: CONFIG_LOG_SEARCH_PATH,
          body: windowSearch(window),
          pageSize: options.pageSize,
          headers,
          token,
        },
        signal,
      );
      for await (const page of pages) {
        const records: Record<string, unknown>[] = [];
        for (const operation of page.items) {
          if (cap === 0 || typeof operation.Id !== 'string' || !operation.Id) records.push(operation);
          else if (fetched >= cap) records.push(cappedOperation(operation));
          else {
            records.push(await withLowLevelOperations(client, operation, headers, signal));
            fetched++;
          }
        }
        token = page.next;
        yield { records, next: token && cap > 0 ? encodeResume(token, fetched) : token };
      }
    },
  };
}
