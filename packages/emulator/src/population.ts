/**
 * The fixed, seeded inventory of the emulated site: delivery groups, machines, users and published
 * applications. Pool members exist from their CreatedDate on and are modified at seeded times (at least once
 * every `periodHours`), so "the current version at `now`" is found by scanning back a bounded number of hours.
 */

import { createRng, hashOf, mix } from './random.ts';
import {
  APPLICATIONS,
  DNS_SUFFIX,
  DOMAIN,
  FIRST_NAMES,
  LAST_NAMES,
  MIDDLE_INITIALS,
} from './reference-names.ts';
import { DAY_MS, HOUR_MS, hourIndex } from './time.ts';

export const MACHINE_COUNT = 50;
export const USER_COUNT = 300;
export const APPLICATION_COUNT = APPLICATIONS.length;

/** Pool members are created during the 180 days after this instant. */
export const POOL_EPOCH_MS = Date.UTC(2023, 0, 1);

export interface DesktopGroup {
  index: number;
  id: string;
  /** Value of Sessions.PublishedDesktopId for desktop sessions of this group. */
  publishedDesktopId: number;
  name: string;
  /** Monitor SessionType of sessions in this group: 0 Desktop, 1 Application. */
  sessionType: 0 | 1;
}

export interface MachineInfo {
  index: number;
  id: string;
  sid: string;
  name: string;
  dnsName: string;
  ipAddress: string;
  hostedMachineId: string;
  hostedMachineName: string;
  hostingServerName: string;
  osType: string;
  agentVersion: string;
  catalogId: string;
  hypervisorId: string;
  desktopGroup: DesktopGroup;
  createdMs: number;
}

export interface UserInfo {
  index: number;
  id: number;
  sid: string;
  upn: string;
  userName: string;
  fullName: string;
  domain: string;
  createdMs: number;
}

export interface ApplicationInfo {
  index: number;
  /** A GUID, as Citrix's OpenAPI types Application.Id. */
  id: string;
  name: string;
  publishedName: string;
  browserName: string;
  path: string;
  adminFolder: string;
  createdMs: number;
}

/** The VM size of a delivery group's machines and what it costs (US dollars per hour, configured in Studio). */
export interface MachineSpec {
  /** MachineCost.SpecId. */
  specId: number;
  computePerHour: number;
  storagePerHour: number;
  /** compute + storage: DesktopGroup.MachineCost. */
  costPerHour: number;
  /** Memory reported by the machine's resource samples (bytes). */
  totalMemoryBytes: number;
  /** Sessions the machine is sized for (its CPU load grows towards 100 % with them). */
  sessionCapacity: number;
}

const SINGLE_SESSION_SPEC: MachineSpec = {
  specId: 2,
  computePerHour: 0.162,
  storagePerHour: 0.018,
  costPerHour: 0.18,
  totalMemoryBytes: 17_170_366_464,
  sessionCapacity: 2,
};
const MULTI_SESSION_SPEC: MachineSpec = {
  specId: 8,
  computePerHour: 0.39,
  storagePerHour: 0.03,
  costPerHour: 0.42,
  totalMemoryBytes: 34_351_316_992,
  sessionCapacity: 12,
};

/** The spec of the machines of a delivery group: multi-session servers for application groups. */
export function machineSpec(group: DesktopGroup): MachineSpec {
  return group.sessionType === 1 ? MULTI_SESSION_SPEC : SINGLE_SESSION_SPEC;
}

/** A machine catalog (one per delivery group) or the hypervisor connection, as the site's inventory has it. */
export interface SiteObject {
  index: number;
  id: string;
  name: string;
  createdMs: number;
  /** The delivery group a catalog's machines are in (catalogs only). */
  desktopGroup?: DesktopGroup;
}

export interface Population {
  desktopGroups: readonly DesktopGroup[];
  catalogs: readonly SiteObject[];
  hypervisors: readonly SiteObject[];
  machines: readonly MachineInfo[];
  users: readonly UserInfo[];
  applications: readonly ApplicationInfo[];
  machineById: ReadonlyMap<string, MachineInfo>;
  userById: ReadonlyMap<number, UserInfo>;
  applicationById: ReadonlyMap<string, ApplicationInfo>;
}

export function createPopulation(seed: number): Population {
  const rng = createRng(hashOf(seed, 'population'));
  const domainSid = `S-1-5-21-${rng.int(1e9, 4e9)}-${rng.int(1e9, 4e9)}-${rng.int(1e9, 4e9)}`;
  const groupSpecs = [
    { name: 'Windows 11 Desktops', sessionType: 0 as const },
    { name: 'Finance Desktops', sessionType: 0 as const },
    { name: 'Office Apps', sessionType: 1 as const },
    { name: 'Line of Business Apps', sessionType: 1 as const },
  ];
  const desktopGroups = groupSpecs.map((spec, index) => ({
    index,
    id: rng.guid(),
    publishedDesktopId: 90 + index,
    name: spec.name,
    sessionType: spec.sessionType,
  }));
  const catalogIds = desktopGroups.map(() => rng.guid());
  const hypervisorId = rng.guid();
  const created = (): number => POOL_EPOCH_MS + rng.int(0, 180 * DAY_MS);

  const machines: MachineInfo[] = [];
  for (let index = 0; index < MACHINE_COUNT; index++) {
    const desktopGroup = desktopGroups[index % desktopGroups.length] ?? desktopGroups[0]!;
    const multiSession = desktopGroup.sessionType === 1;
    const host = `VDA-${multiSession ? 'SRV' : 'W11'}-${String(index + 1).padStart(3, '0')}`;
    machines.push({
      index,
      id: rng.guid(),
      sid: `${domainSid}-${20000 + index}`,
      name: `${DOMAIN}\\${host}`,
      dnsName: `${host.toLowerCase()}.${DNS_SUFFIX}`,
      ipAddress: `10.20.${Math.floor(index / 200)}.${(index % 200) + 20}`,
      hostedMachineId: rng.guid(),
      hostedMachineName: host,
      hostingServerName: `esx-${String((index % 6) + 1).padStart(2, '0')}.${DNS_SUFFIX}`,
      osType: multiSession ? 'Windows 2022' : 'Windows 11',
      agentVersion: rng.pick(['2402.0.100.629', '2407.0.0.3', '2411.0.0.1']),
      catalogId: catalogIds[desktopGroup.index] ?? hypervisorId,
      hypervisorId,
      desktopGroup,
      createdMs: created(),
    });
  }

  const users: UserInfo[] = [];
  for (let index = 0; index < USER_COUNT; index++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const middle = MIDDLE_INITIALS[rng.int(0, MIDDLE_INITIALS.length)] ?? 'A';
    const id = index + 1;
    const userName = `${first[0]?.toLowerCase()}${last.slice(0, 4).toLowerCase()}${String(id).padStart(3, '0')}`;
    users.push({
      index,
      id,
      sid: `${domainSid}-${1100 + index}`,
      upn: `${userName}@${DNS_SUFFIX}`,
      userName,
      fullName: `${last}, ${first} ${middle}`,
      domain: DOMAIN,
      createdMs: created(),
    });
  }

  const applications: ApplicationInfo[] = APPLICATIONS.map((name, index) => {
    const exe = name.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
    return {
      index,
      // From the application's own hash, so the draws after it stay as they were.
      id: createRng(hashOf(seed, 'application', index)).guid(),
      name: `Applications\\${name}`,
      publishedName: name,
      browserName: name.replace(/\s+/g, ' '),
      path: `C:\\Program Files\\${name}\\${exe}.exe`,
      adminFolder: index < 5 ? 'Office' : 'Line of Business',
      createdMs: created(),
    };
  });

  // Created before any machine, from their own hashes (the draws above stay as they were).
  const before = (name: string) =>
    POOL_EPOCH_MS - (hashOf(seed, 'site-object', name) % (90 * DAY_MS)) - DAY_MS;
  const catalogs = desktopGroups.map((group) => ({
    index: group.index,
    id: catalogIds[group.index]!,
    name: `${group.name} Catalog`,
    createdMs: before(`catalog-${group.index}`),
    desktopGroup: group,
  }));
  const hypervisors = [
    { index: 0, id: hypervisorId, name: 'vSphere Cluster 01', createdMs: before('hypervisor') },
  ];

  return {
    desktopGroups,
    catalogs,
    hypervisors,
    machines,
    users,
    applications,
    machineById: new Map(machines.map((m) => [m.id, m])),
    userById: new Map(users.map((u) => [u.id, u])),
    applicationById: new Map(applications.map((a) => [a.id, a])),
  };
}

/** How often the members of a pool are modified. */
export interface ChangeCadence {
  /** Every member is modified at least once every `periodHours` hours. */
  periodHours: number;
  /** Extra chance, per member and hour, of another modification. */
  extraChance: number;
}

/** The latest modification of a pool member at `now`. `hour` seeds that version's values (-1 = as created). */
export interface PoolVersion {
  modifiedMs: number;
  hour: number;
}

/**
 * Latest modification time ≤ now of pool member `index` (created at `createdMs`), or undefined when the member
 * does not exist yet. Scans back at most 2 × periodHours hours.
 */
export function latestPoolVersion(
  seed: number,
  pool: string,
  index: number,
  createdMs: number,
  cadence: ChangeCadence,
  now: number,
): PoolVersion | undefined {
  if (createdMs > now) return undefined;
  const base = hashOf(seed, pool, index);
  const phase = base % cadence.periodHours;
  const first = hourIndex(now);
  for (let hour = first; hour >= first - 2 * cadence.periodHours; hour--) {
    if ((hour + 1) * HOUR_MS <= createdMs) break;
    const h = mix(base, hour);
    const forced = (hour + phase) % cadence.periodHours === 0;
    const extra = h / 4294967296 < cadence.extraChance;
    if (!forced && !extra) continue;
    const at = hour * HOUR_MS + (mix(h, 7) % HOUR_MS);
    if (at <= now && at > createdMs) return { modifiedMs: at, hour };
  }
  return { modifiedMs: createdMs, hour: -1 };
}
