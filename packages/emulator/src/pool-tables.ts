/**
 * Monitor tables backed by the fixed inventory (Machines, Users, Applications, Catalogs, DesktopGroups,
 * Hypervisors, MachineCosts): each member's current
 * version at `now` is its latest seeded modification (see population.ts). Pools are small, so a scan simply
 * visits every member; they also answer $expand lookups by key.
 */
import {
  type ApplicationInfo,
  type ChangeCadence,
  type DesktopGroup,
  latestPoolVersion,
  type MachineInfo,
  machineSpec,
  type PoolVersion,
  type SiteObject,
  type UserInfo,
} from './population.ts';
import { createRng, hashOf } from './random.ts';
import { inWindow, type Row, type RowSource, TIMELESS_CURSOR } from './row-source.ts';
import type { World } from './session-model.ts';
import { HOUR_MS } from './time.ts';

/** A pool entity set: members, their key, change cadence and how a version becomes a row. */
export interface PoolSpec<M> {
  name: string;
  members: readonly M[];
  index(member: M): number;
  key(member: M): string | number;
  createdMs(member: M): number;
  cadence: ChangeCadence;
  row(member: M, version: PoolVersion): Row;
  /**
   * A set without a time column: every member sits at TIMELESS_CURSOR in the engine's order (a read of
   * the set is a read of all of it), though its rows still change at the cadence.
   */
  timeless?: boolean;
  /** Replaces a member's seeded latest version at `now` (a planted scenario's version), if given. */
  adjust?(member: M, seeded: PoolVersion | undefined, now: number): PoolVersion | undefined;
}

export function poolSource<M>(world: World, spec: PoolSpec<M>): RowSource {
  const byKey = new Map(spec.members.map((m) => [spec.key(m), m]));
  const versionAt = (member: M, now: number) => {
    const seeded = latestPoolVersion(
      world.seed,
      spec.name,
      spec.index(member),
      spec.createdMs(member),
      spec.cadence,
      now,
    );
    return spec.adjust ? spec.adjust(member, seeded, now) : seeded;
  };
  // A query scans many slices at the same `now`: compute the members' current versions once per `now`.
  let memo: { now: number; versions: (PoolVersion | undefined)[] } | undefined;
  const versionsAt = (now: number) => {
    if (memo?.now !== now) memo = { now, versions: spec.members.map((member) => versionAt(member, now)) };
    return memo.versions;
  };
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: Number.POSITIVE_INFINITY,
    scan(lo, hi, now, budget, into) {
      // Like a small table indexed on ModifiedDate: only the matching members count as scanned rows.
      versionsAt(now).forEach((version, position) => {
        const cursor = spec.timeless ? TIMELESS_CURSOR : version?.modifiedMs;
        if (!version || cursor === undefined || !inWindow(cursor, lo, hi)) return;
        budget.consume(1);
        into.add(cursor, position);
      });
    },
    key: (position) => {
      const member = spec.members[position];
      if (member === undefined) throw new Error(`${spec.name}: no member ${position}`);
      return spec.key(member);
    },
    cursorAt(position, _b, _c, at) {
      const member = spec.members[position];
      const version = member === undefined ? undefined : versionAt(member, at);
      return version && spec.timeless ? TIMELESS_CURSOR : version?.modifiedMs;
    },
    build(position, _b, _c, now) {
      const member = spec.members[position];
      const version = member === undefined ? undefined : versionAt(member, now);
      if (member === undefined || !version)
        throw new Error(`${spec.name}: member ${position} does not exist`);
      return spec.row(member, version);
    },
    lookup(key, now) {
      const member = typeof key === 'string' || typeof key === 'number' ? byKey.get(key) : undefined;
      if (member === undefined) return undefined;
      const version = versionAt(member, now);
      return version ? spec.row(member, version) : undefined;
    },
  };
}

/**
 * A machine of the `vda-deregistration` scenario (planted-scenarios.ts): from its planted time on it is
 * unregistered (that time its version) until `until`, when it registers again — a version at `until`
 * unless a later seeded one exists. Other machines, and every machine without the option: as seeded.
 */
function plantedMachineVersion(
  world: World,
  machine: MachineInfo,
  seeded: PoolVersion | undefined,
  now: number,
): PoolVersion | undefined {
  const down = world.planted?.machines.get(machine.index);
  if (!down || !seeded || now < down.at) return seeded;
  if (now < down.until) return { modifiedMs: down.at, hour: seeded.hour };
  return seeded.modifiedMs < down.until ? { modifiedMs: down.until, hour: seeded.hour } : seeded;
}

function machineRow(world: World, machine: MachineInfo, version: PoolVersion): Row {
  const rng = createRng(hashOf(world.seed, 'machine-version', machine.index, version.hour));
  const down = world.planted?.machines.get(machine.index);
  const planted = down !== undefined && version.modifiedMs === down.at;
  // Drawn whatever the scenario, so the values after it stay as seeded.
  const drawnRegistered = rng.chance(0.92);
  const registered = planted ? false : drawnRegistered;
  const multiSession = machine.desktopGroup.sessionType === 1;
  const sessions = registered ? rng.int(0, multiSession ? 12 : 2) : 0;
  const users = Array.from({ length: multiSession ? 0 : sessions }, () => rng.pick(world.population.users));
  const changed = version.modifiedMs;
  return {
    Id: machine.id,
    Sid: machine.sid,
    Name: machine.name,
    DnsName: machine.dnsName,
    LifecycleState: 0,
    IPAddress: machine.ipAddress,
    HostedMachineId: machine.hostedMachineId,
    HostingServerName: machine.hostingServerName,
    HostedMachineName: machine.hostedMachineName,
    IsAssigned: !multiSession,
    IsInMaintenanceMode: rng.chance(0.04),
    IsPendingUpdate: rng.chance(0.02),
    AgentVersion: machine.agentVersion,
    AssociatedUserFullNames: users.map((u) => u.fullName).join(';') || null,
    AssociatedUserNames: users.map((u) => `${u.domain}\\${u.userName}`).join(';') || null,
    AssociatedUserUPNs: users.map((u) => u.upn).join(';') || null,
    CurrentRegistrationState: registered ? 1 : 2,
    RegistrationStateChangeDate: changed,
    LastDeregisteredCode: planted ? down.lastDeregisteredCode : registered ? null : rng.pick([3, 8, 9]),
    LastDeregisteredDate: registered ? null : changed,
    CurrentPowerState: registered ? 3 : rng.pick([2, 3]),
    CurrentSessionCount: sessions,
    ControllerDnsName: `ddc-0${rng.int(1, 3)}.corp.example.com`,
    PoweredOnDate: changed - rng.int(HOUR_MS, 72 * HOUR_MS),
    PowerStateChangeDate: changed,
    FunctionalLevel: 2311,
    FailureDate: registered ? null : changed,
    WindowsConnectionSetting: 1,
    IsPreparing: false,
    FaultState: planted ? down.faultState : registered ? 0 : rng.pick([1, 2, 3]),
    OSType: machine.osType,
    CurrentLoadIndexId: hashOf(world.seed, 'load-index', machine.index, version.hour) % 10_000_000,
    CatalogId: machine.catalogId,
    DesktopGroupId: machine.desktopGroup.id,
    HypervisorId: machine.hypervisorId,
    Hash: hashOf(machine.id).toString(16).padStart(8, '0'),
    MachineRole: 0,
    // Power actions and VDA upgrades (Citrix's OpenAPI; enum codes INFERRED: 1 power on, 0 no failure),
    // and the administrator's tags: drawn last, so the values above stay as they were.
    LastPowerActionType: registered ? 1 : rng.pick([2, 3]),
    LastPowerActionReason: rng.pick([0, 1, 2]),
    LastPowerActionFailureReason: 0,
    LastPowerActionCompletedDate: changed - rng.int(HOUR_MS, 72 * HOUR_MS),
    LastUpgradeState: rng.chance(0.1) ? 1 : null,
    LastUpgradeStateChangeDate: null,
    Tags: rng.chance(0.3) ? ['Finance'] : [],
    CreatedDate: machine.createdMs,
    ModifiedDate: changed,
  };
}

function userRow(user: UserInfo, version: PoolVersion): Row {
  return {
    Id: user.id,
    Sid: user.sid,
    Upn: user.upn,
    UserName: user.userName,
    FullName: user.fullName,
    Domain: user.domain,
    CreatedDate: user.createdMs,
    ModifiedDate: version.modifiedMs,
  };
}

function applicationRow(world: World, app: ApplicationInfo, version: PoolVersion): Row {
  const rng = createRng(hashOf(world.seed, 'application-version', app.index, version.hour));
  return {
    Id: app.id,
    Name: app.name,
    PublishedName: app.publishedName,
    ApplicationType: 0,
    Enabled: rng.chance(0.95),
    AdminFolder: app.adminFolder,
    LifecycleState: 0,
    Path: app.path,
    BrowserName: app.browserName,
    Description: `${app.publishedName} (published)`,
    CreatedDate: app.createdMs,
    ModifiedDate: version.modifiedMs,
  };
}

export function machinesSource(world: World): RowSource {
  return poolSource<MachineInfo>(world, {
    name: 'Machines',
    members: world.population.machines,
    index: (m) => m.index,
    key: (m) => m.id,
    createdMs: (m) => m.createdMs,
    cadence: { periodHours: 6, extraChance: 0.1 },
    row: (m, v) => machineRow(world, m, v),
    adjust: (m, seeded, now) => plantedMachineVersion(world, m, seeded, now),
  });
}

export function usersSource(world: World): RowSource {
  return poolSource<UserInfo>(world, {
    name: 'Users',
    members: world.population.users,
    index: (u) => u.index,
    key: (u) => u.id,
    createdMs: (u) => u.createdMs,
    cadence: { periodHours: 24, extraChance: 0.02 },
    row: userRow,
  });
}

export function applicationsSource(world: World): RowSource {
  return poolSource<ApplicationInfo>(world, {
    name: 'Applications',
    members: world.population.applications,
    index: (a) => a.index,
    key: (a) => a.id,
    createdMs: (a) => a.createdMs,
    cadence: { periodHours: 72, extraChance: 0.005 },
    row: (a, v) => applicationRow(world, a, v),
  });
}

/**
 * The site's configuration objects: the Monitor database rewrites their rows as it synchronises the site's
 * configuration (a few times a day), besides an administrator's changes.
 */
const SITE_CADENCE: ChangeCadence = { periodHours: 6, extraChance: 0.01 };

export function catalogsSource(world: World): RowSource {
  return poolSource<SiteObject>(world, {
    name: 'Catalogs',
    members: world.population.catalogs,
    index: (c) => c.index,
    key: (c) => c.id,
    createdMs: (c) => c.createdMs,
    cadence: SITE_CADENCE,
    row: (catalog, version) => {
      const multiSession = catalog.desktopGroup?.sessionType === 1;
      return {
        Id: catalog.id,
        Name: catalog.name,
        LifecycleState: 0,
        // MCS-provisioned (1), discarding user changes (1); multi-session catalogs random (2), desktops static (1).
        ProvisioningType: 1,
        PersistentUserChanges: 1,
        IsMachinePhysical: false,
        AllocationType: multiSession ? 2 : 1,
        SessionSupport: multiSession ? 2 : 1,
        ProvisioningSchemeId: createRng(hashOf(world.seed, 'provisioning-scheme', catalog.index)).guid(),
        ZoneUid: createRng(hashOf(world.seed, 'zone')).guid(),
        ZoneName: 'Primary',
        CreatedDate: catalog.createdMs,
        ModifiedDate: version.modifiedMs,
      };
    },
  });
}

export function desktopGroupsSource(world: World): RowSource {
  const createdOf = (group: DesktopGroup) =>
    world.population.catalogs.find((c) => c.desktopGroup === group)?.createdMs ?? 0;
  return poolSource<DesktopGroup>(world, {
    name: 'DesktopGroups',
    members: world.population.desktopGroups,
    index: (g) => g.index,
    key: (g) => g.id,
    createdMs: createdOf,
    cadence: SITE_CADENCE,
    row: (group, version) => {
      const rng = createRng(hashOf(world.seed, 'desktop-group-version', group.index, version.hour));
      return {
        Id: group.id,
        Name: group.name,
        IsRemotePC: false,
        DesktopKind: group.sessionType === 1 ? 1 : 0,
        LifecycleState: 0,
        SessionSupport: group.sessionType === 1 ? 2 : 1,
        DeliveryType: group.sessionType === 1 ? 1 : 0,
        IsInMaintenanceMode: rng.chance(0.05),
        // Per machine and hour, in US dollars (CurrencyType 1); no autoscale tag.
        MachineCost: machineSpec(group).costPerHour,
        CurrencyType: 1,
        AutoscaleTagId: null,
        CreatedDate: createdOf(group),
        ModifiedDate: version.modifiedMs,
      };
    },
  });
}

export function hypervisorsSource(world: World): RowSource {
  return poolSource<SiteObject>(world, {
    name: 'Hypervisors',
    members: world.population.hypervisors,
    index: (h) => h.index,
    key: (h) => h.id,
    createdMs: (h) => h.createdMs,
    cadence: SITE_CADENCE,
    row: (hypervisor, version) => ({
      Id: hypervisor.id,
      Name: hypervisor.name,
      Type: 'VMware vSphere',
      LifecycleState: 0,
      CreatedDate: hypervisor.createdMs,
      ModifiedDate: version.modifiedMs,
    }),
  });
}

/**
 * MachineCosts: the current hourly rates of each machine (a dimension keyed by MachineId), from its
 * delivery group's configured cost (CostSource 2, ConfiguredCostFromStudio; Currency "USD"). The cost
 * service re-prices every machine once a day at a time of its own: a new version (ModifiedDate) each day.
 */
export function machineCostsSource(world: World): RowSource {
  return poolSource<MachineInfo>(world, {
    name: 'MachineCosts',
    members: world.population.machines,
    index: (m) => m.index,
    key: (m) => m.id,
    createdMs: (m) => m.createdMs,
    cadence: { periodHours: 24, extraChance: 0 },
    row: (machine, version) => {
      const spec = machineSpec(machine.desktopGroup);
      return {
        MachineId: machine.id,
        SpecId: spec.specId,
        CostPerHour: spec.costPerHour,
        Currency: 'USD',
        CostSource: 2,
        PowerOnComputeCostPerHour: spec.computePerHour,
        PowerOnStorageCostPerHour: spec.storagePerHour,
        PowerOffStorageCostPerHour: spec.storagePerHour,
        CreatedDate: machine.createdMs,
        ModifiedDate: version.modifiedMs,
      };
    },
  });
}
