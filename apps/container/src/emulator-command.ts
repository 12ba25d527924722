/** `ctxsiem emulator`: serve the offline Citrix Cloud until stopped. */
import { type Emulator, type LicenseModel, type SystemLogCasing, startEmulator } from '@ctxsiem/emulator';

export { LICENSE_MODELS } from '@ctxsiem/emulator';

/** The spellings the System Log can answer in (see the emulator's `systemLogCasing`). */
export const SYSTEM_LOG_CASINGS = ['camelCase', 'PascalCase'] as const satisfies readonly SystemLogCasing[];

export interface EmulatorCommandOptions {
  host: string;
  port: number;
  seed: number;
  sessionsPerHour: number;
  pageSize: number;
  latencyMs: number;
  /** How the `demo` customer's DaaS is licensed: which licensing endpoints answer. */
  licenseModel: LicenseModel;
  /** How the System Log spells its answer: camelCase as the live API, PascalCase as Citrix's docs. */
  systemLogCasing: SystemLogCasing;
}

export async function serveEmulator(options: EmulatorCommandOptions): Promise<Emulator> {
  const { licenseModel, ...rest } = options;
  const emulator = await startEmulator({
    ...rest,
    customers: [{ customerId: 'demo', clientId: 'demo', clientSecret: 'demo', licenseModel }],
  });
  process.stdout.write(`listening ${emulator.url}\n`);
  process.stderr.write(
    `OAuth client demo/demo, customer demo. Try: API_BASE=${emulator.url} CITRIX_CUSTOMER_ID=demo CITRIX_CLIENT_ID=demo CITRIX_CLIENT_SECRET=demo ./bin/ctxsiem collect\n`,
  );
  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return emulator;
}
