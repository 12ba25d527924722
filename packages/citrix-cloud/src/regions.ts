/**
 * Citrix Cloud API hosts per region. `global` is the documented default; the regional hosts still
 * appear in public code and keep working. Japan has its own domain. US Gov differs only in the token
 * host, which the `tokenUrl` option covers.
 */
export const CITRIX_REGIONS = {
  global: 'https://api.cloud.com',
  us: 'https://api-us.cloud.com',
  eu: 'https://api-eu.cloud.com',
  'ap-s': 'https://api-ap-s.cloud.com',
  jp: 'https://api.citrixcloud.jp',
} as const;

export type CitrixRegion = keyof typeof CITRIX_REGIONS;

export const CITRIX_REGION_NAMES = Object.keys(CITRIX_REGIONS) as [CitrixRegion, ...CitrixRegion[]];

/** The API base URL of a region. */
export function regionApiBase(region: CitrixRegion): string {
  return CITRIX_REGIONS[region];
}
