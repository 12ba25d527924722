/**
 * What loading the registry costs: every connector manifest, and no SDK. Each measurement is a fresh
 * process (a cold module graph); prints the median of several, next to what importing every connector's
 * implementation (the AWS and Google SDKs, the HTTP client) costs.
 */
import { spawnSync } from 'node:child_process';

const RUNS = 5;

function coldImportMs(specifiers: string[]): number {
  const script = `
    const started = performance.now();
    for (const specifier of ${JSON.stringify(specifiers)}) await import(specifier);
    console.log(performance.now() - started);
  `;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = spawnSync(
      process.execPath,
      ['--conditions=@ctxsiem/source', '--input-type=module', '-e', script],
      { cwd: new URL('../../packages/registry/', import.meta.url), encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(result.stderr);
    times.push(Number(result.stdout.trim()));
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

const manifests = coldImportMs(['@ctxsiem/registry']);
const implementations = coldImportMs([
  '@ctxsiem/source-monitor',
  '@ctxsiem/source-analytics',
  '@ctxsiem/sink-file',
  '@ctxsiem/sink-s3',
  '@ctxsiem/sink-gcs',
]);
console.log(
  JSON.stringify({
    manifestsMs: Math.round(manifests),
    implementationsMs: Math.round(implementations),
    ratio: Number((manifests / implementations).toFixed(2)),
  }),
);
