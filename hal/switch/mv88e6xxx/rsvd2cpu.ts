/**
 * Trapping reserved multicast (01:80:C2:00:00:0x and :2x; LACP is :02) to the CPU port as
 * TO_CPU MGMT_TRAP frames, whatever the ingress port's STP state: the bond must see LACPDUs
 * of members the switch keeps blocked. The families keep this in different places:
 * 6352: global2.c mv88e6352_g2_mgmt_rsvd2cpu (G2 0x02, 0x03 = 0xFFFF, then Switch Management
 * Rsvd2Cpu) and global1.c mv88e6095_g1_set_cpu_port (G1 0x1A CPU dest).
 * 6390: global1.c mv88e6390_g1_mgmt_rsvd2cpu and mv88e6390_g1_set_cpu_port (G1 0x1A
 * pointer/data writes).
 */
import type { RegisterLocks } from './lock.ts';
import type { Mv88e6xxxInfo } from './models.ts';
import type { Mv88e6xxxSmi } from './smi.ts';

// Global1 (global1.h).
const G1_MONITOR_CTL = 0x1a;
const G1_6352_MONITOR_CTL_CPU_DEST_MASK = 0x00f0; // MV88E6352_G1_MONITOR_CTL_CPU_DEST_MASK
const G1_6390_MONITOR_MGMT_CTL_UPDATE = 0x8000; // MV88E6390_G1_MONITOR_MGMT_CTL_UPDATE
const G1_6390_PTR_0180C200000XLO = 0x0000;
const G1_6390_PTR_0180C200000XHI = 0x0100;
const G1_6390_PTR_0180C200002XLO = 0x0200;
const G1_6390_PTR_0180C200002XHI = 0x0300;
const G1_6390_PTR_CPU_DEST = 0x3000; // MV88E6390_G1_MONITOR_MGMT_CTL_PTR_CPU_DEST
const G1_6390_CPU_DEST_MGMTPRI = 0x00e0; // ..._PTR_CPU_DEST_MGMTPRI

// Global2 (global2.h).
const G2_MGMT_EN_2X = 0x02; // MV88E6XXX_G2_MGMT_EN_2X
const G2_MGMT_EN_0X = 0x03; // MV88E6XXX_G2_MGMT_EN_0X
const G2_SWITCH_MGMT = 0x05;
const G2_SWITCH_MGMT_RSVD2CPU = 0x0008; // MV88E6XXX_G2_SWITCH_MGMT_RSVD2CPU

/** Traps reserved multicast to `cpuPort` (a port the caller has checked). */
export async function trapRsvdToCpu(smi: Mv88e6xxxSmi, info: Mv88e6xxxInfo, locks: RegisterLocks, cpuPort: number): Promise<void> {
  const { global1: g1, global2: g2 } = info;
  if (info.model === '6390') {
    // Pointer/data writes only, no read-modify-write: one round trip, no lock needed.
    const b = smi.batch();
    for (const ptr of [G1_6390_PTR_0180C200000XLO, G1_6390_PTR_0180C200000XHI, G1_6390_PTR_0180C200002XLO, G1_6390_PTR_0180C200002XHI]) {
      b.write(g1, G1_MONITOR_CTL, G1_6390_MONITOR_MGMT_CTL_UPDATE | ptr | 0xff);
    }
    b.write(g1, G1_MONITOR_CTL, G1_6390_MONITOR_MGMT_CTL_UPDATE | G1_6390_PTR_CPU_DEST | G1_6390_CPU_DEST_MGMTPRI | cpuPort);
    await smi.run(b);
    return;
  }
  await locks.run('config', async () => {
    await smi.modify(g1, G1_MONITOR_CTL, G1_6352_MONITOR_CTL_CPU_DEST_MASK, cpuPort << 4);
    const b = smi.batch();
    b.write(g2, G2_MGMT_EN_2X, 0xffff);
    b.write(g2, G2_MGMT_EN_0X, 0xffff);
    await smi.run(b);
    await smi.modify(g2, G2_SWITCH_MGMT, G2_SWITCH_MGMT_RSVD2CPU, G2_SWITCH_MGMT_RSVD2CPU);
  });
}
