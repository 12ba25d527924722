/**
 * The low-level operations of a DaaS configuration log operation — the SDK calls it was made of, with
 * their parameters and the properties they changed: `GET /cvad/manage/ConfigLog/Operations/{id}/
 * LowLevelOperations?limit&continuationToken` with `Citrix-InstanceId`, answering a
 * `LowLevelOperationResponseModelCollection` (`Items`, `ContinuationToken`).
 *
 * Sources:
 * - Citrix's "How to get low level operations contained in a configuration operation"
 *   (developer-docs.citrix.com/en-us/citrix-daas-service-apis/citrix-daas-rest-apis/
 *   how-to-get-low-level-operations-contained-in-a-high-level-operation): the request (`GET`, the headers)
 *   and a sample answer — a `Remove Application` operation made of one `Remove-BrokerApplication` call with
 *   `Parameters` `[{Name: "Cmdlet", …}, …]`, `OperationId` the operation's `Id`, `Details` per target with
 *   display times `12/21/2020 : 3:21:12 PM` and empty strings for the values it does not set;
 * - Citrix's generated SDK `citrix/citrix-daas-rest-go` @ 1ec0933fb0fed11b41dda4095d25f853ef8af548,
 *   `citrixorchestration/docs/ConfigLogAPIsDAAS.md` (`ConfigLogGetLowLevelOperations`: `limit` — default
 *   250, more than 1000 may be rejected —, `continuationToken`; 404 among its answers),
 *   `LowLevelOperationResponseModel.md` and `LowLevelOperationDetailResponseModel.md` (the fields; end
 *   time and success null while incomplete), `LowLevelOperationResponseModelCollection.md` (`TotalItems`
 *   "only returned in the response to `$search` APIs", so this answer has none).
 *
 * INFERRED: which SDK calls each emulated operation is made of (`Set-Broker…`, `New-ProvScheme`, …) and
 * their `SourceSdk`; that the calls split the operation's time evenly and a call still running shows no
 * end; the order (newest first, as the search answers); 404 `…/common/notFound` for an operation the site
 * does not have (or not yet).
 */
import { LRUCache } from 'lru-cache';
import {
  AUDIT_RETENTION_MS,
  type AuditView,
  CONFIG_LOG_LIMITS,
  configLogOperations,
  displayTime,
  limitParameter,
  page,
  parameter,
  resume,
  uuid,
} from './admin-audit.ts';
import { cloudError } from './api-error.ts';
import { hashOf } from './random.ts';
import { DAY_MS, HOUR_MS } from './time.ts';

/** The SDK calls (cmdlet, SDK) each operation the emulator logs is made of, by its text. */
const CALLS: Record<string, readonly (readonly [string, string])[]> = {
  'Create Machine Catalog': [
    ['New-BrokerCatalog', 'Broker'],
    ['New-AcctIdentityPool', 'ADIdentity'],
    ['New-ProvScheme', 'MachineCreation'],
    ['Set-BrokerCatalogMetadata', 'Broker'],
  ],
  'Add Machines to Delivery Group': [
    ['Add-BrokerMachine', 'Broker'],
    ['Set-BrokerDesktopGroupMetadata', 'Broker'],
  ],
  'Remove Application': [['Remove-BrokerApplication', 'Broker']],
  'Set Delivery Group Power Schedule': [['Set-BrokerPowerTimeScheme', 'Broker']],
  'Log off Session': [['Stop-BrokerSession', 'Broker']],
  'Turn On Maintenance Mode': [['Set-BrokerMachineMaintenanceMode', 'Broker']],
  'Restart Machine': [['New-BrokerHostingPowerAction', 'Broker']],
};

const nullIfAfter = (at: number, now: number, value: unknown) => (at <= now ? value : null);

/**
 * The low-level operations of `operation` (its record once ended) started by `now`, oldest first, as
 * they stand at `now`.
 */
export function lowLevelOperationsOf(
  seed: number,
  operation: Record<string, unknown>,
  now: number,
): Record<string, unknown>[] {
  const text = String(operation.Text);
  const [kind = text, object = ''] = text.split(/ '(.*)'$/);
  const calls = CALLS[kind] ?? [['Invoke-BrokerCommand', 'Broker']];
  const start = Date.parse(String(operation.FormattedStartTime));
  const end = Date.parse(String(operation.FormattedEndTime));
  const targetType = String((operation.TargetTypes as unknown[] | undefined)?.[0] ?? 'Unknown');
  return calls.flatMap(([cmdlet, sdk], k) => {
    const from = start + Math.floor(((end - start) * k) / calls.length);
    const to = start + Math.floor(((end - start) * (k + 1)) / calls.length);
    if (from > now) return [];
    const last = k === calls.length - 1;
    const success = nullIfAfter(to, now, last ? operation.IsSuccessful : true);
    const times = {
      EndTime: nullIfAfter(to, now, displayTime(to)),
      FormattedEndTime: nullIfAfter(to, now, new Date(to).toISOString()),
      StartTime: displayTime(from),
      FormattedStartTime: new Date(from).toISOString(),
    };
    const callText = calls.length === 1 ? text : `${cmdlet} '${object}'`;
    const setting = cmdlet.startsWith('Set-');
    return [
      {
        AdminMachineIP: operation.AdminMachineIP,
        Details: [
          {
            EndTime: times.EndTime,
            FormattedEndTime: times.FormattedEndTime,
            IsSuccessful: success,
            NewValue: setting ? 'True' : '',
            PreviousValue: setting ? 'False' : '',
            PropertyName: setting ? cmdlet.replace(/^Set-Broker/, '') : '',
            AddValue: '',
            RemoveValue: '',
            StartTime: times.StartTime,
            FormattedStartTime: times.FormattedStartTime,
            TargetName: object,
            TargetUid: String(hashOf(seed, 'target', object) % 10_000),
            TargetType: targetType,
            Text: callText,
          },
        ],
        EndTime: times.EndTime,
        FormattedEndTime: times.FormattedEndTime,
        Id: uuid(seed, 'configlog-low-level', String(operation.Id), k),
        IsSuccessful: success,
        OperationId: operation.Id,
        OperationType: operation.OperationType,
        Parameters: [
          { Name: 'Cmdlet', Value: cmdlet },
          { Name: 'Name', Value: object },
        ],
        Source: operation.Source,
        SourceSdk: sdk,
        StartTime: times.StartTime,
        FormattedStartTime: times.FormattedStartTime,
        TargetTypes: [targetType],
        Text: callText,
        User: operation.User,
        UserIdentity: operation.UserIdentity,
      },
    ];
  });
}

/** Where each operation seen lately was logged (its hour), by seed, customer and id. Bounded. */
const hourOf = new LRUCache<string, number>({ max: 100_000 });

/** The operations of one hour as they are once ended (whatever `now` is). */
function endedOperationsOf(view: AuditView, customerId: string, hour: number): Record<string, unknown>[] {
  const from = hour * HOUR_MS;
  return configLogOperations(
    { seed: view.seed, now: from + HOUR_MS + DAY_MS, late: null, planted: view.planted ?? null },
    customerId,
    from,
    from + HOUR_MS,
  );
}

/** The operation `id` once ended, searched newest hour first within the retention; undefined if none. */
function endedOperation(
  view: AuditView,
  customerId: string,
  id: string,
): Record<string, unknown> | undefined {
  const key = (operationId: unknown) => `${view.seed} ${customerId} ${String(operationId)}`;
  const known = hourOf.get(key(id));
  const last = Math.floor(view.now / HOUR_MS);
  const first = Math.floor((view.now - AUDIT_RETENTION_MS) / HOUR_MS);
  const hours = known !== undefined ? [known] : Array.from({ length: last - first + 1 }, (_, i) => last - i);
  for (const hour of hours) {
    const operations = endedOperationsOf(view, customerId, hour);
    for (const operation of operations) hourOf.set(key(operation.Id), hour);
    const found = operations.find((operation) => operation.Id === id);
    if (found) return found;
  }
  return undefined;
}

/** The low-level operations of operation `id` at `view.now`; undefined when the site has no such operation now. */
export function configLogLowLevelOperations(
  view: AuditView,
  customerId: string,
  id: string,
): Record<string, unknown>[] | undefined {
  const ended = endedOperation(view, customerId, id);
  if (!ended) return undefined;
  const start = Date.parse(String(ended.FormattedStartTime));
  // Listed only while the search lists the operation: started, visible (late arrivals), retained.
  const listed = configLogOperations(view, customerId, start, start + 1).some(
    (operation) => operation.Id === id,
  );
  return listed ? lowLevelOperationsOf(view.seed, ended, view.now) : undefined;
}

/** `GET /cvad/manage/ConfigLog/Operations/{id}/LowLevelOperations`. */
export function lowLevelOperationsReply(
  view: AuditView,
  customerId: string,
  id: string,
  params: URLSearchParams,
): Record<string, unknown> {
  const limit = limitParameter(parameter(params, 'limit'), 'limit', CONFIG_LOG_LIMITS);
  const query = `configlog-low-level ${customerId} ${id}`;
  const offset = resume(parameter(params, 'continuationToken'), query, 'continuationToken');
  const operations = configLogLowLevelOperations(view, customerId, id);
  if (!operations) throw cloudError(404, 'notFound', `No configuration log operation '${id}'`);
  const { served, next } = page(operations, offset, limit, query);
  return { Items: served, ContinuationToken: next };
}
