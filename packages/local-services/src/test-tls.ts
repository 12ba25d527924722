/**
 * A certificate authority made for one server, and a certificate it signs for 127.0.0.1 and localhost,
 * with `openssl` (Node has no API that issues certificates); the CA is then trusted by this process
 * (`tls.setDefaultCACertificates`, Node ≥ 24.5), so its clients — `fetch`, Azure's pipeline, MSAL —
 * reach the server over TLS with full verification. Azure's clients refuse bearer tokens over plain
 * HTTP: its contract server needs this; the Kafka broker's SASL_SSL listener uses it too (its key is
 * PKCS#8 PEM, what Kafka's PEM key store reads).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

export interface TestTls {
  /** The CA certificate (PEM), trusted by this process. */
  ca: string;
  cert: string;
  key: string;
  /** Removes the files (the trust stays for the process's life). */
  remove(): void;
}

/** Makes a CA and a server certificate it signs, and trusts the CA in this process. */
export function makeTestTls(): TestTls {
  const dir = mkdtempSync(join(tmpdir(), 'ctxsiem-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
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
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
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
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`openssl could not make the test certificates: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  setDefaultCACertificates([...getCACertificates('default'), ...getCACertificates('extra'), ca]);
  return {
    ca,
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server-key.pem'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
