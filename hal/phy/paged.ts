import type { MdioBus, MdioOp } from '../mdio/bus.ts';
import { MDIO_IDLE } from '../mdio/wire.ts';

/**
 * Runs `ops` with `page` selected in the PHY's page register `pageReg`, then puts back the
 * page that was selected before, as Linux phy_read_paged / phy_restore_page do.
 *
 * A page register is state shared with every other user of the PHY, so the page must always
 * be restored. The save (an rmw: old value out, new page in), the access and the return to
 * the page expected to be the saved one share one batch; only when the saved page was another
 * does putting it back cost a second round trip. `expected` is 0 unless the caller read the
 * page register shortly before. Resolves with one result per op of `ops`.
 */
export async function runPaged(bus: MdioBus, addr: number, pageReg: number, page: number, ops: readonly MdioOp[], expected = 0): Promise<number[]> {
  const batch: MdioOp[] = [{ op: 'rmw', phy: addr, reg: pageReg, mask: 0xffff, value: page }, ...ops];
  if (page !== expected) batch.push({ op: 'write', phy: addr, reg: pageReg, value: expected });
  const results = await bus.run(batch);
  const saved = results[0];
  // 0xFFFF is no PHY driving the bus, not a page: nothing to put back.
  if (saved !== expected && saved !== MDIO_IDLE) await bus.run([{ op: 'write', phy: addr, reg: pageReg, value: saved }]);
  return results.slice(1, 1 + ops.length);
}
