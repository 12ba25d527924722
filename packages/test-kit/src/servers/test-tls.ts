/**
 * A certificate authority made for one test run, and a server certificate it signs for 127.0.0.1 and
 * localhost, with `openssl` (Node has no API that issues certificates). Clients that refuse bearer
 * tokens over plain HTTP (Azure's) talk to the contract servers over TLS and trust this CA through
 * `NODE_EXTRA_CA_CERTS`, which Node reads when a process starts: a vitest `globalSetup` makes the CA
 * before the test workers are started (`tlsGlobalSetup`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable naming the folder that holds `ca.pem`, `server.pem` and `server-key.pem`. */
export const TEST_TLS_DIR_VARIABLE = 'CTXSIEM_TEST_TLS_DIR';

export interface TestTls {
  dir: string;
  caFile: string;
  cert: string;
  key: string;
}

/** Makes the CA and the server certificate in a new folder. */
export function makeTestTls(): TestTls {
  const dir = mkdtempSync(join(tmpdir(), 'ctxsiem-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=ctxsiem test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server-key.pem',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
  return readTestTls(dir);
}

export function readTestTls(dir: string): TestTls {
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server-key.pem'), 'utf8'),
  };
}

/** The run's TLS files, from the folder the global setup named; throws when there is none. */
export function testTls(): TestTls {
  const dir = process.env[TEST_TLS_DIR_VARIABLE];
  if (!dir)
    throw new Error(
      `${TEST_TLS_DIR_VARIABLE} is not set: add @ctxsiem/test-kit's tls-global-setup to the project's globalSetup`,
    );
  return readTestTls(dir);
}

/** A vitest globalSetup: the run's CA, trusted by the workers started after it. */
export function tlsGlobalSetup(): () => void {
  const tls = makeTestTls();
  process.env[TEST_TLS_DIR_VARIABLE] = tls.dir;
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  // Node trusts one extra file: keep an earlier one by concatenating both.
  if (extra) {
    const combined = join(tls.dir, 'extra-ca.pem');
    writeFileSync(combined, `${readFileSync(extra, 'utf8')}\n${readFileSync(tls.caFile, 'utf8')}`);
    process.env.NODE_EXTRA_CA_CERTS = combined;
  } else process.env.NODE_EXTRA_CA_CERTS = tls.caFile;
  return () => rmSync(tls.dir, { recursive: true, force: true });
}
