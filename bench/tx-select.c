/*
 * The tx-select benchmark in C, the yardstick for bench/tx-select.ts: the same frames from
 * the same xorshift32 generator, the same slave selection (bond_xmit_hash as in
 * drivers/net/bonding/bond_main.c for layer2, layer2+3 and layer3+4, then hash % 4), the same
 * loop and the same checksum.
 *
 * Usage: tx-select DISTINCT PASSES ROUNDS POLICY...: DISTINCT frames stored back to back,
 * selected PASSES times over, best of ROUNDS. Prints one line per policy:
 * "<policy> <best ns per selection> <checksum>".
 *
 * Built by the benchmark with `cc -O2`; the outer 802.1Q tag is handled as in hash.ts (skb
 * metadata) though the generated frames carry none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME 64
#define SLAVES 4

enum { LAYER2 = 0, LAYER34 = 1, LAYER23 = 2 };

static uint32_t rng = 0x12345678;

static uint32_t xorshift32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

/* Frame i: 02:00:00:00:xx:xx <- 02:00:00:01:xx:xx, IPv4, TCP or UDP, random addresses and ports. */
static void generate(uint8_t *buf, uint32_t n)
{
	memset(buf, 0, (size_t)n * FRAME);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *f = buf + (size_t)i * FRAME;
		uint32_t mac = xorshift32();
		uint32_t kind = xorshift32();
		uint32_t saddr = xorshift32();
		uint32_t daddr = xorshift32();
		uint32_t ports = xorshift32();
		f[0] = 2; f[4] = mac >> 8; f[5] = mac;
		f[6] = 2; f[9] = 1; f[10] = mac >> 24; f[11] = mac >> 16;
		f[12] = 0x08; f[13] = 0x00;
		uint8_t *ip = f + 14;
		ip[0] = 0x45; ip[2] = 0; ip[3] = FRAME - 14;
		ip[4] = i >> 8; ip[5] = i;
		ip[6] = 0x40; ip[8] = 64; ip[9] = (kind & 1) ? 6 : 17;
		put_be32(ip + 12, saddr);
		put_be32(ip + 16, daddr);
		put_be32(ip + 20, ports);
	}
}

struct flow { uint32_t src, dst, ports, icmp; int nhoff, ip_proto; };

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; } /* little-endian host */

static uint32_t get_ports(const uint8_t *b, int thoff, int proto, int end)
{
	int at;
	switch (proto) {
	case 6: case 17: case 33: case 50: case 132: case 136: at = thoff; break;
	case 51: at = thoff + 4; break;
	default: return 0;
	}
	return at + 4 <= end ? ld32(b + at) : 0;
}

static int flow_ip(const uint8_t *b, int end, uint16_t l2, struct flow *fk, int l34)
{
	int nhoff = fk->nhoff;
	if (l2 == 0x0800) {
		if (nhoff + 20 > end) return 0;
		const uint8_t *iph = b + nhoff;
		fk->src = ld32(iph + 12);
		fk->dst = ld32(iph + 16);
		nhoff += (iph[0] & 15) << 2;
		if (!(be16(iph + 6) & 0x3fff)) fk->ip_proto = iph[9];
	} else if (l2 == 0x86dd) {
		if (nhoff + 40 > end) return 0;
		const uint8_t *iph = b + nhoff;
		fk->src = ld32(iph + 8) ^ ld32(iph + 12) ^ ld32(iph + 16) ^ ld32(iph + 20);
		fk->dst = ld32(iph + 24) ^ ld32(iph + 28) ^ ld32(iph + 32) ^ ld32(iph + 36);
		fk->ip_proto = iph[6];
		nhoff += 40;
	} else {
		return 0;
	}
	fk->nhoff = nhoff;
	if (l34 && fk->ip_proto >= 0) fk->ports = get_ports(b, nhoff, fk->ip_proto, end);
	return 1;
}

static void icmp_tci(const uint8_t *b, int thoff, int end, struct flow *fk)
{
	if (thoff + 8 > end) return;
	uint8_t type = b[thoff];
	int has_id = type == 0 || type == 8 || type == 13 || type == 14 || type == 128 || type == 129;
	uint16_t id = has_id ? (be16(b + thoff + 4) ? be16(b + thoff + 4) : 1) : 0;
	fk->icmp = type | (uint32_t)b[thoff + 1] << 8 | (uint32_t)id << 16;
}

static int flow_dissect(const uint8_t *b, int nhoff, int end, uint16_t l2, struct flow *fk, int l34)
{
	fk->ports = 0; fk->icmp = 0; fk->nhoff = nhoff; fk->ip_proto = -1;
	if (!flow_ip(b, end, l2, fk, l34)) return 0;
	if (fk->ip_proto == 1 || fk->ip_proto == 58) {
		icmp_tci(b, fk->nhoff, end, fk);
		uint8_t t = fk->icmp & 0xff;
		int err = fk->ip_proto == 1 ? (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) : (t >= 1 && t <= 4);
		if (!err) return 1;
		fk->nhoff += 8;
		return flow_ip(b, end, l2, fk, l34);
	}
	return 1;
}

static uint32_t xmit_hash(const uint8_t *b, int n, int policy)
{
	if (n < 14) return 0;
	int tagged = n >= 18 && b[12] == 0x81 && b[13] == 0x00;
	int et = tagged ? 16 : 12;
	uint16_t l2 = be16(b + et);
	uint32_t eth = b[5] ^ b[11] ^ l2;
	struct flow fk;
	if (policy == LAYER2 || !flow_dissect(b, et + 2, n, l2, &fk, policy == LAYER34))
		return eth;
	uint32_t hash = policy == LAYER23 ? eth : ((fk.icmp >> 16) ? fk.icmp : fk.ports);
	hash ^= fk.dst ^ fk.src;
	hash ^= hash >> 16;
	hash ^= hash >> 8;
	return policy == LAYER34 ? hash >> 1 : hash;
}

static uint32_t select_all(const uint8_t *buf, uint32_t distinct, uint32_t passes, int policy)
{
	uint32_t acc = 0;
	for (uint32_t p = 0; p < passes; p++)
		for (uint32_t i = 0; i < distinct; i++)
			acc = acc * 31 + xmit_hash(buf + (size_t)i * FRAME, FRAME, policy) % SLAVES;
	return acc;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int policy; } policies[] = {
		{ "layer2", LAYER2 }, { "layer2+3", LAYER23 }, { "layer3+4", LAYER34 },
	};
	if (argc < 5) {
		fprintf(stderr, "usage: tx-select DISTINCT PASSES ROUNDS POLICY...\n");
		return 2;
	}
	uint32_t distinct = (uint32_t)strtoul(argv[1], NULL, 10);
	uint32_t passes = (uint32_t)strtoul(argv[2], NULL, 10);
	int rounds = atoi(argv[3]);
	uint8_t *buf = malloc((size_t)distinct * FRAME);
	if (!buf || distinct == 0 || passes == 0 || rounds < 1) return 2;
	generate(buf, distinct);
	double n = (double)distinct * passes;
	for (int a = 4; a < argc; a++) {
		size_t p = 0;
		while (p < sizeof(policies) / sizeof(policies[0]) && strcmp(policies[p].name, argv[a]) != 0) p++;
		if (p == sizeof(policies) / sizeof(policies[0])) {
			fprintf(stderr, "tx-select: unknown policy %s\n", argv[a]);
			return 2;
		}
		double best = 1e300;
		uint32_t sum = 0;
		for (int r = 0; r < rounds; r++) {
			double t0 = now_ns();
			sum = select_all(buf, distinct, passes, policies[p].policy);
			double ns = (now_ns() - t0) / n;
			if (ns < best) best = ns;
		}
		printf("%s %.3f %u\n", policies[p].name, best, sum);
	}
	free(buf);
	return 0;
}
