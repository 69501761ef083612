/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * x86_entry_from_regs (hv/arch/x86/entry_regs.c, built hosted): the states
 * HC_SET_VCPU_REGS may start a post-launched BSP in (acrn-dm's bzImage
 * entry, real mode, 64-bit mode) and the hostile ones it must refuse.
 */
#include <acrn/vm.h>
#include <arch/x86_vcpu.h>
#include <glib.h>
#include <hv/errno.h>
#include <string.h>

/* acrn-dm's bzImage entry: 32-bit flat, cs 0x10, ds 0x18, rsi = zero page. */
static struct acrn_regs bzimage(void)
{
	struct acrn_regs r = {
		.cr0 = 0x31, .rip = 0x100000, .rflags = 0x2, .cs_sel = 0x10, .ds_sel = 0x18
	};

	r.gdt.limit = 0x1f;
	r.gdt.base = 0x1000;
	r.gprs.rsi = 0x7000;
	r.gprs.rbx = 0x1234;
	r.gprs.r15 = 0xf00d;
	return r;
}

static struct acrn_regs long_mode(void)
{
	struct acrn_regs r = bzimage();

	r.cr0 = 0x80000031;
	r.cr4 = 0x20;
	r.cr3 = 0x3000;
	r.ia32_efer = 0x500;
	r.cs_sel = 0x20;
	r.gdt.limit = 0x27;
	r.rip = 0xffffffff81000000ULL;
	return r;
}

static void refused(const struct acrn_regs *r)
{
	struct x86_entry_state e;

	memset(&e, 0x5a, sizeof(e));
	g_assert_cmpint(x86_entry_from_regs(r, &e), ==, -EINVAL);
	/* Nothing is half-applied. */
	g_assert_cmphex(e.rip, ==, 0x5a5a5a5a5a5a5a5aULL);
}

static void test_bzimage(void)
{
	struct acrn_regs r = bzimage();
	struct x86_entry_state e;

	g_assert_cmpint(x86_entry_from_regs(&r, &e), ==, 0);
	g_assert_true(e.protected_mode);
	g_assert_false(e.long_mode);
	g_assert_true(e.all_gprs);
	g_assert_cmphex(e.rip, ==, 0x100000);
	g_assert_cmphex(e.cs_selector, ==, 0x10);
	g_assert_cmphex(e.ds_selector, ==, 0x18);
	g_assert_cmphex(e.gdt_base, ==, 0x1000);
	g_assert_cmphex(e.gdt_limit, ==, 0x1f);
	g_assert_cmphex(e.rsi, ==, 0x7000);
	g_assert_cmphex(e.gpr[6], ==, 0x7000);
	g_assert_cmphex(e.gpr[3], ==, 0x1234);
	g_assert_cmphex(e.gpr[15], ==, 0xf00d);
}

static void test_real_mode(void)
{
	struct acrn_regs r = {
		.cr0 = 0x30, .cs_sel = 0xf000, .cs_base = 0xffff0000, .rip = 0xfff0
	};
	struct x86_entry_state e;

	g_assert_cmpint(x86_entry_from_regs(&r, &e), ==, 0);
	g_assert_false(e.protected_mode);
	g_assert_cmphex(e.cs_selector, ==, 0xf000);
	g_assert_cmphex(e.cs_base, ==, 0xffff0000);
	r.rip = 0x10000;
	refused(&r);
	r.rip = 0xfff0;
	r.cs_base = 0x100000000ULL;
	refused(&r);
}

static void test_long_mode(void)
{
	struct acrn_regs r = long_mode();
	struct x86_entry_state e;

	g_assert_cmpint(x86_entry_from_regs(&r, &e), ==, 0);
	g_assert_true(e.protected_mode);
	g_assert_true(e.long_mode);
	g_assert_cmphex(e.cr3, ==, 0x3000);
	g_assert_cmphex(e.cr4, ==, 0x20);
	g_assert_cmphex(e.rip, ==, 0xffffffff81000000ULL);

	r = long_mode();
	r.rip = 0x0000800000000000ULL; /* not canonical */
	refused(&r);
	r = long_mode();
	r.cr4 = 0; /* no PAE */
	refused(&r);
	r = long_mode();
	r.cr4 |= 1u << 13; /* VMXE */
	refused(&r);
	r = long_mode();
	r.cr3 = 0x3008;
	refused(&r);
	r = long_mode();
	r.cr3 = 1ULL << 52;
	refused(&r);
	r = long_mode();
	r.ia32_efer |= 1; /* SCE */
	refused(&r);
	r = long_mode();
	r.cr0 = 0x31; /* LME without paging */
	refused(&r);
	r = long_mode();
	r.cr0 = 0x80000030; /* paging without protection */
	refused(&r);
}

static void test_hostile(void)
{
	struct acrn_regs r;

	r = bzimage();
	r.cr0 |= 0x80000000; /* paging without long mode */
	refused(&r);
	r = bzimage();
	r.cr0 |= 1u << 30; /* CD */
	refused(&r);
	r = bzimage();
	r.cr4 = 0x20;
	refused(&r);
	r = bzimage();
	r.ia32_efer = 0x400;
	refused(&r);
	r = bzimage();
	r.rip = 0x100000000ULL;
	refused(&r);
	r = bzimage();
	r.rflags = 0x2 | (1u << 3); /* reserved */
	refused(&r);
	r = bzimage();
	r.rflags = 1ULL << 32;
	refused(&r);
	/* Selectors: null, with RPL/TI bits, beyond the GDT. */
	r = bzimage();
	r.cs_sel = 0;
	refused(&r);
	r = bzimage();
	r.cs_sel = 0x13;
	refused(&r);
	r = bzimage();
	r.ds_sel = 0x1c;
	refused(&r);
	r = bzimage();
	r.gdt.limit = 0x17;
	refused(&r);
	r = bzimage();
	r.ds_sel = 0xfff8;
	refused(&r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/entry-regs/bzimage", test_bzimage);
	g_test_add_func("/entry-regs/real-mode", test_real_mode);
	g_test_add_func("/entry-regs/long-mode", test_long_mode);
	g_test_add_func("/entry-regs/hostile", test_hostile);
	return g_test_run();
}
