/**
 * Monitor tables derived from session timelines: Sessions, Connections, ApplicationInstances, SessionMetrics,
 * ConnectionFailureLogs, SessionAutoReconnects, LogOnMetrics and SessionMetricsLatest. A window [lo, hi) is
 * served by generating the creation hours [lo - SESSION_SPAN_MS, hi): nothing is kept between calls.
 */
import { createRng, hashOf } from './random.ts';
import { creationHours, inWindow, latestIndex, type Row, type RowSource } from './row-source.ts';
import type { ScanBudget } from './scan-budget.ts';
import {
  applicationInstanceTimes,
  ConnectionState,
  connectionId,
  failureLogId,
  ID_HOUR_STRIDE,
  SESSION_MAX_LIFETIME_MS,
  type SessionDetail,
  type SessionState,
  type SessionTimeline,
  sessionDetail,
  sessionKey,
  sessionStateAt,
  sessionsInHour,
  sessionTimeline,
  type World,
} from './session-model.ts';
import { HOUR_MS, MINUTE_MS, SECOND_MS } from './time.ts';

const METRIC_INTERVAL_MS = 10 * MINUTE_MS;
/** Every event of a session lies within one hour (its start) plus the maximum lifetime of its creation hour. */
const SESSION_SPAN_MS = HOUR_MS + SESSION_MAX_LIFETIME_MS + 10 * SECOND_MS;

/**
 * Iterates the session timelines of the creation hours that can reach [lo, hi): those of sessions whose
 * records lie within `spanMs` after the start of their creation hour.
 */
function* sessionTimelines(
  world: World,
  lo: number,
  hi: number,
  now: number,
  budget: ScanBudget,
  spanMs = SESSION_SPAN_MS,
): Generator<SessionTimeline> {
  for (const hour of creationHours(lo, hi, now, spanMs)) {
    const count = sessionsInHour(world, hour);
    budget.consume(count);
    for (let index = 0; index < count; index++) yield sessionTimeline(world, hour, index);
  }
}

function stateOrThrow(t: SessionTimeline, now: number): SessionState {
  const st = sessionStateAt(t, now);
  if (!st) throw new Error(`session ${t.hour}/${t.index} does not exist at ${now}`);
  return st;
}

const PHASE_STATE: Record<SessionState['phase'], number> = {
  preparing: ConnectionState.PreparingSession,
  active: ConnectionState.Active,
  disconnected: ConnectionState.Disconnected,
  reconnected: ConnectionState.Active,
  ended: ConnectionState.Terminated,
  failed: ConnectionState.Terminated,
};

function sessionRow(world: World, t: SessionTimeline, d: SessionDetail, st: SessionState): Row {
  const machine = world.population.machines[t.machineIndex];
  const user = world.population.users[t.userIndex];
  const group = machine?.desktopGroup;
  const ended = st.phase === 'ended' || st.phase === 'failed';
  const onReconnect = t.reconnectAt !== null && (st.phase === 'reconnected' || st.phase === 'ended');
  return {
    SessionKey: d.key,
    StartDate: t.start,
    LogOnDuration: t.activeAt !== null && st.phase !== 'preparing' ? t.logOnMs : null,
    EndDate: ended ? t.end : null,
    ExitCode: ended ? (t.failed ? 1 : 0) : null,
    FailureId: st.phase === 'failed' ? failureLogId(t) : null,
    FailureDate: st.phase === 'failed' ? t.end : null,
    ConnectionState: PHASE_STATE[st.phase],
    SessionIdleTime: st.phase === 'disconnected' ? st.since : null,
    ConnectionStateChangeDate: st.since,
    LifecycleState: 0,
    CurrentConnectionId: connectionId(t, onReconnect ? 1 : 0),
    UserId: user?.id ?? null,
    MachineId: machine?.id ?? null,
    SessionType: group?.sessionType ?? 0,
    IsAnonymous: false,
    PublishedDesktopId: group?.sessionType === 0 ? group.publishedDesktopId : null,
    CreatedDate: t.start,
    ModifiedDate: st.since,
  };
}

export function sessionsSource(world: World): RowSource {
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: SESSION_SPAN_MS,
    scan(lo, hi, now, budget, into) {
      for (const t of sessionTimelines(world, lo, hi, now, budget)) {
        const st = sessionStateAt(t, now);
        if (st && inWindow(st.since, lo, hi)) into.add(st.since, t.hour, t.index);
      }
    },
    key: (hour, index) => sessionKey(world, hour, index),
    cursorAt: (hour, index, _c, at) => sessionStateAt(sessionTimeline(world, hour, index), at)?.since,
    build(hour, index, _c, now) {
      const t = sessionTimeline(world, hour, index);
      return sessionRow(world, t, sessionDetail(world, t), stateOrThrow(t, now));
    },
    // $expand=Session of the rows that carry a SessionKey: the session as it is at `now`, when its detail
    // was made lately (every such row makes it), else not found.
    lookup(key, now) {
      const at = typeof key === 'string' ? world.recentSessions.get(key) : undefined;
      if (!at) return undefined;
      const t = sessionTimeline(world, at.hour, at.index);
      const state = sessionStateAt(t, now);
      return state ? sessionRow(world, t, sessionDetail(world, t), state) : undefined;
    },
  };
}

/** Versions (ModifiedDate values) of the session's initial connection and of its reconnection. */
function connectionVersions(t: SessionTimeline): number[][] {
  if (t.failed || t.activeAt === null) return [[t.start, t.end]];
  const first = [t.start, t.activeAt, t.disconnectAt ?? t.end];
  return t.reconnectAt === null ? [first] : [first, [t.reconnectAt, t.end]];
}

function connectionRow(t: SessionTimeline, d: SessionDetail, k: number, version: number): Row {
  const times = connectionVersions(t)[k] ?? [];
  const modified = times[version] ?? t.start;
  const closed = times.length > 1 && version === times.length - 1;
  const base: Row = {
    Id: connectionId(t, k),
    ClientName: d.clientName,
    ClientAddress: d.clientAddress,
    ClientPublicIP: d.clientPublicIp,
    ClientVersion: d.clientVersion,
    ClientPlatform: d.clientPlatform,
    ClientISP: d.clientIsp,
    ClientLocationCountry: d.country,
    ClientLocationCity: d.city,
    ClientNetworkInterfaceType: d.networkInterfaceType,
    WorkspaceType: d.workspaceType,
    ConnectedViaHostName: d.gateway,
    ConnectedViaIPAddress: '203.0.113.10',
    LaunchedViaHostName: d.storefront,
    LaunchedViaIPAddress: '10.10.0.5',
    IsReconnect: k === 1,
    IsSecureIca: false,
    Protocol: 'HDX',
    SessionKey: d.key,
    VMStartStartDate: null,
    VMPoweredOnDate: null,
    VMStartEndDate: null,
    DisconnectCode: closed ? 0 : null,
    DisconnectDate: closed ? modified : null,
    CreatedDate: times[0] ?? t.start,
    ModifiedDate: modified,
  };
  if (k === 1) {
    const at = t.reconnectAt ?? t.start;
    return {
      ...base,
      LogOnStartDate: at,
      LogOnEndDate: at + 3 * SECOND_MS,
      BrokeringDuration: 300,
      BrokeringDate: at + 300,
      ClientSessionValidateDate: null,
      ServerSessionValidateDate: null,
      EstablishmentDate: at + 2 * SECOND_MS,
      HdxStartDate: at + 300,
      HdxEndDate: at + 2 * SECOND_MS,
      AuthenticationDuration: null,
      GpoStartDate: null,
      GpoEndDate: null,
      LogOnScriptsStartDate: null,
      LogOnScriptsEndDate: null,
      ProfileLoadStartDate: null,
      ProfileLoadEndDate: null,
      InteractiveStartDate: null,
      InteractiveEndDate: null,
    };
  }
  const brokered = t.start + d.brokeringMs;
  const loggedOn = !t.failed && version >= 1;
  const hdxEnd = brokered + d.authenticationMs;
  const gpoEnd = hdxEnd + d.gpoMs;
  const scriptsEnd = gpoEnd + d.scriptsMs;
  const profileEnd = scriptsEnd + d.profileMs;
  const step = (value: number): number | null => (loggedOn ? value : null);
  return {
    ...base,
    LogOnStartDate: t.start,
    LogOnEndDate: loggedOn ? t.activeAt : null,
    BrokeringDuration: d.brokeringMs,
    BrokeringDate: brokered,
    ClientSessionValidateDate: brokered + 50,
    ServerSessionValidateDate: brokered + 120,
    EstablishmentDate: step(hdxEnd),
    HdxStartDate: brokered,
    HdxEndDate: step(hdxEnd),
    AuthenticationDuration: step(d.authenticationMs),
    GpoStartDate: step(hdxEnd),
    GpoEndDate: step(gpoEnd),
    LogOnScriptsStartDate: step(gpoEnd),
    LogOnScriptsEndDate: step(scriptsEnd),
    ProfileLoadStartDate: step(scriptsEnd),
    ProfileLoadEndDate: step(profileEnd),
    InteractiveStartDate: step(profileEnd),
    InteractiveEndDate: step(profileEnd + d.interactiveMs),
  };
}

export function connectionsSource(world: World): RowSource {
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: SESSION_SPAN_MS,
    scan(lo, hi, now, budget, into) {
      for (const t of sessionTimelines(world, lo, hi, now, budget)) {
        if (t.start > now) continue;
        const versions = connectionVersions(t);
        for (let k = 0; k < versions.length; k++) {
          const times = versions[k] ?? [];
          const cursor = times[latestIndex(times, now)];
          if (cursor !== undefined && inWindow(cursor, lo, hi)) into.add(cursor, t.hour, t.index, k);
        }
      }
    },
    key: (hour, index, k) => hour * ID_HOUR_STRIDE + index * 2 + k,
    cursorAt(hour, index, k, at) {
      const times = connectionVersions(sessionTimeline(world, hour, index))[k] ?? [];
      return times[latestIndex(times, at)];
    },
    build(hour, index, k, now) {
      const t = sessionTimeline(world, hour, index);
      const times = connectionVersions(t)[k] ?? [];
      return connectionRow(t, sessionDetail(world, t), k, latestIndex(times, now));
    },
  };
}

export function applicationInstancesSource(world: World): RowSource {
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: SESSION_SPAN_MS,
    scan(lo, hi, now, budget, into) {
      for (const t of sessionTimelines(world, lo, hi, now, budget)) {
        const group = world.population.machines[t.machineIndex]?.desktopGroup;
        if (t.failed || t.activeAt === null || group?.sessionType !== 1 || t.activeAt > now) continue;
        const count = sessionDetail(world, t).applicationIds.length;
        for (let k = 0; k < count; k++) {
          const times = applicationInstanceTimes(t, k);
          const cursor = times[latestIndex(times, now)];
          if (cursor !== undefined && inWindow(cursor, lo, hi)) into.add(cursor, t.hour, t.index, k);
        }
      }
    },
    key: (hour, index, k) => hour * ID_HOUR_STRIDE + index * 4 + k,
    cursorAt(hour, index, k, at) {
      const times = applicationInstanceTimes(sessionTimeline(world, hour, index), k);
      return times[latestIndex(times, at)];
    },
    build(hour, index, k, now) {
      const t = sessionTimeline(world, hour, index);
      const d = sessionDetail(world, t);
      const times = applicationInstanceTimes(t, k);
      const v = latestIndex(times, now);
      return {
        Id: hour * ID_HOUR_STRIDE + index * 4 + k,
        ApplicationId: d.applicationIds[k] ?? null,
        SessionKey: d.key,
        StartDate: times[0],
        EndDate: v === 1 ? t.end : null,
        CreatedDate: times[0],
        ModifiedDate: times[v],
      };
    },
  };
}

export function sessionMetricsSource(world: World): RowSource {
  return {
    sliceMs: METRIC_INTERVAL_MS,
    settlesAfterMs: 0,
    scan(lo, hi, now, budget, into) {
      for (const t of sessionTimelines(world, lo, hi, now, budget)) {
        if (t.failed || t.activeAt === null) continue;
        const until = Math.min(hi, t.end, now + 1);
        const first = Math.max(0, Math.ceil((lo - t.activeAt) / METRIC_INTERVAL_MS));
        for (let k = first; t.activeAt + k * METRIC_INTERVAL_MS < until; k++) {
          into.add(t.activeAt + k * METRIC_INTERVAL_MS, t.hour, t.index, k);
        }
      }
    },
    key: (hour, index, k) => hour * ID_HOUR_STRIDE + index * 64 + k,
    cursorAt(hour, index, k, at) {
      const t = sessionTimeline(world, hour, index);
      const collected = (t.activeAt ?? t.start) + k * METRIC_INTERVAL_MS;
      return collected <= at ? collected : undefined;
    },
    build(hour, index, k) {
      const t = sessionTimeline(world, hour, index);
      const d = sessionDetail(world, t);
      const id = hour * ID_HOUR_STRIDE + index * 64 + k;
      const collected = (t.activeAt ?? t.start) + k * METRIC_INTERVAL_MS;
      const jitter = createRng(hashOf(world.seed, 'ica-rtt', id)).next();
      return {
        Id: id,
        SessionId: d.key,
        CollectedDate: collected,
        IcaRttMS: Math.max(1, Math.round(d.icaRttMs * (0.7 + 0.6 * jitter))),
        // The HDX round trip's parts (Citrix's OpenAPI): the network's, the client's and the server's.
        IcaLatency: Math.max(1, Math.round(d.icaRttMs * (0.4 + 0.3 * jitter))),
        ClientL7Latency: Math.max(1, Math.round(d.icaRttMs * (0.2 + 0.2 * jitter))),
        ServerL7Latency: Math.max(1, Math.round(d.icaRttMs * (0.05 + 0.15 * jitter))),
        ConnectionState: ConnectionState.Active,
        CreatedDate: collected,
        ModifiedDate: collected,
      };
    },
  };
}

/** ModifiedDate versions of a failed launch's ConnectionFailureLog: created, then updated by the broker. */
function failureLogTimes(world: World, t: SessionTimeline): number[] {
  return [t.end, t.end + sessionDetail(world, t).failureLogDelayMs];
}

export function connectionFailureLogsSource(world: World): RowSource {
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: SESSION_SPAN_MS,
    scan(lo, hi, now, budget, into) {
      for (const t of sessionTimelines(world, lo, hi, now, budget)) {
        if (!t.failed || t.end > now) continue;
        const times = failureLogTimes(world, t);
        const cursor = times[latestIndex(times, now)];
        if (cursor !== undefined && inWindow(cursor, lo, hi)) into.add(cursor, t.hour, t.index);
      }
    },
    key: (hour, index) => hour * ID_HOUR_STRIDE + index,
    cursorAt(hour, index, _c, at) {
      const times = failureLogTimes(world, sessionTimeline(world, hour, index));
      return times[latestIndex(times, at)];
    },
    build(hour, index, _c, now) {
      const t = sessionTimeline(world, hour, index);
      const d = sessionDetail(world, t);
      const times = failureLogTimes(world, t);
      return {
        Id: failureLogId(t),
        SessionKey: d.key,
        FailureDate: t.end,
        UserId: world.population.users[t.userIndex]?.id ?? null,
        MachineId: world.population.machines[t.machineIndex]?.id ?? null,
        ConnectionFailureEnumValue: d.failureEnum,
        CreatedDate: t.end,
        ModifiedDate: times[latestIndex(times, now)],
      };
    },
  };
}

/**
 * SessionAutoReconnects: one row per session whose connection came back (`reconnectAt`), insert-only —
 * the set has no ModifiedDate — windowed on `EventTimestamp`, the event's time (Citrix's OpenAPI example
 * and index); the broker records it a few seconds later (`CreatedDate`).
 */
export function sessionAutoReconnectsSource(world: World): RowSource {
  const eventOf = (t: SessionTimeline, at: number) =>
    !t.failed && t.reconnectAt !== null && t.reconnectAt <= at ? t.reconnectAt : undefined;
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: SESSION_SPAN_MS,
    scan(lo, hi, now, budget, into) {
      for (const t of sessionTimelines(world, lo, hi, now, budget)) {
        const at = eventOf(t, now);
        if (at !== undefined && inWindow(at, lo, hi)) into.add(at, t.hour, t.index);
      }
    },
    key: (hour, index) => hour * ID_HOUR_STRIDE + index,
    cursorAt: (hour, index, _c, at) => eventOf(sessionTimeline(world, hour, index), at),
    build(hour, index) {
      const t = sessionTimeline(world, hour, index);
      const event = t.reconnectAt ?? t.start;
      return {
        Id: hour * ID_HOUR_STRIDE + index,
        SessionKey: sessionDetail(world, t).key,
        ConnectionId: connectionId(t, 1),
        AutoReconnectCount: 1,
        // The enum's meanings are not published; 1 stands for a client reconnect here.
        AutoReconnectType: 1,
        EventTimestamp: event,
        CreatedDate: event + 2 * SECOND_MS,
      };
    },
  };
}

/** Start and end of a session's userinit phase: inside the interactive phase of its first connection. */
function userInitPhase(world: World, t: SessionTimeline): [number, number] | undefined {
  if (t.failed || t.activeAt === null) return undefined;
  const d = sessionDetail(world, t);
  const interactiveStart = t.start + d.brokeringMs + d.authenticationMs + d.gpoMs + d.scriptsMs + d.profileMs;
  const rng = createRng(hashOf(world.seed, 'userinit', t.hour, t.index));
  const start = interactiveStart + Math.floor(d.interactiveMs * (0.05 + 0.15 * rng.next()));
  return [start, start + Math.floor(d.interactiveMs * (0.2 + 0.5 * rng.next()))];
}

/**
 * LogOnMetrics: one row per session that logged on (failed launches have none), holding its userinit phase,
 * a few seconds into the logon (within the Connection's interactive phase). Insert-only — the set has no
 * CreatedDate or ModifiedDate — windowed on UserInitStartDate; the row exists once the phase has ended.
 */
export function logOnMetricsSource(world: World): RowSource {
  return {
    sliceMs: HOUR_MS,
    settlesAfterMs: MINUTE_MS,
    scan(lo, hi, now, budget, into) {
      // The phase lies within the logon (under a minute): only the creation hours up to the window count.
      for (const t of sessionTimelines(world, lo, hi, now, budget, HOUR_MS + MINUTE_MS)) {
        if (t.start >= hi || t.start + t.logOnMs < lo || t.start > now) continue;
        const phase = userInitPhase(world, t);
        if (phase && phase[1] <= now && inWindow(phase[0], lo, hi)) into.add(phase[0], t.hour, t.index);
      }
    },
    key: (hour, index) => hour * ID_HOUR_STRIDE + index,
    cursorAt(hour, index, _c, at) {
      const phase = userInitPhase(world, sessionTimeline(world, hour, index));
      return phase && phase[1] <= at ? phase[0] : undefined;
    },
    build(hour, index) {
      const t = sessionTimeline(world, hour, index);
      const phase = userInitPhase(world, t);
      return {
        Id: hour * ID_HOUR_STRIDE + index,
        SessionKey: sessionKey(world, hour, index),
        UserInitStartDate: phase?.[0] ?? null,
        UserInitEndDate: phase?.[1] ?? null,
      };
    },
  };
}
