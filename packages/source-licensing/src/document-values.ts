/**
 * Values as licensing telemetry documents write them: XML has no numbers, and the documentation's JSON
 * examples write some numbers and booleans as text (`"66"`, `"False"`).
 */
import { z } from 'zod';

/** A whole number, or its decimal text. */
export const wholeNumber = z.preprocess(
  (value) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value),
  z.number({ error: 'must be a whole number' }).int('must be a whole number'),
);

/** A boolean, or its text ("True"/"False", any case). */
export const booleanFlag = z.union([
  z.boolean(),
  z.enum(['True', 'False', 'true', 'false']).transform((text) => text.toLowerCase() === 'true'),
]);
