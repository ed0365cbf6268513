/** One hardware counter of a switch port, named as the chip's Linux driver names it for `ethtool -S`. */
export interface PortStat {
  name: string;
  /** Exact below 2^53: a 64-bit octet counter gets there after about two years at 1 Gb/s line rate. */
  value: number;
}
