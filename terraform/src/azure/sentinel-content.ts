/**
 * ctxsiem's Sentinel content in the environment's workspace (`content/sentinel/`, planned per
 * environment by `@ctxsiem/content`'s `contentPlan`): the functions (saved searches with a function alias:
 * the ASIM parsers, the latest-version functions), the scheduled analytic rules, the hunting queries
 * (saved searches in the category "Hunting Queries", their description, tactics and techniques as tags,
 * as Sentinel's own ARM templates store them) and the workbooks (Azure Monitor workbooks whose source is
 * the workspace, category `sentinel`, which Sentinel's Workbooks page lists).
 *
 * Each function is created after the tables it reads and the functions it calls, each rule after
 * Sentinel is on and after its functions: Log Analytics resolves a function's references when it is
 * saved (INFERRED), and a rule's query is validated when it is created.
 */
import { type ContentPlan, isoDuration, TRIGGER_OPERATORS } from '@ctxsiem/content';
import { TerraformOutput, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { ApplicationInsightsWorkbook } from './azurerm/application-insights-workbook.ts';
import { LogAnalyticsSavedSearch } from './azurerm/log-analytics-saved-search.ts';
import { SentinelAlertRuleScheduled } from './azurerm/sentinel-alert-rule-scheduled.ts';

export interface SentinelContentProps {
  plan: ContentPlan;
  workspaceId: string;
  resourceGroupName: string;
  location: string;
  tags: Record<string, string>;
  /** Custom tables by name: what a function reading them waits for. */
  tables: ReadonlyMap<string, TerraformResource>;
  /** Sentinel's onboarding of the workspace: what rules wait for. */
  sentinel: TerraformResource;
  rulesEnabled: boolean;
}

/**
 * A tag value of at most 256 bytes (azurerm refuses longer ones at validate: "the maximum length for a
 * tag value is 256 characters", counted in UTF-8 bytes: Go's `len`), cut at a word with an ellipsis.
 */
export function tagValue(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (Buffer.byteLength(flat) <= 256) return flat;
  let cut = flat;
  while (Buffer.byteLength(`${cut}...`) > 256)
    cut = cut.slice(0, Math.max(cut.lastIndexOf(' '), cut.length - 8)).trimEnd();
  return `${cut}...`;
}

/** Sentinel's Hunting page lists the workspace's saved searches of this category. */
export const HUNTING_CATEGORY = 'Hunting Queries';

export class SentinelContentResources extends Construct {
  constructor(scope: Construct, id: string, props: SentinelContentProps) {
    super(scope, id);
    const { plan } = props;
    const functions = new Map<string, LogAnalyticsSavedSearch>();
    const callsOf = (calls: readonly string[]) =>
      calls
        .map((call) => functions.get(call))
        .filter((fn): fn is LogAnalyticsSavedSearch => fn !== undefined);
    // In the plan's order (`…Latest` first), a function after those it calls.
    const pending = [...plan.functions];
    while (pending.length > 0) {
      const index = pending.findIndex((fn) => fn.calls.every((call) => functions.has(call)));
      if (index < 0)
        throw new Error(`functions calling each other: ${pending.map((fn) => fn.name).join(', ')}`);
      const [fn] = pending.splice(index, 1);
      functions.set(
        fn!.name,
        new LogAnalyticsSavedSearch(this, `function-${fn!.name}`, {
          name: fn!.name,
          logAnalyticsWorkspaceId: props.workspaceId,
          category: fn!.category,
          displayName: fn!.displayName,
          functionAlias: fn!.name,
          ...(fn!.parameters.length > 0 ? { functionParameters: fn!.parameters } : {}),
          query: fn!.query,
          dependsOn: [
            ...fn!.tables.map((table) => props.tables.get(table)).filter((table) => table !== undefined),
            ...callsOf(fn!.calls),
          ],
        }),
      );
    }
    for (const { key, rule, calls } of plan.rules)
      new SentinelAlertRuleScheduled(this, `rule-${key}`, {
        name: rule.id,
        logAnalyticsWorkspaceId: props.workspaceId,
        displayName: rule.name,
        description: rule.description,
        severity: rule.severity,
        enabled: props.rulesEnabled,
        query: rule.query,
        queryFrequency: isoDuration(rule.queryFrequency),
        queryPeriod: isoDuration(rule.queryPeriod),
        triggerOperator: TRIGGER_OPERATORS[rule.triggerOperator],
        triggerThreshold: rule.triggerThreshold,
        tactics: rule.tactics,
        techniques: rule.relevantTechniques,
        entityMapping: rule.entityMappings.map((entity) => ({
          entityType: entity.entityType,
          fieldMapping: entity.fieldMappings.map((field) => ({
            identifier: field.identifier,
            columnName: field.columnName,
          })),
        })),
        ...(rule.customDetails ? { customDetails: rule.customDetails } : {}),
        dependsOn: [props.sentinel, ...callsOf(calls)],
      });
    for (const { key, hunting, calls } of plan.hunting)
      new LogAnalyticsSavedSearch(this, `hunting-${key}`, {
        name: `ctxsiem-hunting-${key}`,
        logAnalyticsWorkspaceId: props.workspaceId,
        category: HUNTING_CATEGORY,
        displayName: hunting.name,
        query: hunting.query,
        tags: {
          description: tagValue(hunting.description),
          tactics: hunting.tactics.join(','),
          techniques: hunting.relevantTechniques.join(','),
        },
        dependsOn: [props.sentinel, ...callsOf(calls)],
      });
    for (const workbook of plan.workbooks)
      new ApplicationInsightsWorkbook(this, `workbook-${workbook.key}`, {
        name: workbook.name,
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        displayName: workbook.displayName,
        category: 'sentinel',
        sourceId: `\${lower(${props.workspaceId})}`,
        dataJson: workbook.json,
        tags: props.tags,
        dependsOn: callsOf(workbook.calls),
      });
    new TerraformOutput(this, 'sentinel_content_not_deployed', {
      staticId: true,
      description:
        'Sentinel content left out: each reads a table the sources do not collect (add the source or entity set to deploy it).',
      value: plan.skipped.map(({ item, reason }) => `${item}: ${reason}`),
    });
  }
}
