/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HC_SET_VCPU_REGS on x86: ACRN's register file (struct acrn_regs, from
 * the Service VM, hostile) to the entry state our vendor backends start a
 * vCPU in. Pure, so it is unit-tested on the host.
 */
#include <acrn/vm.h>
#include <arch/cpu.h>
#include <arch/vcpu.h>
#include <hv/errno.h>
#include <hv/lib.h>

#define CR0_MP          BIT(1)
#define CR4_PSE         BIT(4)
#define CR4_PGE         BIT(7)
#define CR4_OSFXSR      BIT(9)
#define CR4_OSXMMEXCPT  BIT(10)
#define RFLAGS_SETTABLE 0x3F7FD7ULL /* architectural bits; reserved ones must be 0 */

/* Flat segments from the GDT the device model wrote: the selectors must lie inside it. */
static bool selectors_ok(const struct acrn_regs *r)
{
	return r->cs_sel && !(r->cs_sel & 7) && r->ds_sel && !(r->ds_sel & 7) &&
	       r->gdt.limit >= r->cs_sel + 7 && r->gdt.limit >= r->ds_sel + 7;
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

int x86_entry_from_regs(const struct acrn_regs *r, struct x86_entry_state *out)
{
	const uint64_t cr0_ok = CR0_PE | CR0_MP | CR0_ET | CR0_NE;
	const uint64_t cr4_long_ok = CR4_PAE | CR4_PSE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	struct x86_entry_state e = { .rip = r->rip, .all_gprs = true, .rflags = r->rflags };
	bool long_mode = r->ia32_efer & EFER_LME;

	if (r->rflags & ~RFLAGS_SETTABLE)
		return -EINVAL;
	if (long_mode) {
		/* 4-level paging from a page-aligned root, a canonical rip. */
		if ((r->ia32_efer & ~(EFER_LME | EFER_LMA)) || (r->cr0 & ~(cr0_ok | CR0_PG)) ||
		    !(r->cr0 & CR0_PE) || !(r->cr0 & CR0_PG) || !(r->cr4 & CR4_PAE) ||
		    (r->cr4 & ~cr4_long_ok) || (r->cr3 & 0xFFF) || (r->cr3 >> 52) ||
		    !canonical(r->rip))
			return -EINVAL;
		e.long_mode = true;
		e.cr3 = r->cr3;
		e.cr4 = r->cr4;
	} else if ((r->cr0 & ~cr0_ok) || r->ia32_efer || r->cr4) {
		/* Paging without long mode, or a stray control bit. */
		return -EINVAL;
	}
	if (r->cr0 & CR0_PE) {
		if ((!long_mode && r->rip > 0xFFFFFFFFULL) || !selectors_ok(r))
			return -EINVAL;
		e.protected_mode = true;
		e.cs_selector = r->cs_sel;
		e.ds_selector = r->ds_sel;
		e.gdt_base = r->gdt.base;
		e.gdt_limit = r->gdt.limit;
	} else {
		if (r->rip > 0xFFFF || r->cs_base > 0xFFFFFFFFULL)
			return -EINVAL;
		e.cs_selector = r->cs_sel;
		e.cs_base = r->cs_base;
	}
	memcpy(e.gpr, &r->gprs, sizeof(e.gpr));
	e.rsi = r->gprs.rsi;
	e.rbx = r->gprs.rbx;
	*out = e;
	return 0;
}
