/**
 * The Sentinel content files under `content/sentinel/`, one YAML document each, in the shapes Microsoft's
 * own repository uses (Azure/Azure-Sentinel `Detections/`, `Hunting Queries/`, `Parsers/`), read and
 * validated here: a mistake in a file (an unknown tactic, a frequency Sentinel refuses, an entity
 * identifier that does not exist) fails naming the file and the field.
 *
 * - `functions/*.yaml` — workspace functions (saved searches with a function alias): ASIM parsers and
 *   helpers. `asim` says which ASIM schema the function's result must match.
 * - `rules/*.yaml` — scheduled analytic rules.
 * - `hunting/*.yaml` — hunting queries (saved searches in the category "Hunting Queries").
 * - `workbooks/*.json` — Azure Monitor workbooks (`Notebook/1.0`), read by `workbook.ts`.
 *
 * Limits are Sentinel's, from "Create a scheduled analytics rule"
 * (https://learn.microsoft.com/azure/sentinel/create-analytics-rules): a query runs every 5 minutes to
 * 14 days and looks back 5 minutes to 14 days, no shorter than its frequency (INFERRED: a shorter period
 * would leave rows no run sees); entity mapping from "Map data fields to entities"
 * (https://learn.microsoft.com/azure/sentinel/map-data-fields-to-entities): at most 10 entities, each with
 * at most 3 identifiers, the identifiers of the "Entities reference"
 * (https://learn.microsoft.com/azure/sentinel/entities-reference).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/** Where the content files are. */
export const SENTINEL_CONTENT_DIR = fileURLToPath(new URL('../../sentinel/', import.meta.url));

/**
 * MITRE ATT&CK tactics as Sentinel names them (the `tactics` of an alert rule: the `AttackTactic` enum of
 * the Security Insights REST API, https://learn.microsoft.com/rest/api/securityinsights/alert-rules).
 */
export const SENTINEL_TACTICS = [
  'Reconnaissance',
  'ResourceDevelopment',
  'InitialAccess',
  'Execution',
  'Persistence',
  'PrivilegeEscalation',
  'DefenseEvasion',
  'CredentialAccess',
  'Discovery',
  'LateralMovement',
  'Collection',
  'Exfiltration',
  'CommandAndControl',
  'Impact',
] as const;

/** The entity identifiers the content maps, per entity type ("Entities reference", above). */
export const ENTITY_IDENTIFIERS = {
  Account: [
    'Name',
    'FullName',
    'NTDomain',
    'DnsDomain',
    'UPNSuffix',
    'Sid',
    'AadTenantId',
    'AadUserId',
    'PUID',
    'DisplayName',
    'ObjectGuid',
  ],
  Host: [
    'DnsDomain',
    'NTDomain',
    'HostName',
    'FullName',
    'NetBiosName',
    'AzureID',
    'OMSAgentID',
    'OSFamily',
    'OSVersion',
  ],
  IP: ['Address'],
  CloudApplication: ['AppId', 'Name', 'InstanceName'],
} as const satisfies Record<string, readonly [string, ...string[]]>;

const duration = z
  .string()
  .regex(/^\d+[mhd]$/, 'a duration such as 5m, 1h, 14d')
  .refine((text) => minutes(text) >= 5 && minutes(text) <= 14 * 24 * 60, 'between 5m and 14d');

/** `5m`, `1h`, `14d` in minutes. */
export function minutes(text: string): number {
  const value = Number.parseInt(text, 10);
  const unit = text.at(-1);
  return unit === 'd' ? value * 1440 : unit === 'h' ? value * 60 : value;
}

/** One entity of a rule's or hunting query's result: its identifiers, each from a result column. */
function entity<const T extends string>(entityType: string, identifiers: readonly [T, ...T[]]) {
  return z.object({
    entityType: z.literal(entityType),
    fieldMappings: z
      .array(z.object({ identifier: z.enum(identifiers), columnName: z.string().min(1) }))
      .min(1)
      .max(3),
  });
}

const entityMapping = z.discriminatedUnion('entityType', [
  entity('Account', ENTITY_IDENTIFIERS.Account),
  entity('Host', ENTITY_IDENTIFIERS.Host),
  entity('IP', ENTITY_IDENTIFIERS.IP),
  entity('CloudApplication', ENTITY_IDENTIFIERS.CloudApplication),
]);

/** What question a rule or hunting query answers (the README's table, the emulator's planted scenarios). */
const question = z.string().regex(/^[a-z][a-z-]*$/);
const version = z.string().regex(/^\d+\.\d+\.\d+$/);
const common = {
  id: z.uuid(),
  name: z.string().min(1).max(256),
  description: z.string().min(1),
  question,
  tactics: z.array(z.enum(SENTINEL_TACTICS)).min(1),
  relevantTechniques: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).min(1),
  query: z.string().min(1),
  version,
};

export const WorkspaceFunctionSchema = z.strictObject({
  /** The function alias, as queries call it. */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  displayName: z.string().min(1),
  description: z.string().min(1),
  /** The saved search's category. */
  category: z.string().default('ctxsiem'),
  /** The ASIM schema the result matches, for a parser. */
  asim: z.enum(['Authentication', 'AuditEvent']).optional(),
  /** Parameters, without parentheses: `starttime:datetime=datetime(null), …`. */
  parameters: z.string().default(''),
  /** A recommended ASIM field the source cannot fill, and why. */
  notAvailable: z.record(z.string(), z.string().min(1)).default({}),
  query: z.string().min(1),
  version,
});

export const AnalyticRuleSchema = z
  .strictObject({
    ...common,
    kind: z.literal('Scheduled'),
    severity: z.enum(['Informational', 'Low', 'Medium', 'High']),
    queryFrequency: duration,
    queryPeriod: duration,
    triggerOperator: z.enum(['gt', 'lt', 'eq', 'ne']).default('gt'),
    triggerThreshold: z.number().int().min(0).default(0),
    entityMappings: z.array(entityMapping).min(1).max(10),
    /** Alert fields shown with each alert: name → result column. */
    customDetails: z.record(z.string().regex(/^[A-Za-z0-9_]{1,20}$/), z.string()).optional(),
  })
  .refine((rule) => minutes(rule.queryPeriod) >= minutes(rule.queryFrequency), {
    message: 'queryPeriod must be at least queryFrequency',
    path: ['queryPeriod'],
  });

export const HuntingQuerySchema = z.strictObject({
  ...common,
  entityMappings: z.array(entityMapping).max(10).optional(),
});

export type WorkspaceFunction = z.output<typeof WorkspaceFunctionSchema>;
export type AnalyticRule = z.output<typeof AnalyticRuleSchema>;
export type HuntingQuery = z.output<typeof HuntingQuerySchema>;

export interface ContentFile<T> {
  /** The file, relative to the content directory (`rules/impossible-travel.yaml`). */
  file: string;
  content: T;
}

/** Every YAML file of a folder, validated; fails naming the file and the fields. */
function readFolder<T>(folder: string, schema: z.ZodType<T>, root: string): ContentFile<T>[] {
  const directory = join(root, folder);
  return readdirSync(directory)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => {
      const file = `${folder}/${name}`;
      const parsed = schema.safeParse(parse(readFileSync(join(directory, name), 'utf8')));
      if (!parsed.success)
        throw new Error(
          `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ')}`,
        );
      return { file, content: parsed.data };
    });
}

export interface SentinelContent {
  functions: ContentFile<WorkspaceFunction>[];
  rules: ContentFile<AnalyticRule>[];
  hunting: ContentFile<HuntingQuery>[];
}

/** The content's functions, rules and hunting queries (workbooks: `workbook.ts`). */
export function sentinelContent(root = SENTINEL_CONTENT_DIR): SentinelContent {
  return {
    functions: readFolder('functions', WorkspaceFunctionSchema, root),
    rules: readFolder('rules', AnalyticRuleSchema, root),
    hunting: readFolder('hunting', HuntingQuerySchema, root),
  };
}
