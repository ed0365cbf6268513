import type { BoardDefinition } from './types.ts';

/**
 * The default board: an emulated four-port gateway. One 88E6352-class switch strapped for
 * multi-chip SMI at address 0x10, front-panel eth0-eth3 on the switch's internal PHYs
 * (ports 0-3, PHY addresses 0-3), the CPU on port 5 (RGMII) with DSA tags.
 */
export const simGw4: BoardDefinition = {
  name: 'sim-gw4',
  description: 'emulated 4-port gateway, Marvell 88E6352-class switch, DSA-tagged CPU port',
  switch: { driver: 'mv88e6xxx', model: '6352', smiAddr: 0x10, cpuPort: 5, tagging: 'dsa' },
  ports: [
    { name: 'eth0', switchPort: 0, phyAddr: 0 },
    { name: 'eth1', switchPort: 1, phyAddr: 1 },
    { name: 'eth2', switchPort: 2, phyAddr: 2 },
    { name: 'eth3', switchPort: 3, phyAddr: 3 },
  ],
  baseMac: '02:50:43:0a:1b:2c',
  pollIntervalMs: 100,
  transport: { kind: 'sim' },
  simPhyModel: 'marvell-88e151x',
};
