/**
 * Monitor summary tables: one row per member (delivery group, machine, application in a group, failure
 * category and code) and time slot, at Granularity 60 (hour) and 1440 (day), windowed on SummaryDate (the
 * slot's start, UTC). A slot's rows are published once the slot is complete: CreatedDate = ModifiedDate =
 * slot end + PUBLISH_DELAY_MS + a few seconds per member; before that they do not exist, after that they
 * never change. Values come from site-activity.ts, so they agree with the tables they summarise.
 *
 * Sets: LogOnSummaries, SessionActivitySummaries, DesktopOSDesktopSummaries, ServerOSDesktopSummaries,
 * ApplicationActivitySummaries, FailureLogSummaries (and, through summarySource,
 * ResourceUtilizationSummary and MachineCostSavingsSummaries in resource-tables.ts).
 *
 * Ids encode the slot, the granularity and the member: (hour × 10 + granularity code) × 10^digits + member,
 * hour = SummaryDate in hours since the epoch, code 0 for an hour and 1 for a day.
 */
import type { Row, RowSource } from './row-source.ts';
import type { World } from './session-model.ts';
import {
  APPLICATION_MEMBER_STRIDE,
  type GroupActivity,
  LOGON_PHASES,
  type SiteActivity,
  type SlotActivity,
  type UsageStats,
} from './site-activity.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from './time.ts';

/** A slot's rows appear this long (plus up to 5 minutes by member) after the slot ends. */
export const PUBLISH_DELAY_MS = 5 * MINUTE_MS;
const MEMBER_SPREAD_SECONDS = 300;

export interface SummarySlot {
  /** SummaryDate in hours since the epoch. */
  hour: number;
  /** 0 hour, 1 day. */
  code: number;
  /** Slot length in minutes: the Granularity of most summary sets. */
  minutes: number;
  start: number;
  end: number;
}

const GRANULARITIES = [
  { code: 0, minutes: 60, ms: HOUR_MS },
  { code: 1, minutes: 1440, ms: DAY_MS },
] as const;

export function summarySlot(hour: number, code: number): SummarySlot {
  const granularity = GRANULARITIES[code] ?? GRANULARITIES[0];
  const start = hour * HOUR_MS;
  return { hour, code: granularity.code, minutes: granularity.minutes, start, end: start + granularity.ms };
}

/** The session activity of a slot: an hour's, or a day's roll-up. */
export function slotActivity(activity: SiteActivity, slot: SummarySlot): SlotActivity {
  return slot.code === 0 ? activity.hour(slot.hour) : activity.day(slot.hour / 24);
}

/** When a member's row of a slot is published (its CreatedDate). */
export function publishedAt(slot: SummarySlot, member: number): number {
  return slot.end + PUBLISH_DELAY_MS + (member % MEMBER_SPREAD_SECONDS) * SECOND_MS;
}

/** How one summary set's rows are found, identified and filled. */
export interface SummarySpec<D> {
  /** The slot's aggregates (memoised by their owner). */
  data(slot: SummarySlot): D;
  /** Members with a row in the slot (non-negative integers below 10^idDigits); `data` when membership needs it. */
  members(slot: SummarySlot, data: () => D): readonly number[];
  /** An Int64 `Id` with this many digits for the member, or the composite entity key of a set without Id. */
  identity: { idDigits: number } | { key(slot: SummarySlot, member: number): string };
  /** Whether the set has CreatedDate / ModifiedDate (both the publication time). */
  dated: boolean;
  /** The Granularity column (default: the slot's minutes). */
  granularity?(slot: SummarySlot): number;
  /** The set's own columns. */
  columns(slot: SummarySlot, member: number, data: D): Row;
}

export function summaryId(slot: SummarySlot, member: number, idDigits: number): number {
  return (slot.hour * 10 + slot.code) * 10 ** idDigits + member;
}

/** A RowSource over a summary set: candidates (SummaryDate hour, granularity code, member). */
export function summarySource<D>(spec: SummarySpec<D>): RowSource {
  const { identity } = spec;
  const keyOf = (slot: SummarySlot, member: number) =>
    'idDigits' in identity ? summaryId(slot, member, identity.idDigits) : identity.key(slot, member);
  const source: RowSource = {
    sliceMs: HOUR_MS,
    settlesAfterMs: DAY_MS + PUBLISH_DELAY_MS + MEMBER_SPREAD_SECONDS * SECOND_MS,
    scan(lo, hi, now, budget, into) {
      for (const { code, ms } of GRANULARITIES) {
        for (let start = Math.ceil(lo / ms) * ms; start < hi; start += ms) {
          const slot = summarySlot(start / HOUR_MS, code);
          if (slot.end + PUBLISH_DELAY_MS > now) break;
          for (const member of spec.members(slot, () => spec.data(slot))) {
            budget.consume(1);
            if (publishedAt(slot, member) <= now) into.add(slot.start, slot.hour, code, member);
          }
        }
      }
    },
    key: (hour, code, member) => keyOf(summarySlot(hour, code), member),
    cursorAt(hour, code, member, at) {
      const slot = summarySlot(hour, code);
      return publishedAt(slot, member) <= at ? slot.start : undefined;
    },
    build(hour, code, member) {
      const slot = summarySlot(hour, code);
      const published = publishedAt(slot, member);
      return {
        ...('idDigits' in identity ? { Id: summaryId(slot, member, identity.idDigits) } : {}),
        SummaryDate: slot.start,
        Granularity: spec.granularity?.(slot) ?? slot.minutes,
        ...spec.columns(slot, member, spec.data(slot)),
        ...(spec.dated ? { CreatedDate: published, ModifiedDate: published } : {}),
      };
    },
  };
  PUBLISHED.set(source, (hour, code, member) => publishedAt(summarySlot(hour, code), member));
  return source;
}

/** When a summary source's candidate was published, for the `recomputedSummaries` fault. */
const PUBLISHED = new WeakMap<RowSource, (hour: number, code: number, member: number) => number>();

/**
 * The `recomputedSummaries` fault: each row of the summary sets above is computed again `afterMinutes`
 * after it was published, in place — same key, same SummaryDate — with every `…Count` one higher (and
 * its ModifiedDate, where it has one, at the recomputation). INFERRED: Citrix aggregates a slot once it
 * is complete (docs.citrix.com, Monitor "Data granularity and retention") and does not say whether a
 * published row is revised (a session or logon uploaded late, counted into its slot); this lets a test
 * see a collector deliver such a revision once, as a new version. Sets without a `…Count` column keep
 * their values. null (or absent) = off: published rows never change.
 */
export function withRecomputedSummaries(
  sources: ReadonlyMap<string, RowSource>,
  fault: { afterMinutes: number } | null | undefined,
): ReadonlyMap<string, RowSource> {
  if (!fault) return sources;
  const { afterMinutes } = fault;
  if (!Number.isFinite(afterMinutes) || afterMinutes <= 0)
    throw new Error(`recomputedSummaries.afterMinutes must be a finite number > 0, got ${afterMinutes}`);
  const afterMs = Math.floor(afterMinutes * MINUTE_MS);
  return new Map(
    [...sources].map(([entitySet, source]) => {
      const published = PUBLISHED.get(source);
      if (!published) return [entitySet, source];
      const recomputed: RowSource = {
        ...source,
        build(hour, code, member, now) {
          const row = source.build(hour, code, member, now);
          const at = published(hour, code, member) + afterMs;
          return now >= at ? recomputedRow(row, at) : row;
        },
      };
      return [entitySet, recomputed];
    }),
  );
}

function recomputedRow(row: Row, at: number): Row {
  const revised: Row = { ...row };
  for (const [name, value] of Object.entries(row))
    if (name.endsWith('Count') && typeof value === 'number') revised[name] = value + 1;
  if ('ModifiedDate' in row) revised.ModifiedDate = at;
  return revised;
}

function usageColumns(usage: UsageStats | undefined): Row {
  return {
    PeakConcurrentInstanceCount: usage?.peak ?? 0,
    TotalUsageDuration: usage?.usageMs ?? 0,
    TotalLaunchesCount: usage?.launches ?? 0,
    StartingInstanceCount: usage?.starting ?? 0,
  };
}

/** A summary of the site's session activity, keyed by an Id. */
function activitySummary(
  activity: SiteActivity,
  idDigits: number,
  members: (slot: SummarySlot, data: () => SlotActivity) => readonly number[],
  columns: (member: number, data: SlotActivity, slot: SummarySlot) => Row,
): RowSource {
  return summarySource<SlotActivity>({
    data: (slot) => slotActivity(activity, slot),
    members,
    identity: { idDigits },
    dated: true,
    columns: (slot, member, data) => columns(member, data, slot),
  });
}

/**
 * A summary of each delivery group `which` keeps (all by default) per slot: its `DesktopGroupId` and
 * the columns `columns` derives from the slot's activity of the group.
 */
function desktopGroupSummary(
  world: World,
  activity: SiteActivity,
  columns: (group: GroupActivity | undefined) => Row,
  which: (group: World['population']['desktopGroups'][number]) => boolean = () => true,
): RowSource {
  const groups = world.population.desktopGroups;
  const members = groups.filter(which).map((g) => g.index);
  return activitySummary(
    activity,
    1,
    () => members,
    (g, data) => ({ DesktopGroupId: groups[g]?.id ?? null, ...columns(data.groups[g]) }),
  );
}

/**
 * LogOnSummaries: logons of the sessions that started in the slot, per delivery group — their total
 * duration and count, and per phase (Citrix's OpenAPI) the phase's total duration and how many logons
 * went through it (none through VM start: the emulator's machines are always on).
 */
export function logOnSummariesSource(world: World, activity: SiteActivity): RowSource {
  return desktopGroupSummary(world, activity, (group) => {
    const count = group?.logOnCount ?? 0;
    const phases: Row = {};
    for (const phase of LOGON_PHASES) {
      const ms = group?.logOnPhases[phase] ?? 0;
      phases[`${phase}Duration`] = ms;
      phases[`${phase}Count`] = phase === 'VMStart' ? 0 : count;
    }
    return {
      TotalDuration: group?.logOnMs ?? 0,
      TotalCount: count,
      ...phases,
      VMPowerOnDuration: 0,
      VMRegistrationDuration: 0,
    };
  });
}

/**
 * SessionActivitySummaries, per delivery group: the most sessions connected (active), disconnected and in
 * existence at once within the slot, and the logons of the sessions that started in it.
 */
export function sessionActivitySummariesSource(world: World, activity: SiteActivity): RowSource {
  return desktopGroupSummary(world, activity, (group) => ({
    ConnectedSessionCount: group?.peakConnected ?? 0,
    DisconnectedSessionCount: group?.peakDisconnected ?? 0,
    ConcurrentSessionCount: group?.sessions.peak ?? 0,
    TotalLogOnDuration: group?.logOnMs ?? 0,
    TotalLogOnCount: group?.logOnCount ?? 0,
  }));
}

/** DesktopOSDesktopSummaries: desktop sessions of each single-session delivery group as instances. */
export function desktopOSDesktopSummariesSource(world: World, activity: SiteActivity): RowSource {
  return desktopGroupSummary(
    world,
    activity,
    (group) => usageColumns(group?.sessions),
    (group) => group.sessionType === 0,
  );
}

/** ServerOSDesktopSummaries: the sessions of each multi-session machine (existing in the slot) as instances. */
export function serverOSDesktopSummariesSource(world: World, activity: SiteActivity): RowSource {
  const machines = world.population.machines;
  const multiSession = machines.filter((m) => m.desktopGroup.sessionType === 1);
  return activitySummary(
    activity,
    3,
    (slot) => multiSession.filter((m) => m.createdMs < slot.end).map((m) => m.index),
    (m, data) => ({
      MachineId: machines[m]?.id ?? null,
      DesktopGroupId: machines[m]?.desktopGroup.id ?? null,
      ...usageColumns(data.machines[m]?.sessions),
    }),
  );
}

/**
 * ApplicationActivitySummaries: the ApplicationInstances of each application in each delivery group, for
 * the pairs with an instance running in the slot.
 */
export function applicationActivitySummariesSource(world: World, activity: SiteActivity): RowSource {
  const { applications, desktopGroups } = world.population;
  return activitySummary(
    activity,
    3,
    (_slot, data) => [...data().applications.keys()],
    (member, data) => ({
      ApplicationId: applications[Math.floor(member / APPLICATION_MEMBER_STRIDE)]?.id ?? null,
      DesktopGroupId: desktopGroups[member % APPLICATION_MEMBER_STRIDE]?.id ?? null,
      ...usageColumns(data.applications.get(member)),
    }),
  );
}

/** A failure summary's member: category × 10^5 + group × 10^3 + code. */
function failureMember(category: number, group: number, code: number): number {
  return category * 100_000 + group * 1000 + code;
}

/**
 * FailureLogSummaries: per delivery group, category and code, the failures of the slot — failed launches
 * (category 1, their ConnectionFailureEnumValue, at their FailureDate) and machine faults (category 2,
 * their FaultState, at their FailureStartDate). Only rows with a count.
 */
export function failureLogSummariesSource(world: World, activity: SiteActivity): RowSource {
  const groups = world.population.desktopGroups;
  const countOf = (data: SlotActivity, member: number) =>
    data.failures.find((f) => failureMember(f.category, f.group, f.code) === member)?.count ?? 0;
  return activitySummary(
    activity,
    6,
    (_slot, data) => data().failures.map((f) => failureMember(f.category, f.group, f.code)),
    (member, data) => ({
      DesktopGroupId: groups[Math.floor(member / 1000) % 100]?.id ?? null,
      FailureCategory: Math.floor(member / 100_000),
      FailureCode: member % 1000,
      FailureCount: countOf(data, member),
    }),
  );
}
