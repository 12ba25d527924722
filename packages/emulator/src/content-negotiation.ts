/**
 * Content negotiation: reading the `Accept` and `Accept-Encoding` request headers (RFC 9110 §12.5.1 and
 * §12.5.3, https://www.rfc-editor.org/rfc/rfc9110#section-12.5) and deciding whether a representation the
 * emulator can produce is acceptable to the client.
 */

/** One element of a comma-separated header list: `value;name=value;q=0.5`. */
export interface ListElement {
  /** The element's value, lower-cased (a media range or a content coding). */
  value: string;
  /** Its parameters before the weight, names lower-cased (RFC 9110: parameter names are case-insensitive). */
  params: Map<string, string>;
  /** The weight, 0..1 (RFC 9110 §12.4.2); 1 without a `q` parameter. */
  q: number;
}

/** Splits `text` at `separator`, except inside a quoted-string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\' && quoted) {
      // A quoted-pair: the escaped character is part of the string, whatever it is.
      current += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}

/**
 * The elements of a comma-separated header, or undefined when the header is absent or blank. Elements with
 * an unparseable weight are dropped. Parameters after `q` are accept-ext extensions, not media-type
 * parameters (RFC 9110 §12.5.1), and are ignored.
 */
export function parseHeaderList(header: string | string[] | undefined): ListElement[] | undefined {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (text.trim() === '') return undefined;
  const elements: ListElement[] = [];
  for (const part of splitOutsideQuotes(text, ',')) {
    const [head = '', ...rest] = splitOutsideQuotes(part, ';');
    const value = head.trim().toLowerCase();
    if (value === '') continue;
    const params = new Map<string, string>();
    let q = 1;
    for (const param of rest) {
      const at = param.indexOf('=');
      const name = (at < 0 ? param : param.slice(0, at)).trim().toLowerCase();
      const raw = at < 0 ? '' : param.slice(at + 1).trim();
      const paramValue = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
      if (name === 'q') {
        q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(paramValue) ? Number(paramValue) : Number.NaN;
        break;
      }
      if (name !== '') params.set(name, paramValue);
    }
    if (!Number.isNaN(q)) elements.push({ value, params, q });
  }
  return elements;
}

/** A representation the emulator produces, for `acceptable`. */
export interface Representation {
  /** `type/subtype`, lower case, e.g. 'application/json'. */
  mediaType: string;
  /** Whether a parameter on a media range naming this media type is one the service supports. */
  supportsParameter(name: string, value: string): boolean;
}

/**
 * Whether the `Accept` header admits `representation`. No header (or a blank one) admits anything (RFC 9110
 * §12.5.1: "A request without any Accept header field implies that the user agent will accept any media
 * type"). Otherwise the most specific media range matching it decides (`type/subtype` with parameters, then
 * `type/subtype`, then `type/*`, then `*\/*`), and it is acceptable when that range's weight is above 0:
 * `*\/*, application/json;q=0` refuses JSON. A range naming the media type with a parameter the service does
 * not support does not match it: "Services MUST reject formats that specify unknown or unsupported format
 * parameters" (OData v4.0 Part 1: Protocol §8.2.1 Header Accept,
 * https://docs.oasis-open.org/odata/odata/v4.0/os/part1-protocol/odata-v4.0-os-part1-protocol.html).
 */
export function acceptable(header: string | string[] | undefined, representation: Representation): boolean {
  const ranges = parseHeaderList(header);
  if (ranges === undefined) return true;
  const [type] = representation.mediaType.split('/');
  let best: { specificity: number; q: number } | undefined;
  for (const range of ranges) {
    let specificity: number;
    if (range.value === '*/*') specificity = 0;
    else if (range.value === `${type}/*`) specificity = 1;
    else if (range.value === representation.mediaType) {
      const supported = [...range.params].every(([name, value]) =>
        representation.supportsParameter(name, value),
      );
      if (!supported) continue;
      specificity = range.params.size > 0 ? 3 : 2;
    } else continue;
    if (!best || specificity > best.specificity || (specificity === best.specificity && range.q > best.q))
      best = { specificity, q: range.q };
  }
  return best !== undefined && best.q > 0;
}

/** Whether `Accept-Encoding` admits the coding (e.g. 'gzip') with a weight above 0. */
export function acceptsCoding(header: string | string[] | undefined, coding: string): boolean {
  return (parseHeaderList(header) ?? []).some((element) => element.value === coding && element.q > 0);
}
