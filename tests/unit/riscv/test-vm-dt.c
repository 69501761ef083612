/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device tree a VM receives (hv/arch/riscv/vm_dt.c), built on the host
 * for a 3-vCPU VM with a vUART, an initrd and bootargs, and for a 1-vCPU VM
 * without a vUART, then walked node by node. ACRN_DUMP_DTB=FILE writes the
 * first blob out (for dtc -I dtb).
 */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <arch/board.h>
#include <arch/guest.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/vm.h>

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rv_board rv_board;
static uint8_t ram[1 << 20];

void *page_alloc_zeroed(void)
{
	return calloc(1, PAGE_SIZE);
}

void page_free(void *page)
{
	free(page);
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	(void)vm;
	return gpa < sizeof(ram) && len <= sizeof(ram) - gpa ? ram + gpa : NULL;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Property prop of the node at path, or NULL; *len its length. */
static const uint8_t *prop(const uint8_t *b, const char *path, const char *name, uint32_t *len)
{
	uint32_t off = be32(b + 8), strings = be32(b + 12), total = be32(b + 4);
	GString *cur = g_string_new("");
	gsize stack[16];
	int depth = 0;
	const uint8_t *found = NULL;

	while (off < total && !found) {
		uint32_t tag = be32(b + off);

		off += 4;
		if (tag == 1) {
			const char *n = (const char *)b + off;

			if (depth == G_N_ELEMENTS(stack))
				g_assert_not_reached();
			stack[depth++] = cur->len;
			if (depth > 1)
				g_string_append_printf(cur, "%s%s", cur->len > 1 ? "/" : "", n);
			else
				g_string_assign(cur, "/");
			off += (uint32_t)(strlen(n) + 4) & ~3U;
		} else if (tag == 2) {
			g_assert_cmpint(depth, >, 0);
			g_string_truncate(cur, stack[--depth]);
		} else if (tag == 3) {
			uint32_t l = be32(b + off), no = be32(b + off + 4);

			if (!strcmp(cur->str, path) &&
			    !strcmp((const char *)b + strings + no, name)) {
				*len = l;
				found = b + off + 8;
			}
			off += 8 + ((l + 3) & ~3U);
		} else {
			g_assert_cmpuint(tag, ==, 9);
			g_assert_cmpint(depth, ==, 0);
			break;
		}
	}
	g_string_free(cur, TRUE);
	return found;
}

static uint32_t u32(const uint8_t *b, const char *path, const char *name)
{
	uint32_t len = 0;
	const uint8_t *p = prop(b, path, name, &len);

	g_assert_nonnull(p);
	g_assert_cmpuint(len, ==, 4);
	return be32(p);
}

static const char *str(const uint8_t *b, const char *path, const char *name)
{
	uint32_t len = 0;
	const char *p = (const char *)prop(b, path, name, &len);

	g_assert_nonnull(p);
	g_assert_cmpuint(strnlen(p, len), <, len);
	return p;
}

static void make_vm(struct vm *vm, struct scenario_vm *cfg, unsigned nr, bool uart)
{
	memset(vm, 0, sizeof(*vm));
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->name, "t");
	cfg->vuart.enabled = uart;
	cfg->vuart.irq = 10;
	vm->cfg = cfg;
	vm->nr_vcpus = nr;
	vm->ram_size = MiB(64);
	rv_board.timebase_hz = 10000000;
	rv_board.sstc = true;
	rv_board.fpu = true;
}

static void test_full(void)
{
	static struct vm vm;
	static struct scenario_vm cfg;
	const uint8_t *b = ram + 0x10000, *p;
	uint32_t len;

	make_vm(&vm, &cfg, 3, true);
	strcpy(cfg.bootargs, "console=ttyS0 earlycon");
	memset(ram, 0xee, sizeof(ram));
	g_assert_cmpint(rv_vm_build_dt(&vm, 0x10000, 0x10000, 0x400000, 0x1234), ==, 0);
	g_assert_cmphex(vm.arch.dt_gpa, ==, 0x10000);
	g_assert_cmphex(be32(b), ==, 0xd00dfeed);
	g_assert_cmpuint(be32(b + 4), <=, 0x10000);
	if (g_getenv("ACRN_DUMP_DTB")) {
		FILE *f = fopen(g_getenv("ACRN_DUMP_DTB"), "wb");

		g_assert_nonnull(f);
		fwrite(b, 1, be32(b + 4), f);
		fclose(f);
	}
	g_assert_cmpuint(u32(b, "/", "#address-cells"), ==, 2);
	g_assert_cmpstr(str(b, "/chosen", "bootargs"), ==, "console=ttyS0 earlycon");
	g_assert_cmpstr(str(b, "/chosen", "stdout-path"), ==, "/soc/serial@10000000");
	p = prop(b, "/chosen", "linux,initrd-start", &len);
	g_assert_true(p && len == 8 && be32(p) == 0 && be32(p + 4) == 0x400000);
	p = prop(b, "/chosen", "linux,initrd-end", &len);
	g_assert_true(p && len == 8 && be32(p + 4) == 0x401234);
	g_assert_cmpstr(str(b, "/memory@0", "device_type"), ==, "memory");
	p = prop(b, "/memory@0", "reg", &len);
	g_assert_true(p && len == 16 && be32(p + 4) == 0 && be32(p + 12) == MiB(64));
	g_assert_cmpuint(u32(b, "/cpus", "timebase-frequency"), ==, 10000000);
	for (unsigned i = 0; i < 3; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		g_assert_cmpuint(u32(b, path, "reg"), ==, i);
		g_assert_cmpstr(str(b, path, "riscv,isa"), ==, "rv64imafdc_zicsr_zifencei_sstc");
		g_assert_cmpstr(str(b, path, "device_type"), ==, "cpu");
		snprintf(path, sizeof(path), "/cpus/cpu@%u/interrupt-controller", i);
		g_assert_cmpstr(str(b, path, "compatible"), ==, "riscv,cpu-intc");
		g_assert_cmpuint(u32(b, path, "phandle"), ==, i + 1);
	}
	g_assert_null(prop(b, "/cpus/cpu@3", "reg", &len));
	p = prop(b, "/soc/plic@c000000", "interrupts-extended", &len);
	g_assert_true(p && len == 3 * 16);
	for (unsigned i = 0; i < 3; i++) {
		g_assert_cmpuint(be32(p + 16 * i), ==, i + 1);
		g_assert_cmpuint(be32(p + 16 * i + 4), ==, 11);
		g_assert_cmpuint(be32(p + 16 * i + 8), ==, i + 1);
		g_assert_cmpuint(be32(p + 16 * i + 12), ==, 9);
	}
	g_assert_cmpuint(u32(b, "/soc/plic@c000000", "riscv,ndev"), ==, 95);
	p = prop(b, "/soc/plic@c000000", "compatible", &len);
	g_assert_true(p && len == sizeof("sifive,plic-1.0.0\0riscv,plic0"));
	g_assert_cmpstr(str(b, "/soc/serial@10000000", "compatible"), ==, "ns16550a");
	g_assert_cmpuint(u32(b, "/soc/serial@10000000", "interrupts"), ==, 10);
	g_assert_cmpuint(u32(b, "/soc/serial@10000000", "interrupt-parent"), ==,
	                 u32(b, "/soc/plic@c000000", "phandle"));
}

static void test_minimal(void)
{
	static struct vm vm;
	static struct scenario_vm cfg;
	const uint8_t *b = ram;
	uint32_t len;

	make_vm(&vm, &cfg, 1, false);
	rv_board.sstc = false;
	rv_board.fpu = false;
	g_assert_cmpint(rv_vm_build_dt(&vm, 0, 0x10000, 0, 0), ==, 0);
	g_assert_null(prop(b, "/soc/serial@10000000", "compatible", &len));
	g_assert_null(prop(b, "/chosen", "stdout-path", &len));
	g_assert_null(prop(b, "/chosen", "bootargs", &len));
	g_assert_null(prop(b, "/chosen", "linux,initrd-start", &len));
	g_assert_cmpstr(str(b, "/cpus/cpu@0", "riscv,isa"), ==, "rv64imac_zicsr_zifencei");
	/* Too little room, or outside RAM: refused, nothing claimed. */
	vm.arch.dt_gpa = 0;
	g_assert_cmpint(rv_vm_build_dt(&vm, 0x8000, 256, 0, 0), ==, -ENOSPC);
	g_assert_cmpint(rv_vm_build_dt(&vm, sizeof(ram), 0x1000, 0, 0), ==, -E2BIG);
	g_assert_cmphex(vm.arch.dt_gpa, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vm-dt/full", test_full);
	g_test_add_func("/vm-dt/minimal", test_minimal);
	return g_test_run();
}
