/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal flattened-device-tree reader: just what boot needs (RAM, harts,
 * timebase, console UART, power switch, initrd, command line). The blob comes
 * from firmware, but it is still read defensively: every offset is checked
 * against the sizes in its header.
 */
#include <arch/board.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/lib.h>

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define FDT_MAX_DEPTH  8

struct rv_board rv_board;

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* A cell-encoded number of 1 or 2 cells (others are not used by these bindings). */
static uint64_t cells(const uint8_t *p, unsigned n)
{
	return n == 2 ? (uint64_t)be32(p) << 32 | be32(p + 4) : be32(p);
}

/* What one node said about itself; acted on at its end. */
struct node {
	const char *name;
	unsigned addr_cells, size_cells; /* for its children */
	const uint8_t *reg;
	uint32_t reg_len;
	const char *compat;
	uint32_t compat_len;
	const char *device_type;
	const char *status;
	const char *isa;
	uint32_t isa_len;
	bool is_cpus;
};

/* Is s (a property value of len bytes, NUL-separated strings) listing word? */
static bool strlist_has(const char *s, uint32_t len, const char *word)
{
	size_t wl = strlen(word);

	for (uint32_t i = 0; i < len;) {
		size_t l = strnlen(s + i, len - i);

		if (l == wl && !memcmp(s + i, word, wl))
			return true;
		i += (uint32_t)l + 1;
	}
	return false;
}

/* Does the riscv,isa string name the multi-letter extension ext ("sstc")? */
static bool isa_has_ext(const char *isa, uint32_t len, const char *ext)
{
	size_t el = strlen(ext), n = strnlen(isa, len);

	for (size_t i = 1; i + el <= n; i++) {
		if (isa[i - 1] == '_' && !strncmp(isa + i, ext, el) &&
		    (i + el == n || isa[i + el] == '_'))
			return true;
	}
	return false;
}

/* The single-letter extensions come after "rv64" and before the first '_'. */
static bool isa_has_letter(const char *isa, uint32_t len, char letter)
{
	size_t n = strnlen(isa, len);

	for (size_t i = 4; i < n && isa[i] != '_'; i++) {
		if (isa[i] == letter)
			return true;
	}
	return false;
}

static const char *prop_str(const uint8_t *v, uint32_t len)
{
	/* Only NUL-terminated values are strings. */
	return len && v[len - 1] == '\0' ? (const char *)v : NULL;
}

static void end_node(struct node *n, const struct node *parent, bool *first_cpu)
{
	unsigned ac = parent ? parent->addr_cells : 2, sc = parent ? parent->size_cells : 1;
	unsigned entry = (ac + sc) * 4;
	bool okay = !n->status || !strcmp(n->status, "okay") || !strcmp(n->status, "ok");

	if (n->device_type && !strcmp(n->device_type, "memory") && n->reg && entry && ac <= 2 &&
	    sc <= 2) {
		for (uint32_t off = 0; off + entry <= n->reg_len; off += entry) {
			if (boot_info.nr_ram == BOOT_MAX_RAM_RANGES)
				break;
			boot_info.ram[boot_info.nr_ram++] = (struct boot_ram_range){
				.start = cells(n->reg + off, ac),
				.size = sc ? cells(n->reg + off + ac * 4, sc) : 0,
			};
		}
	}
	if (n->device_type && !strcmp(n->device_type, "cpu") && parent && parent->is_cpus &&
	    n->reg && ac >= 1 && ac <= 2 && n->reg_len >= ac * 4 && okay) {
		if (rv_board.nr_harts < RV_MAX_HARTS)
			rv_board.hartid[rv_board.nr_harts++] = cells(n->reg, ac);
		if (*first_cpu) {
			rv_board.sstc = true;
			rv_board.hext = true;
			rv_board.fpu = true;
			*first_cpu = false;
		}
		if (!n->isa || !isa_has_ext(n->isa, n->isa_len, "sstc"))
			rv_board.sstc = false;
		if (!n->isa || !isa_has_letter(n->isa, n->isa_len, 'h'))
			rv_board.hext = false;
		if (!n->isa || !isa_has_letter(n->isa, n->isa_len, 'f') ||
		    !isa_has_letter(n->isa, n->isa_len, 'd'))
			rv_board.fpu = false;
	}
	if (n->compat && n->reg && ac <= 2 && n->reg_len >= ac * 4) {
		if (!rv_board.uart_base && strlist_has(n->compat, n->compat_len, "ns16550a"))
			rv_board.uart_base = cells(n->reg, ac);
		if (!rv_board.test_base && strlist_has(n->compat, n->compat_len, "sifive,test0"))
			rv_board.test_base = cells(n->reg, ac);
	}
}

static void prop(struct node *n, const char *name, const uint8_t *v, uint32_t len, int depth)
{
	if (!strcmp(name, "#address-cells") && len == 4)
		n->addr_cells = be32(v);
	else if (!strcmp(name, "#size-cells") && len == 4)
		n->size_cells = be32(v);
	else if (!strcmp(name, "reg")) {
		n->reg = v;
		n->reg_len = len;
	} else if (!strcmp(name, "compatible")) {
		n->compat = (const char *)v;
		n->compat_len = len;
	} else if (!strcmp(name, "device_type"))
		n->device_type = prop_str(v, len);
	else if (!strcmp(name, "status"))
		n->status = prop_str(v, len);
	else if (!strcmp(name, "riscv,isa")) {
		n->isa = (const char *)v;
		n->isa_len = len;
	}
	if (n->is_cpus && !strcmp(name, "timebase-frequency") && (len == 4 || len == 8))
		rv_board.timebase_hz = cells(v, len / 4);
	if (depth == 1 && !strcmp(n->name, "chosen")) {
		if (!strcmp(name, "bootargs")) {
			size_t l =
			        strnlen((const char *)v, MIN(len, sizeof(boot_info.cmdline) - 1));

			memcpy(boot_info.cmdline, v, l);
			boot_info.cmdline[l] = '\0';
		} else if (!strcmp(name, "linux,initrd-start") && (len == 4 || len == 8)) {
			rv_board.initrd_start = cells(v, len / 4);
		} else if (!strcmp(name, "linux,initrd-end") && (len == 4 || len == 8)) {
			rv_board.initrd_end = cells(v, len / 4);
		}
	}
}

uint32_t fdt_total_size(const void *fdt)
{
	if (!fdt || be32(fdt) != FDT_MAGIC)
		return 0;
	return be32((const uint8_t *)fdt + 4);
}

int fdt_scan(const void *fdt)
{
	const uint8_t *b = fdt;
	uint32_t total = fdt_total_size(fdt), off_struct, size_struct, off_strings, size_strings;
	struct node stack[FDT_MAX_DEPTH];
	bool first_cpu = true;
	int depth = -1;

	if (total < 40)
		return -EINVAL;
	off_struct = be32(b + 8);
	off_strings = be32(b + 12);
	size_strings = be32(b + 32);
	size_struct = be32(b + 36);
	if (off_struct > total || size_struct > total - off_struct || off_strings > total ||
	    size_strings > total - off_strings)
		return -EINVAL;

	for (uint32_t pos = 0; pos + 4 <= size_struct;) {
		const uint8_t *p = b + off_struct + pos;
		uint32_t token = be32(p);

		pos += 4;
		switch (token) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)p + 4;
			size_t l = strnlen(name, size_struct - pos);

			if (l == size_struct - pos || ++depth >= FDT_MAX_DEPTH)
				return -EINVAL;
			stack[depth] =
			        (struct node){ .name = name, .addr_cells = 2, .size_cells = 1 };
			stack[depth].is_cpus = depth == 1 && !strcmp(name, "cpus");
			pos += (uint32_t)ALIGN_UP(l + 1, 4);
			break;
		}
		case FDT_END_NODE:
			if (depth < 0)
				return -EINVAL;
			end_node(&stack[depth], depth ? &stack[depth - 1] : NULL, &first_cpu);
			depth--;
			break;
		case FDT_PROP: {
			uint32_t len, nameoff;

			if (pos + 8 > size_struct || depth < 0)
				return -EINVAL;
			len = be32(p + 4);
			nameoff = be32(p + 8);
			pos += 8;
			if (len > size_struct - pos || nameoff >= size_strings ||
			    strnlen((const char *)b + off_strings + nameoff,
			            size_strings - nameoff) == size_strings - nameoff)
				return -EINVAL;
			prop(&stack[depth], (const char *)b + off_strings + nameoff, p + 12, len,
			     depth);
			pos += (uint32_t)ALIGN_UP(len, 4);
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return depth == -1 ? 0 : -EINVAL;
		default:
			return -EINVAL;
		}
	}
	return -EINVAL;
}
