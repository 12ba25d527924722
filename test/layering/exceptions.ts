/**
 * The layering rules' known exceptions today, each kept on purpose until the issue-31 item named in
 * `removedBy` lands; that work deletes its entries (the layering test fails on an entry that covers
 * nothing any more, so the list only shrinks). A violation not listed here fails the test.
 */
import type { Exception } from './layering.ts';

const TEST_KIT_SPLIT =
  'issue 31: the test-kit split (the generated source and the demo’s local servers leave @ctxsiem/test-kit for production packages)';

export const EXCEPTIONS: readonly Exception[] = [
  // The registry is generated from every package that exports ./connector, test-kit's too: the
  // `generated` source (tests, benchmarks, `ctxsiem demo`) is installed in every app through it.
  {
    rule: 'production-test-kit',
    where: 'packages/registry/package.json',
    what: '@ctxsiem/test-kit',
    why: 'scripts/generate-registry.ts makes every connector package a dependency, test-kit included',
    removedBy: TEST_KIT_SPLIT,
  },
  {
    rule: 'production-test-kit',
    where: 'packages/registry/src/connectors.generated.ts',
    what: '@ctxsiem/test-kit',
    why: 'the generated module imports every connector manifest, test-kit’s `generated` source included',
    removedBy: TEST_KIT_SPLIT,
  },
  // `ctxsiem demo` runs the local servers (MinIO, fake-gcs-server, the SecOps and Azure contract
  // servers, the Kafka broker) that the tests use, imported lazily from test-kit.
  {
    rule: 'production-test-kit',
    where: 'apps/container/package.json',
    what: '@ctxsiem/test-kit',
    why: '`ctxsiem demo` starts test-kit’s local servers',
    removedBy: TEST_KIT_SPLIT,
  },
  {
    rule: 'production-test-kit',
    where: 'apps/container/src/demo-sinks.ts',
    what: '@ctxsiem/test-kit',
    why: 'the demo’s sinks run on MinIO, fake-gcs-server and the SecOps/Azure contract servers of test-kit/servers',
    removedBy: TEST_KIT_SPLIT,
  },
  {
    rule: 'production-test-kit',
    where: 'apps/container/src/demo-sources.ts',
    what: '@ctxsiem/test-kit',
    why: 'the demo’s Kafka source reads a local broker started by test-kit/servers',
    removedBy: TEST_KIT_SPLIT,
  },
  // test-kit exports ./connector (so the registry installs its `generated` source) without being a
  // connector package proper: the source's schema is in its manifest, and it has no config module.
  {
    rule: 'connector-files',
    where: 'packages/test-kit',
    what: 'src/config.ts',
    why: 'the generated source’s schema lives in its manifest (src/connector.ts); test-kit is test support',
    removedBy: TEST_KIT_SPLIT,
  },
];
