/**
 * Sparkplug B topics (Sparkplug 3.0, 4.1): `spBv1.0/<group>/<type>/<node>[/<device>]`.
 * Anything else on the namespace (STATE messages, malformed topics) parses to undefined.
 */
export const NAMESPACE = 'spBv1.0';

export type NodeMessageType = 'NBIRTH' | 'NDATA' | 'NDEATH' | 'NCMD';
export type DeviceMessageType = 'DBIRTH' | 'DDATA' | 'DDEATH' | 'DCMD';
export type MessageType = NodeMessageType | DeviceMessageType;

const NODE_TYPES: ReadonlySet<string> = new Set<NodeMessageType>(['NBIRTH', 'NDATA', 'NDEATH', 'NCMD']);
const DEVICE_TYPES: ReadonlySet<string> = new Set<DeviceMessageType>(['DBIRTH', 'DDATA', 'DDEATH', 'DCMD']);

export interface SparkplugTopic {
  group: string;
  type: MessageType;
  node: string;
  device?: string;
}

export function parseTopic(topic: string): SparkplugTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== NAMESPACE || parts.some((p) => p === '')) return undefined;
  const [, group, type, node, device] = parts;
  if (parts.length === 4 && NODE_TYPES.has(type)) return { group, type: type as NodeMessageType, node };
  if (parts.length === 5 && DEVICE_TYPES.has(type)) return { group, type: type as DeviceMessageType, node, device };
  return undefined;
}

export function topicOf(group: string, type: MessageType, node: string, device?: string): string {
  return `${NAMESPACE}/${group}/${type}/${node}${device === undefined ? '' : `/${device}`}`;
}
