/**
 * ctxsiem's YARA-L rules (`content/secops/rules/*.yaral`) as Google SecOps rules: a
 * `google_chronicle_rule` per rule with a `google_chronicle_rule_deployment` (enabled, alerting), and
 * the CIDR reference list of known admin machines the admin-machine rule reads. The resources are the
 * GA google provider's, from the prebuilt bindings (imported by deep path); they first shipped in
 * google 6.28.0 ("New Resource: `google_chronicle_rule`", "`google_chronicle_rule_deployment`",
 * "`google_chronicle_referencelist`" — hashicorp/terraform-provider-google CHANGELOG.md, 6.28.0 (Apr 1,
 * 2025), PRs #22089, #22093, #22090), older than the google the stacks pin (`GOOGLE_MINIMUM`).
 *
 * SecOps compiles a rule when it is created: a rule whose YARA-L it refuses fails the apply (offline,
 * the rules are only linted structurally: content/secops/README.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { ChronicleReferenceList } from '@cdktf/provider-google/lib/chronicle-reference-list/index.js';
import { ChronicleRule } from '@cdktf/provider-google/lib/chronicle-rule/index.js';
import { ChronicleRuleDeployment } from '@cdktf/provider-google/lib/chronicle-rule-deployment/index.js';
import { siemDeclarations } from '@ctxsiem/registry';
import type { Construct } from 'constructs';
import { z } from 'zod';

/** The google release that first has `google_chronicle_rule` and its deployment and reference lists. */
export const CHRONICLE_RULE_MINIMUM = '6.28.0';

const RULES_DIRECTORY = new URL('../../../content/secops/rules/', import.meta.url);

/** The rule that reads the known admin machines' reference list, and the list's id. */
export const ADMIN_MACHINE_RULE = 'citrix_daas_config_change_new_admin_machine';
export const ADMIN_MACHINES_LIST = 'ctxsiem_citrix_admin_machines';

export interface SecOpsRuleFile {
  /** The rule's name (its file's, without `.yaral`). */
  name: string;
  text: string;
}

/** Every rule ctxsiem ships, by name. */
export function secopsRuleFiles(): SecOpsRuleFile[] {
  return readdirSync(RULES_DIRECTORY)
    .filter((file) => file.endsWith('.yaral'))
    .sort()
    .map((file) => ({
      name: file.slice(0, -'.yaral'.length),
      text: readFileSync(new URL(file, RULES_DIRECTORY), 'utf8'),
    }));
}

const RULE_NAMES = secopsRuleFiles().map((rule) => rule.name);
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/;

/** `secops.rules` of the environment file: which of the rules the Google stack creates, and how. */
export const SecOpsRulesSchema = z
  .object({
    deploy: z
      .union([z.boolean(), z.array(z.enum(RULE_NAMES as [string, ...string[]])).min(1)])
      .optional()
      .describe(
        `The YARA-L rules (content/secops/rules) created in the SecOps instance: true, every rule (${ADMIN_MACHINE_RULE} only with knownAdminMachines); false, none; or a list of rule names. Unset: every rule with \`gcp.delivery: "udm"\`, none with \`feeds\`. The rules read the UDM events the collector sends itself (\`udm\`): with \`feeds\` they would never fire, and true or a list is refused.`,
      ),
    enabled: z.boolean().default(true).describe('Whether the rules run (their deployment is enabled).'),
    alerting: z.boolean().default(true).describe('Whether the rules’ detections are alerts.'),
    knownAdminMachines: z
      .array(z.string().regex(CIDR, 'must be an IP address or a CIDR range'))
      .default([])
      .describe(
        `The admin machines (IPs or CIDR ranges) configuration changes are expected from: the reference list ${ADMIN_MACHINES_LIST} that ${ADMIN_MACHINE_RULE} reads; a change from another address is a detection.`,
      ),
  })
  .strict()
  .superRefine((rules, context) => {
    if (
      Array.isArray(rules.deploy) &&
      rules.deploy.includes(ADMIN_MACHINE_RULE) &&
      rules.knownAdminMachines.length === 0
    )
      context.addIssue({
        code: 'custom',
        path: ['knownAdminMachines'],
        message: `${ADMIN_MACHINE_RULE} needs the known admin machines (its reference list cannot be empty)`,
      });
  });

export type SecOpsRules = z.output<typeof SecOpsRulesSchema>;

/** How the Google Cloud stack's collector delivers to SecOps (`gcp.delivery`). */
export type SecOpsDelivery = 'feeds' | 'udm';

/** `secops.rules` with `deploy` decided: as written, or — unset — every rule with `udm`, none with `feeds`. */
export type ResolvedSecOpsRules = SecOpsRules & { deploy: boolean | string[] };

export function resolveSecOpsRules(rules: SecOpsRules, delivery: SecOpsDelivery): ResolvedSecOpsRules {
  return { ...rules, deploy: rules.deploy ?? delivery === 'udm' };
}

/**
 * Why `deploy` cannot be set with `delivery`, or undefined when it can: the rules read the UDM events
 * of the SecOps sink's `format: udm` (content/secops/README.md); a GCS feed's raw logs are normalised by
 * Google's own parsers into UDM the rules do not target, so they would never fire.
 */
export function rulesDeployConflict(
  deploy: SecOpsRules['deploy'],
  delivery: SecOpsDelivery | undefined,
): string | undefined {
  if (deploy === undefined || deploy === false || delivery === 'udm') return undefined;
  if (delivery === undefined)
    return 'only the Google Cloud stack creates the rules, with gcp.delivery "udm" (the collector sending UDM events to SecOps itself); without gcp, leave secops.rules.deploy unset';
  return `cannot be ${deploy === true ? 'true' : 'a list'} with gcp.delivery "feeds": the rules read the UDM events the collector sends to SecOps itself (gcp.delivery "udm"), and the GCS feeds' logs are normalised by Google's parsers into UDM the rules do not read, so they would never fire. Set gcp.delivery to "udm", or leave secops.rules.deploy unset (no rules with feeds)`;
}

export interface SecOpsRulesTarget {
  project: string;
  /** The region as the console names it (`europe` → the Chronicle API location `eu`). */
  location: string;
  instance: string;
  rules: ResolvedSecOpsRules;
}

export interface DeployedRule {
  name: string;
  rule: ChronicleRule;
  deployment: ChronicleRuleDeployment;
}

/** The rules `settings` selects (the admin-machine rule left out without known machines), and those left out. */
export function selectedRules(settings: ResolvedSecOpsRules): {
  deployed: SecOpsRuleFile[];
  notDeployed: string[];
} {
  const all = secopsRuleFiles();
  if (settings.deploy === false) return { deployed: [], notDeployed: all.map((r) => r.name) };
  const wanted =
    settings.deploy === true ? all : all.filter((r) => (settings.deploy as string[]).includes(r.name));
  const deployed = wanted.filter(
    (r) => r.name !== ADMIN_MACHINE_RULE || settings.knownAdminMachines.length > 0,
  );
  return { deployed, notDeployed: all.filter((r) => !deployed.includes(r)).map((r) => r.name) };
}

/** Creates the selected rules, each deployed, and the admin machines' reference list the one rule reads. */
export function secopsRules(scope: Construct, target: SecOpsRulesTarget): DeployedRule[] {
  const { project, instance, rules: settings } = target;
  const location = siemDeclarations('secops').feedLocation(target.location);
  const { deployed } = selectedRules(settings);
  const list = deployed.some((r) => r.name === ADMIN_MACHINE_RULE)
    ? new ChronicleReferenceList(scope, 'secops-list-admin-machines', {
        project,
        location,
        instance,
        referenceListId: ADMIN_MACHINES_LIST,
        description: 'Admin machines Citrix DaaS configuration changes are expected from (ctxsiem).',
        syntaxType: 'REFERENCE_LIST_SYNTAX_TYPE_CIDR',
        entries: settings.knownAdminMachines.map((value) => ({ value })),
      })
    : undefined;
  return deployed.map(({ name, text }) => {
    const rule = new ChronicleRule(scope, `secops-rule-${name}`, {
      project,
      location,
      instance,
      text,
      ...(name === ADMIN_MACHINE_RULE && list ? { dependsOn: [list] } : {}),
    });
    const deployment = new ChronicleRuleDeployment(scope, `secops-rule-deployment-${name}`, {
      project,
      location,
      instance,
      rule: rule.ruleId,
      enabled: settings.enabled,
      alerting: settings.alerting,
    });
    return { name, rule, deployment };
  });
}
