/**
 * The token may only ever travel to the configured API origin (scheme + host + port). Every URL the
 * client is asked to call, including server-supplied `@odata.nextLink`s and stored resume tokens,
 * passes through here first; anything else is refused before a socket is opened.
 */
import { ForeignOriginError } from './errors.ts';

export class OriginGuard {
  readonly apiBase: URL;
  readonly origin: string;

  constructor(apiBase: URL) {
    this.apiBase = new URL(apiBase);
    if (!this.apiBase.pathname.endsWith('/')) this.apiBase.pathname = `${this.apiBase.pathname}/`;
    this.origin = this.apiBase.origin;
  }

  /**
   * Resolves `pathOrUrl` and checks its origin. Absolute URLs are taken as they are; a relative
   * reference resolves against `relativeTo` (the page that returned it) or, by default, under the API
   * base (`monitorodata/Sessions` and `/monitorodata/Sessions` both land under the base path).
   */
  resolve(pathOrUrl: string | URL, relativeTo?: URL): URL {
    const url = this.#parse(pathOrUrl, relativeTo);
    this.assertAllowed(url);
    return url;
  }

  /** Throws ForeignOriginError unless `url` has exactly the API origin. */
  assertAllowed(url: URL): void {
    // `origin` is "null" for non-special schemes (data:, file:, javascript:) — never equal.
    if (url.origin !== this.origin || url.username !== '' || url.password !== '') {
      throw new ForeignOriginError(url.origin === 'null' ? `${url.protocol}…` : url.origin, this.origin);
    }
  }

  #parse(pathOrUrl: string | URL, relativeTo: URL | undefined): URL {
    if (pathOrUrl instanceof URL) return new URL(pathOrUrl);
    if (URL.canParse(pathOrUrl)) return new URL(pathOrUrl);
    if (relativeTo) return new URL(pathOrUrl, relativeTo);
    // Protocol-relative (`//host/x`) keeps its own host, so the guard sees it as foreign.
    if (pathOrUrl.startsWith('//')) return new URL(pathOrUrl, this.apiBase);
    return new URL(pathOrUrl.replace(/^\/+/, ''), this.apiBase);
  }
}
