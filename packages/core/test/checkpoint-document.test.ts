import { describe, expect, it } from 'vitest';
import {
  CheckpointConflictError,
  CtxsiemError,
  checkpointDocumentKind,
  checkpointFromLegacyState,
  createsCheckpoint,
  decodeCheckpointDocument,
  decodeStoredDocument,
  encodeCheckpointDocument,
  encodeStoredDocument,
  isJsonObject,
  LEGACY_VERSION,
  manifestDocumentKind,
  newCheckpointDocument,
  newStoredDocument,
  type RefusedWrite,
  type StoredCheckpoint,
  settleRefusedWrite,
  type VersionedCheckpoint,
} from '../src/index.ts';

const KEY = 'acme/monitor/Sessions';
const STATE = { position: '2024-08-06T07:00:00.000Z' };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('the checkpoint document', () => {
  it('carries the state, a fresh write id every time and when it was written', () => {
    const now = new Date('2024-08-06T07:05:00Z');
    const first = newCheckpointDocument(STATE, now);
    const second = newCheckpointDocument(STATE, now);
    expect(first).toMatchObject({ state: STATE, writtenAt: '2024-08-06T07:05:00.000Z' });
    expect(first.writeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.writeId).not.toBe(first.writeId);
    // Same state, different bytes: an ETag that is the content's MD5 never comes back (no ABA).
    expect(encodeCheckpointDocument(second)).not.toBe(encodeCheckpointDocument(first));
  });

  it('encodes as indented JSON with a final newline and decodes back to the same document', () => {
    const document = newCheckpointDocument({
      ...STATE,
      window: { to: '2024-08-06T08:00:00.000Z', resume: 'p2', seq: 2 },
    });
    const text = encodeCheckpointDocument(document);
    expect(text).toBe(`${JSON.stringify(document, null, 2)}\n`);
    expect(decodeCheckpointDocument(text, 's3://b/k.json')).toEqual(document);
  });

  it('names the object and the way out when the text is not a ctxsiem checkpoint', () => {
    for (const text of ['not json', '{}', '{"state":{"position":7}}', 'null']) {
      const decode = () => decodeCheckpointDocument(text, 'gs://b/_state/k.json');
      expect(decode).toThrow(CtxsiemError);
      expect(decode).toThrow(
        /^checkpoint gs:\/\/b\/_state\/k\.json is not a ctxsiem checkpoint \(.+\); fix or delete it \(ctxsiem state reset\)$/,
      );
    }
    expect(thrown(() => decodeCheckpointDocument('{}', 'x'))).toMatchObject({
      code: 'CHECKPOINT_READ_FAILED',
      message: expect.stringMatching(/\(it has no state\.position\)/),
    });
  });
});

describe("the seed collectors' state.json", () => {
  it('answers the hour after last_hour_utc with the legacy version', () => {
    expect(
      checkpointFromLegacyState('{"last_hour_utc":"2024-08-06T07:00:00Z"}', 's3://b/state.json'),
    ).toEqual({
      state: { position: '2024-08-06T08:00:00.000Z' },
      version: LEGACY_VERSION,
    });
    expect(LEGACY_VERSION).toBe('legacy:none');
  });

  it('answers nothing for a state without an hour', () => {
    expect(checkpointFromLegacyState('{}', 's3://b/state.json')).toBeUndefined();
    expect(checkpointFromLegacyState('{"last_hour_utc":"soon"}', 's3://b/state.json')).toBeUndefined();
  });

  it('stops on text that is not JSON, naming the object', () => {
    expect(() => checkpointFromLegacyState('not json', 'gs://b/citrix/state.json')).toThrow(
      /^the seed's state gs:\/\/b\/citrix\/state\.json \(legacyKey\) is not JSON; expected \{"last_hour_utc": "…Z"\}$/,
    );
  });

  it('creates the object when writing with no version or the legacy one, advances otherwise', () => {
    expect(createsCheckpoint(undefined)).toBe(true);
    expect(createsCheckpoint(LEGACY_VERSION)).toBe(true);
    expect(createsCheckpoint('"etag"')).toBe(false);
    expect(createsCheckpoint('12')).toBe(false);
  });
});

describe('a refused conditional write', () => {
  const written: StoredCheckpoint = { state: STATE, writeId: 'mine', writtenAt: '2024-08-06T07:05:00.000Z' };
  const refused = (
    ifVersion: string | undefined,
    reread: () => Promise<VersionedCheckpoint | undefined>,
  ): RefusedWrite => ({
    key: KEY,
    written,
    ifVersion,
    creates: createsCheckpoint(ifVersion),
    location: 'gs://b/_state/k.json',
    versionName: 'generation',
    reread,
    cause: new Error('412'),
  });
  const stored = (writeId: string, version: string): VersionedCheckpoint => ({
    document: { ...written, writeId },
    version,
  });

  it('is our own retried write when the stored document carries our write id', async () => {
    expect(await settleRefusedWrite(refused('5', async () => stored('mine', '6')))).toBe('6');
    expect(await settleRefusedWrite(refused(undefined, async () => stored('mine', '1')))).toBe('1');
  });

  it("is a conflict when someone else's document is there, naming the version found", async () => {
    const settled = settleRefusedWrite(refused('5', async () => stored('theirs', '7')));
    await expect(settled).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(settled).rejects.toThrow(
      `checkpoint "${KEY}" was changed by another runner (expected generation 5 of gs://b/_state/k.json, found generation 7)`,
    );
    await expect(settled).rejects.toMatchObject({
      key: KEY,
      code: 'CHECKPOINT_CONFLICT',
      cause: new Error('412'),
    });
  });

  it('is a conflict when the checkpoint was deleted or cannot be read back', async () => {
    await expect(settleRefusedWrite(refused('5', async () => undefined))).rejects.toThrow(
      /expected generation 5 of gs:\/\/b\/_state\/k\.json, it was deleted/,
    );
    const unreadable = settleRefusedWrite(
      refused('5', async () => {
        throw new Error('network down');
      }),
    );
    await expect(unreadable).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(unreadable).rejects.toThrow(/could not read it back/);
  });

  it('is a create when the write says so, else when it had no version', async () => {
    const { creates: _, ...withoutCreates } = refused(undefined, async () => stored('theirs', '3'));
    await expect(settleRefusedWrite(withoutCreates)).rejects.toThrow(
      /\(gs:\/\/b\/_state\/k\.json already exists\)/,
    );
    await expect(settleRefusedWrite({ ...withoutCreates, ifVersion: LEGACY_VERSION })).rejects.toThrow(
      /expected generation legacy:none of/,
    );
  });

  it('is a conflict when creating over an existing checkpoint, also after reading the seed state', async () => {
    for (const ifVersion of [undefined, LEGACY_VERSION]) {
      await expect(settleRefusedWrite(refused(ifVersion, async () => stored('theirs', '3')))).rejects.toThrow(
        /\(gs:\/\/b\/_state\/k\.json already exists\)/,
      );
    }
  });
});

describe('documents of any kind (document-objects)', () => {
  it("wraps the content under the kind's field: state for checkpoints, document for manifests", () => {
    const now = new Date('2024-08-06T07:05:00Z');
    const manifest = newStoredDocument(manifestDocumentKind, { parts: [] }, now);
    expect(manifest).toEqual({
      document: { parts: [] },
      writeId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      writtenAt: '2024-08-06T07:05:00.000Z',
    });
    expect(newStoredDocument(checkpointDocumentKind, STATE, now)).toMatchObject({ state: STATE });
    const text = encodeStoredDocument(manifest);
    expect(decodeStoredDocument(manifestDocumentKind, text, 'gs://b/m.json')).toEqual(manifest);
  });

  it('names the object when a manifest is not a JSON object or holds no JSON object', () => {
    const cases: Array<[string, RegExp]> = [
      ['[1]', /\(it is not a JSON object\)/],
      ['"text"', /\(it is not a JSON object\)/],
      ['null', /\(it is not a JSON object\)/],
      ['{"document": [1]}', /\(its document is not a JSON object\)/],
      ['{"state": {"position": "x"}}', /\(its document is not a JSON object\)/],
      ['{', /\(.+JSON.+\)/],
    ];
    for (const [text, reason] of cases) {
      const decode = () =>
        decodeStoredDocument(manifestDocumentKind, text, 's3://b/_state/_manifests/k.json');
      expect(decode).toThrow(CtxsiemError);
      expect(decode).toThrow(/^manifest s3:\/\/b\/_state\/_manifests\/k\.json is not a ctxsiem manifest /);
      expect(decode).toThrow(reason);
    }
    expect(thrown(() => decodeStoredDocument(manifestDocumentKind, '[]', 'x'))).toMatchObject({
      code: 'CHECKPOINT_READ_FAILED',
    });
  });

  it('accepts any JSON object as a manifest, and only a state with a position as a checkpoint', () => {
    expect(manifestDocumentKind.accept({})).toEqual({ content: {} });
    expect(manifestDocumentKind.accept([])).toEqual({ reason: 'its document is not a JSON object' });
    expect(checkpointDocumentKind.accept({ position: 'p', lease: { owner: 'o' } })).toEqual({
      content: { position: 'p', lease: { owner: 'o' } },
    });
    expect(checkpointDocumentKind.accept({ position: 1 })).toEqual({ reason: 'it has no state.position' });
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
  });
});
