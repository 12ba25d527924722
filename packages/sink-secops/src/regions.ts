/**
 * Where a SecOps instance's APIs are, per region. One region name (what the SecOps console shows as the
 * instance's region, and what Google's ingestion scripts read as `CHRONICLE_REGION`, e.g. `europe`)
 * gives two hosts that do not follow one rule:
 *
 * - the legacy Ingestion API: `{region}-malachiteingestion-pa.googleapis.com`, the US multi-region
 *   without a prefix — Google's table "Regional Endpoints" of the Ingestion API
 *   (https://docs.cloud.google.com/chronicle/docs/reference/ingestion-api#regional_endpoints, read
 *   2026-12-07), 19 endpoints;
 * - the Chronicle API: `{location}-chronicle.googleapis.com` with the location in the resource name
 *   (`projects/…/locations/{location}/instances/…`), where the multi-regions are the locations `us` and
 *   `eu` — NOT `europe` — and the others keep their region name: Google's SDK
 *   (google/secops-wrapper, src/secops/chronicle/client.py, commit 1552f8afa13e28040cc546e02bb2f02a6f1ec7d2:
 *   `f"{region}-chronicle.googleapis.com"`, "region: typically us or eu") and Google's samples
 *   (chronicle/api-samples-python, common/regions.py, commit a92b7c259f98720a1a7e32338291b6854ccc0b4d,
 *   which list both `eu` and `europe`: the latter for the older APIs).
 *
 * INFERRED: the Chronicle API location of every single-region instance is its region name (Google lists
 * the regional Chronicle API hosts by location only in its reference's location chooser).
 */

export interface SecOpsRegion {
  /** Google's name for it in the Ingestion API's table. */
  name: string;
  /** The Chronicle API location (`locations/{location}`, host `{location}-chronicle.googleapis.com`). */
  location: string;
  /** The legacy Ingestion API host. */
  legacyHost: string;
}

const regional = (region: string, name: string): SecOpsRegion => ({
  name,
  location: region,
  legacyHost: `${region}-malachiteingestion-pa.googleapis.com`,
});

const EUROPE: SecOpsRegion = {
  name: 'Europe Multi-Region',
  location: 'eu',
  legacyHost: 'europe-malachiteingestion-pa.googleapis.com',
};

/** Region (as the console and `CHRONICLE_REGION` name it; `eu` too) → its Chronicle API location and legacy host. */
export const SECOPS_REGIONS: Readonly<Record<string, SecOpsRegion>> = {
  us: {
    name: 'United States Multi-Region',
    location: 'us',
    legacyHost: 'malachiteingestion-pa.googleapis.com',
  },
  europe: EUROPE,
  eu: EUROPE,
  'southamerica-east1': regional('southamerica-east1', 'São Paulo'),
  'northamerica-northeast2': regional('northamerica-northeast2', 'Canada'),
  'me-central2': regional('me-central2', 'Dammam'),
  'me-central1': regional('me-central1', 'Doha'),
  'europe-west3': regional('europe-west3', 'Frankfurt'),
  'asia-southeast2': regional('asia-southeast2', 'Jakarta'),
  'africa-south1': regional('africa-south1', 'Johannesburg'),
  'europe-west2': regional('europe-west2', 'London'),
  'asia-south1': regional('asia-south1', 'Mumbai'),
  'europe-west9': regional('europe-west9', 'Paris'),
  'europe-central2': regional('europe-central2', 'Warsaw'),
  'asia-southeast1': regional('asia-southeast1', 'Singapore'),
  'australia-southeast1': regional('australia-southeast1', 'Sydney'),
  'me-west1': regional('me-west1', 'Tel Aviv'),
  'asia-northeast1': regional('asia-northeast1', 'Tokyo'),
  'europe-west12': regional('europe-west12', 'Turin'),
  'europe-west6': regional('europe-west6', 'Zurich'),
};

export function isSecOpsRegion(region: string): boolean {
  return Object.hasOwn(SECOPS_REGIONS, region);
}

/** The region's entry; throws for a region Google does not list (the config schemas refuse those first). */
export function secopsRegion(region: string): SecOpsRegion {
  const entry = isSecOpsRegion(region) ? SECOPS_REGIONS[region] : undefined;
  if (!entry) throw new Error(`${region} is not a SecOps region (${Object.keys(SECOPS_REGIONS).join(', ')})`);
  return entry;
}

/** The Chronicle API location of a region (`europe` → `eu`). */
export function chronicleLocation(region: string): string {
  return secopsRegion(region).location;
}

/** The Chronicle API origin of a region: `https://{location}-chronicle.googleapis.com`. */
export function chronicleApiOrigin(region: string): string {
  return `https://${chronicleLocation(region)}-chronicle.googleapis.com`;
}

/** The legacy Ingestion API origin of a region. */
export function legacyIngestionOrigin(region: string): string {
  return `https://${secopsRegion(region).legacyHost}`;
}

/** The message for a region Google does not list. */
export const REGION_MESSAGE = `must be a SecOps region: ${Object.keys(SECOPS_REGIONS).join(', ')}`;
