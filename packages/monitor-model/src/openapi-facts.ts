/**
 * The shape of the facts derived from Citrix's OpenAPI document for the Monitor Service
 * (`openapi-facts.generated.ts`, written by `scripts/derive-openapi-facts.ts`).
 */

/** Where the facts come from: the document, its public copy and that copy's digest. */
export interface OpenApiSource {
  title: string;
  version: string;
  repository: string;
  path: string;
  commit: string;
  sha256: string;
}

/** A property as the document types it: `type`/`format` are both `''` where it leaves them unrendered. */
export interface OpenApiPropertyFacts {
  name: string;
  /** `string`, `integer`, `number`, `boolean`, or `''`. */
  type: string;
  /** `uuid`, `date-time`, `int32`, `int64`, `double`, `string`, or `''`. */
  format: string;
}

export interface OpenApiNavigationFacts {
  name: string;
  /** The target's schema name (`Citrix.Monitor.Model.Session`). */
  target: string;
  /** A collection (`array`) rather than a single entity. */
  collection: boolean;
}

/** One entity set (one path of the document) as the document describes it. */
export interface OpenApiSetFacts {
  name: string;
  /** The entity type's schema name. */
  typeName: string;
  properties: readonly OpenApiPropertyFacts[];
  /** The schema's `required` list. */
  required: readonly string[];
  navigations: readonly OpenApiNavigationFacts[];
  /** The "Indexed fields" of the path's `$filter` parameter, as written (some are not properties). */
  indexed: readonly string[];
  /** The path's `$filter` example, if any. */
  filterExample: string | null;
}

export interface OpenApiFacts {
  source: OpenApiSource;
  sets: readonly OpenApiSetFacts[];
}
