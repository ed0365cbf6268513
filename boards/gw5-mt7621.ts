import type { BoardDefinition } from './types.ts';

/**
 * A five-port gateway of the MT7621 class: the MT7530 switch (inside the MT7621 SoC, or a
 * standalone MT7530 beside it) with front-panel lan1-lan4 and wan on its internal PHYs (ports
 * 0-4, PHY addresses 0-4 on the MDIO bus itself), the CPU port 6 with the MediaTek special
 * tag, the register window at MDIO address 0x1f. A board controller runs the firmware: the
 * switch's MDIO bus and its CPU port's frames reach it through the serial-MDIO bridge on the
 * controller's second UART.
 */
export const gw5_mt7621: BoardDefinition = {
  name: 'gw5-mt7621',
  description: '5-port MT7621-class gateway, MediaTek MT7530 switch behind a serial-MDIO bridge',
  switch: { driver: 'mt7530', model: 'MT7530', smiAddr: 0x1f, cpuPort: 6, tagging: 'mtk' },
  ports: [
    { name: 'lan1', switchPort: 0, phyAddr: 0 },
    { name: 'lan2', switchPort: 1, phyAddr: 1 },
    { name: 'lan3', switchPort: 2, phyAddr: 2 },
    { name: 'lan4', switchPort: 3, phyAddr: 3 },
    { name: 'wan', switchPort: 4, phyAddr: 4 },
  ],
  baseMac: '02:50:43:76:21:00',
  pollIntervalMs: 100,
  transport: { kind: 'serial-bridge', path: '/dev/ttyS1', baud: 921600, rawFrames: true },
  simPhyModel: 'mediatek-mt7530',
};
