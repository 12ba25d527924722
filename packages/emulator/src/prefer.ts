/**
 * The OData `Prefer: odata.maxpagesize=N` request header: a client's page-size hint. The emulator honours
 * it up to MAX_PAGE_SIZE (as a real service caps it) and otherwise uses its configured page size.
 */

/** The largest page the emulator serves, whatever the client prefers. */
export const MAX_PAGE_SIZE = 1000;

/** The page size for a request: the preferred size (capped) when the header asks for one. */
export function preferredPageSize(header: string | string[] | undefined, defaultSize: number): number {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const match = /(?:^|[,;\s])odata\.maxpagesize\s*=\s*(\d+)/i.exec(text);
  const preferred = match ? Number(match[1]) : Number.NaN;
  return Number.isInteger(preferred) && preferred > 0 ? Math.min(preferred, MAX_PAGE_SIZE) : defaultSize;
}
