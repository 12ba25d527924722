/**
 * The DaaS site every Manage API call names (`Citrix-InstanceId`): the configured one, checked against
 * what `GET /cvad/manage/me` lists, or the customer's only site. Asked once per source. A failure says
 * what was found and what to do: no DaaS for the customer, several sites and none chosen, a site that is
 * not the customer's, a frozen (hibernated) site — which a collector reports rather than wakes.
 */
import { type CitrixCloudClient, PermissionError } from '@ctxsiem/citrix-cloud';
import { SourceError } from '@ctxsiem/core';
import { z } from 'zod';

export const ME_PATH = 'cvad/manage/me';

const MeSchema = z.looseObject({
  Customers: z
    .array(
      z.looseObject({
        Id: z.string(),
        Sites: z.array(z.looseObject({ Id: z.string(), Name: z.string().optional() })).default([]),
      }),
    )
    .default([]),
});

/** Site discovery failed: the message says why and what to set. */
export class SiteDiscoveryError extends SourceError {
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super('SITE_DISCOVERY', message, options);
    this.name = 'SiteDiscoveryError';
  }
}

export async function discoverSite(
  client: CitrixCloudClient,
  configured: string | undefined,
  signal: AbortSignal,
): Promise<string> {
  let body: unknown;
  try {
    body = await client.getJson(ME_PATH, { signal });
  } catch (error) {
    if (error instanceof PermissionError) throw error;
    if (error instanceof SourceError && error.status === 530)
      throw new SiteDiscoveryError(
        `the DaaS site of customer "${client.customerId}" is frozen (GET /${ME_PATH} answered 530): it is collected once an administrator or a user activates it; ctxsiem does not wake it`,
        { status: 530, cause: error },
      );
    throw new SiteDiscoveryError(`finding the DaaS site failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const me = MeSchema.safeParse(body);
  if (!me.success)
    throw new SiteDiscoveryError(
      `GET /${ME_PATH} answered an unexpected body: ${me.error.issues[0]?.message}`,
    );
  const customer = me.data.Customers.find((c) => c.Id.toLowerCase() === client.customerId.toLowerCase());
  if (!customer)
    throw new SiteDiscoveryError(
      `GET /${ME_PATH} lists no Citrix DaaS for customer "${client.customerId}"${me.data.Customers.length ? ` (it lists ${me.data.Customers.map((c) => c.Id).join(', ')})` : ''}: is Citrix DaaS provisioned, and is the API client this customer's?`,
    );
  const sites = customer.Sites;
  const list = sites.map((site) => `${site.Name ?? '?'} (${site.Id})`).join(', ');
  if (configured) {
    if (sites.some((site) => site.Id === configured)) return configured;
    throw new SiteDiscoveryError(
      `siteId "${configured}" is not a DaaS site of customer "${client.customerId}"; its sites: ${list || 'none'}`,
    );
  }
  if (sites.length === 0)
    throw new SiteDiscoveryError(`customer "${client.customerId}" has no Citrix DaaS site (GET /${ME_PATH})`);
  if (sites.length > 1)
    throw new SiteDiscoveryError(
      `customer "${client.customerId}" has ${sites.length} DaaS sites: ${list}; set siteId (DAAS_SITE_ID) to the one to collect`,
    );
  return sites[0]!.Id;
}
