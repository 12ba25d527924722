/** Delivering to sinks that cannot read their parts back: the delivery ledger, dead letters kept elsewhere. */

// A sink whose dead letters go to another (object) sink.
export { withDeadLetterSink } from './dead-letter-routing.ts';
// What a SIEM API sink delivered, per part and request, beside the checkpoints.
export { DeliveryLedger, LedgerPart, type LedgerPlan } from './delivery-ledger.ts';
