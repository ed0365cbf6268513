import type { BoardDefinition } from './types.ts';

/**
 * An 8-port gateway built around a Marvell 88E6390-class switch: front-panel lan1-lan8 on
 * the switch's internal PHYs (ports 1-8, PHY addresses 1-8), the CPU on port 10 with
 * EtherType DSA tags, the switch strapped for multi-chip SMI at address 0x02. The CPU has no
 * Ethernet path to the switch: its MDIO bus and the CPU port's frames both go through the
 * serial-to-MDIO bridge microcontroller on the CPU's second UART.
 */
export const gw8_6390: BoardDefinition = {
  name: 'gw8-6390',
  description: '8-port gateway, Marvell 88E6390-class switch behind a serial-MDIO bridge',
  switch: { driver: 'mv88e6xxx', model: '6390', smiAddr: 0x02, cpuPort: 10, tagging: 'edsa' },
  ports: Array.from({ length: 8 }, (_, i) => ({ name: `lan${i + 1}`, switchPort: i + 1, phyAddr: i + 1 })),
  baseMac: '02:50:43:39:00:00',
  pollIntervalMs: 100,
  transport: { kind: 'serial-bridge', path: '/dev/ttyS1', baud: 921600, rawFrames: true },
  simPhyModel: 'marvell-6390-internal',
};
