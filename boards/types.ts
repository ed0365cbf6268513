/**
 * A board definition: which switch chip, how the CPU reaches its MDIO bus, which switch
 * port and PHY address each front-panel port name maps to, the CPU port, and defaults.
 * Boards are data; `hal/board.ts` brings one up.
 */
/**
 * The switch chip: its driver family and model, where it answers on the MDIO bus, its CPU
 * port and the tag that port carries. hal/switch/index.ts opens it.
 */
export type SwitchDefinition =
  | {
      driver: 'mv88e6xxx';
      model: '6352' | '6390';
      /** SMI address in multi-chip mode (even, non-zero), or 0 for single-chip mode. */
      smiAddr: number;
      cpuPort: number;
      /** Management tag on the CPU port: DSA or EtherType DSA. */
      tagging: 'dsa' | 'edsa';
    }
  | {
      driver: 'mt7530';
      model: 'MT7530' | 'MT7531';
      /** The MDIO address the switch's register window answers on (0x1f when strapped as usual). */
      smiAddr: number;
      cpuPort: number;
      /** The MediaTek special tag (net/dsa/tag_mtk.c). */
      tagging: 'mtk';
    };

export interface BoardPortDefinition {
  /** Front-panel name, as the console and telemetry show it. */
  name: string;
  /** Switch port number. */
  switchPort: number;
  /** Address of the port's PHY on the bus the switch driver's `phyBus()` reaches (Marvell: through Global2; MT7530: the MDIO bus itself; MT7531: PHY_IAC). */
  phyAddr: number;
}

export type TransportDefinition =
  /** The emulated board in this process. */
  | { kind: 'sim' }
  /**
   * MDIO through the serial-to-MDIO bridge microcontroller on a UART; with `rawFrames` the
   * switch CPU port's frames travel through the bridge too (no Ethernet path to the CPU).
   */
  | { kind: 'serial-bridge'; path: string; baud: number; rawFrames?: boolean };

export interface BoardDefinition {
  name: string;
  description: string;
  switch: SwitchDefinition;
  ports: readonly BoardPortDefinition[];
  /** Base MAC; front-panel port n gets base + n + 1 in the last byte. */
  baseMac: string;
  /** How often the firmware polls link state from the switch and PHYs. */
  pollIntervalMs: number;
  transport: TransportDefinition;
  /** PHY model the emulator puts behind each port (sim boards, and tests of real boards). */
  simPhyModel: 'marvell-88e151x' | 'marvell-6390-internal' | 'generic' | 'realtek-rtl8211f' | 'mediatek-mt7530' | 'mediatek-mt7531';
}
