/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared test-guest code: SBI calls, console, traps, and a small device-tree reader. */
#include "guest.h"

extern char trap_entry[];

struct ret ecall(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                 unsigned long a2)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct ret){ (long)r0, (long)r1 };
}

void putc_sbi(char c)
{
	ecall(EXT_LEGACY_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

void puts_sbi(const char *s)
{
	while (*s)
		putc_sbi(*s++);
}

void put_hex(unsigned long v)
{
	char buf[19] = "0x";
	int n = 2;

	for (int shift = 60; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 0xf;

		if (d || n > 2 || shift == 0)
			buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	}
	buf[n] = '\0';
	puts_sbi(buf);
}

void say_hex(const char *prefix, unsigned long v)
{
	puts_sbi(prefix);
	put_hex(v);
	putc_sbi('\n');
}

void shutdown(void)
{
	ecall(EXT_SRST, 0, 0, 0, 0);
	puts_sbi("RV-GUEST: still running after SRST shutdown\n");
	for (;;)
		__asm__ volatile("wfi");
}

/* Guests that expect no trap: report it and stop. */
__attribute__((weak)) void guest_trap(struct gframe *f)
{
	say_hex("RV-GUEST: unexpected trap FAILED, scause ", f->scause);
	say_hex("RV-GUEST: sepc ", f->sepc);
	shutdown();
}

/* Guests with one hart: a hart started anyway reports it and stops. */
__attribute__((weak)) void secondary_main(unsigned long hartid, unsigned long opaque)
{
	(void)opaque;
	say_hex("RV-GUEST: unexpected hart FAILED ", hartid);
	shutdown();
}

void install_traps(void)
{
	csr_write(stvec, (unsigned long)trap_entry);
}

/* ---- device tree ---- */

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/*
 * Find property prop of the node at path ("/a/b", node names with unit
 * addresses); NULL if absent. *len gets its length.
 */
const uint8_t *dt_prop(const void *fdt, const char *path, const char *prop, uint32_t *len)
{
	const uint8_t *b = fdt;
	uint32_t total = be32(b + 4), off = be32(b + 8), strings = be32(b + 12);
	char cur[128] = "";
	size_t curlen = 0;
	size_t stack[16];
	int depth = 0;

	while (off + 4 <= total) {
		uint32_t tag = be32(b + off);

		off += 4;
		if (tag == FDT_BEGIN_NODE) {
			const char *name = (const char *)b + off;
			size_t n = slen(name);

			if (depth >= 16 || curlen + n + 2 > sizeof(cur))
				return NULL;
			stack[depth++] = curlen;
			if (depth > 1) {
				if (curlen != 1)
					cur[curlen++] = '/';
				for (size_t i = 0; i < n; i++)
					cur[curlen++] = name[i];
			} else {
				cur[curlen++] = '/';
			}
			cur[curlen] = '\0';
			off += (uint32_t)(n + 4) & ~3U;
		} else if (tag == FDT_END_NODE) {
			if (depth == 0)
				return NULL;
			curlen = stack[--depth];
			cur[curlen] = '\0';
		} else if (tag == FDT_PROP) {
			uint32_t l = be32(b + off), nameoff = be32(b + off + 4);

			off += 8;
			if (streq(cur, path) && streq((const char *)b + strings + nameoff, prop)) {
				*len = l;
				return b + off;
			}
			off += (l + 3) & ~3U;
		} else if (tag == FDT_NOP) {
			continue;
		} else {
			break;
		}
	}
	return NULL;
}

uint32_t dt_u32(const void *fdt, const char *path, const char *prop, uint32_t def)
{
	uint32_t len;
	const uint8_t *p = dt_prop(fdt, path, prop, &len);

	return p && len == 4 ? be32(p) : def;
}

const char *dt_check(const void *fdt, unsigned nr_harts, int want_uart)
{
	const uint8_t *b = fdt;
	uint32_t len;
	const uint8_t *p;
	char path[32] = "/cpus/cpu@0";

	if (!fdt || ((unsigned long)fdt & 7))
		return "no device tree in a1";
	if (be32(b) != FDT_MAGIC)
		return "bad magic";
	if (be32(b + 4) < 64 || be32(b + 4) > 65536 || be32(b + 20) != 17)
		return "bad size or version";
	if (!dt_prop(fdt, "/memory@0", "device_type", &len))
		return "no /memory@0";
	p = dt_prop(fdt, "/memory@0", "reg", &len);
	if (!p || len != 16 || be32(p + 12) == 0)
		return "no RAM size";
	if (dt_u32(fdt, "/cpus", "timebase-frequency", 0) != 10000000)
		return "no timebase-frequency of 10 MHz";
	for (unsigned i = 0; i < nr_harts; i++) {
		path[10] = (char)('0' + i);
		if (dt_u32(fdt, path, "reg", ~0U) != i)
			return "a hart is missing under /cpus";
		p = dt_prop(fdt, path, "riscv,isa", &len);
		if (!p || len < 5 || p[0] != 'r' || p[1] != 'v' || p[2] != '6' || p[3] != '4')
			return "a hart has no rv64 riscv,isa";
	}
	path[10] = (char)('0' + nr_harts);
	if (dt_prop(fdt, path, "reg", &len))
		return "more harts than vCPUs";
	p = dt_prop(fdt, "/soc/plic@c000000", "compatible", &len);
	if (!p || !streq((const char *)p + slen((const char *)p) + 1, "riscv,plic0"))
		return "no riscv,plic0 at 0xc000000";
	p = dt_prop(fdt, "/soc/plic@c000000", "interrupts-extended", &len);
	if (!p || len != 16 * nr_harts || be32(p + 12) != 9)
		return "PLIC contexts do not match the harts";
	if (want_uart) {
		p = dt_prop(fdt, "/soc/serial@10000000", "compatible", &len);
		if (!p || !streq((const char *)p, "ns16550a"))
			return "no ns16550a at 0x10000000";
		if (dt_u32(fdt, "/soc/serial@10000000", "interrupt-parent", 0) !=
		    dt_u32(fdt, "/soc/plic@c000000", "phandle", 1))
			return "the uart's interrupt parent is not the PLIC";
		p = dt_prop(fdt, "/chosen", "stdout-path", &len);
		if (!p || !streq((const char *)p, "/soc/serial@10000000"))
			return "stdout-path is not the uart";
	}
	return 0;
}
