/**
 * The local services the tests and `ctxsiem demo` run: launchers for real servers (MinIO for S3,
 * fake-gcs-server for GCS, moto for other AWS APIs, an Apache Kafka broker with SASL_SSL), and contract
 * servers for what has no runnable equivalent (the SecOps ingestion API, the Azure Monitor Logs
 * Ingestion API, Google Secret Manager's access call). Servers are obtained into the per-user cache by
 * test/servers/obtain.sh (see test/servers/README.md).
 */

export { type AzureFault, type AzureMonitorApi, startAzureMonitorApi } from './azure-monitor-api.ts';
export { type StartFakeGcsOptions, startFakeGcs } from './fake-gcs.ts';
export { type KafkaUser, type RunningKafka, type StartKafkaOptions, startKafka } from './kafka.ts';
export {
  MINIO_SECRET_ACCESS_KEY,
  type MinioConnection,
  type RunningMinio,
  type StartMinioOptions,
  startMinio,
} from './minio.ts';
export { type RunningMoto, startMoto } from './moto.ts';
export { obtainScript, obtainServer, obtainServers, repoRoot, type ServerName } from './obtain.ts';
export { freePort, type RunningServer, ServerStartError } from './process.ts';
export {
  CHRONICLE_LOCATIONS,
  GOOGLE_CITRIX_LOG_TYPES,
  LEGACY_REGIONS,
  MAX_LOG_BYTES,
  type SecOpsApi,
  type SecOpsFault,
  type SecOpsFaultKind,
  type SecOpsLog,
  type SecOpsRandomFaults,
  startSecOpsApi,
} from './secops-api.ts';
export { type SecretManagerApi, startSecretManagerApi } from './secret-manager-api.ts';
export { makeTestTls, type TestTls } from './test-tls.ts';
