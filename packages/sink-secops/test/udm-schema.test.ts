/**
 * The UDM schema's derivation (scripts/derive-udm-schema.ts): a proto's nested messages and enums,
 * repeated, optional, map and oneof fields, options and reserved ranges are read as protoc reads them,
 * type references resolved in their scope; only what `UDM` reaches is kept.
 */
import { describe, expect, it } from 'vitest';
import { deriveSchema, parseProto } from '../scripts/derive-udm-schema.ts';

const PROTO = `
syntax = "proto3";
package backstory;
import "google/protobuf/timestamp.proto";
option java_package = "com.backstory";

// A comment { with braces }
message UDM {
  Metadata metadata = 1;
  repeated Noun about = 2 [deprecated = true];
  optional Noun target = 3;
  google.protobuf.Timestamp at = 4;
  map<string, Noun> named = 5;
  reserved "udm";
}
message Metadata {
  enum EventType {
    EVENTTYPE_UNSPECIFIED = 0;
    USER_LOGIN = 15001;
    USER_STATS = 15006 [deprecated = true];
  }
  EventType event_type = 1;
}
message Noun {
  enum Platform { UNKNOWN_PLATFORM = 0; WINDOWS = 1; }
  Platform platform = 1;
  oneof value {
    string text = 2;
    int64 number = 3;
  }
  google.type.LatLng where = 4;
}
message Unreached { string x = 1; }
`;

describe('deriving the UDM schema from the protos', () => {
  it('keeps what UDM reaches, typed and scoped', () => {
    const parsed = { messages: new Map(), enums: new Map() };
    parseProto(PROTO, parsed);
    const schema = deriveSchema(parsed);
    expect(schema.messages).toEqual({
      UDM: {
        metadata: 'Metadata',
        about: 'Noun[]',
        target: 'Noun',
        at: 'timestamp',
        named: 'map<string,Noun>',
      },
      Metadata: { event_type: 'Metadata.EventType' },
      Noun: { platform: 'Noun.Platform', text: 'string', number: 'int64', where: 'google.type.LatLng' },
      'google.type.LatLng': { latitude: 'double', longitude: 'double' },
    });
    expect(schema.enums).toEqual({
      'Metadata.EventType': ['EVENTTYPE_UNSPECIFIED', 'USER_LOGIN', 'USER_STATS'],
      'Noun.Platform': ['UNKNOWN_PLATFORM', 'WINDOWS'],
    });
  });

  it('refuses a type it cannot resolve', () => {
    const parsed = { messages: new Map(), enums: new Map() };
    parseProto('message UDM { Missing m = 1; }', parsed);
    expect(() => deriveSchema(parsed)).toThrow('unresolved type Missing in UDM');
  });
});
