/**
 * Sparkplug B payloads (Eclipse Sparkplug 3.0): metrics with their datatypes to and from the
 * protobuf schema in proto/sparkplug_b.proto. 64-bit fields (timestamps, seq, bdSeq, UInt64
 * metrics) are plain numbers on our side and converted here, at the codec boundary.
 */
import { org } from '../../proto/sparkplug_b.js';
import { ProtocolError } from '../../lib/errors.ts';

const Payload = org.eclipse.tahu.protobuf.Payload;

/** Sparkplug B DataType numbers (specification 6.4.16). */
export const DataType = {
  Int8: 1, Int16: 2, Int32: 3, Int64: 4, UInt8: 5, UInt16: 6, UInt32: 7, UInt64: 8,
  Float: 9, Double: 10, Boolean: 11, String: 12, DateTime: 13, Text: 14, UUID: 15, Bytes: 17,
} as const;
export type DataTypeName = keyof typeof DataType;
const TYPE_NAME = new Map<number, DataTypeName>(Object.entries(DataType).map(([k, v]) => [v, k as DataTypeName]));

export type MetricValue = boolean | number | string | Uint8Array | null;

export interface Metric {
  name: string;
  type: DataTypeName;
  value: MetricValue;
  timestamp?: number;
}

export interface SparkplugPayload {
  timestamp: number;
  seq?: number;
  metrics: Metric[];
}

type Long = { toNumber(): number } | number;
const num = (v: Long | null | undefined): number | undefined => (v === null || v === undefined ? undefined : typeof v === 'number' ? v : v.toNumber());

function metricFields(m: Metric): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name, datatype: DataType[m.type] };
  if (m.timestamp !== undefined) out.timestamp = m.timestamp;
  if (m.value === null) {
    out.isNull = true;
    return out;
  }
  switch (m.type) {
    case 'Int8': case 'Int16': case 'Int32': case 'UInt8': case 'UInt16':
      // Signed values travel as their two's complement in the uint32 field.
      out.intValue = (m.value as number) >>> 0;
      break;
    // Sparkplug B 3.0 puts UInt32 in long_value with the 64-bit types (as Eclipse Tahu does).
    case 'UInt32': case 'Int64': case 'UInt64': case 'DateTime':
      out.longValue = m.value as number;
      break;
    case 'Float':
      out.floatValue = m.value;
      break;
    case 'Double':
      out.doubleValue = m.value;
      break;
    case 'Boolean':
      out.booleanValue = m.value;
      break;
    case 'String': case 'Text': case 'UUID':
      out.stringValue = m.value;
      break;
    case 'Bytes':
      out.bytesValue = m.value;
      break;
  }
  return out;
}

export function encodePayload(p: SparkplugPayload): Uint8Array {
  const msg: Record<string, unknown> = { timestamp: p.timestamp, metrics: p.metrics.map(metricFields) };
  if (p.seq !== undefined) msg.seq = p.seq;
  return Payload.encode(msg as never).finish();
}

/** Decodes a payload; throws ProtocolError on bytes that are not one, or unknown metric types. */
export function decodePayload(bytes: Uint8Array): SparkplugPayload {
  let msg: ReturnType<typeof Payload.decode>;
  try {
    msg = Payload.decode(bytes);
  } catch (e) {
    throw new ProtocolError(`not a Sparkplug B payload (${(e as Error).message})`);
  }
  const metrics: Metric[] = [];
  for (const m of msg.metrics ?? []) {
    const type = TYPE_NAME.get(m.datatype ?? 0);
    if (!type) throw new ProtocolError(`metric '${m.name ?? ''}': unsupported datatype ${m.datatype ?? 'none'}`);
    let value: MetricValue = null;
    if (!m.isNull) {
      switch (type) {
        case 'Int8': value = ((m.intValue ?? 0) << 24) >> 24; break;
        case 'Int16': value = ((m.intValue ?? 0) << 16) >> 16; break;
        case 'Int32': value = (m.intValue ?? 0) | 0; break;
        case 'UInt8': case 'UInt16': value = (m.intValue ?? 0) >>> 0; break;
        // long_value per the specification; int_value accepted from senders that use it.
        case 'UInt32': value = m.longValue !== null && m.longValue !== undefined ? (num(m.longValue as Long) ?? 0) : (m.intValue ?? 0) >>> 0; break;
        case 'Int64': case 'UInt64': case 'DateTime': value = num(m.longValue as Long) ?? 0; break;
        case 'Float': value = m.floatValue ?? 0; break;
        case 'Double': value = m.doubleValue ?? 0; break;
        case 'Boolean': value = m.booleanValue ?? null; break;
        case 'String': case 'Text': case 'UUID': value = m.stringValue ?? null; break;
        case 'Bytes': value = m.bytesValue ?? null; break;
      }
    }
    metrics.push({ name: m.name ?? '', type, value, timestamp: num(m.timestamp as Long) });
  }
  return { timestamp: num(msg.timestamp as Long) ?? 0, seq: num(msg.seq as Long), metrics };
}
