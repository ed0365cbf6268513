import type { BoardDefinition } from './types.ts';

/**
 * An emulated four-port gateway on a MediaTek MT7531: front-panel eth0-eth3 on the switch's
 * internal PHYs (ports 0-3, PHY addresses 0-3, reached through PHY_IAC), the CPU on port 6
 * (the MT7531's first CPU port) with the MediaTek special tag, the switch's register window at
 * MDIO address 0x1f. No hardware LAG: bonds forward through the CPU port.
 */
export const simMt7531: BoardDefinition = {
  name: 'sim-mt7531',
  description: 'emulated 4-port gateway, MediaTek MT7531 switch, MTK-tagged CPU port',
  switch: { driver: 'mt7530', model: 'MT7531', smiAddr: 0x1f, cpuPort: 6, tagging: 'mtk' },
  ports: [
    { name: 'eth0', switchPort: 0, phyAddr: 0 },
    { name: 'eth1', switchPort: 1, phyAddr: 1 },
    { name: 'eth2', switchPort: 2, phyAddr: 2 },
    { name: 'eth3', switchPort: 3, phyAddr: 3 },
  ],
  baseMac: '02:50:43:75:31:00',
  pollIntervalMs: 100,
  transport: { kind: 'sim' },
  simPhyModel: 'mediatek-mt7531',
};
