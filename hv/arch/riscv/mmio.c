/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest-page faults outside the VM's RAM: MMIO emulation.
 *
 * The faulting guest-physical address is htval << 2 | stval[1:0], where
 * the guest-virtual address stval holds is computed from the decoded
 * instruction (its base register and offset) rather than read. The
 * instruction comes from htinst when it holds a transformed instruction
 * (bit 0 set; bit 1 clear means the original was compressed), else it is
 * read from the guest's pc with HLVX (QEMU 7.2 always reports 0). It is
 * decoded, dispatched to the VM's MMIO bus (which answers unclaimed reads
 * with all ones, as on x86), the register is written back and sepc moves
 * past it.
 *
 * A guest can make none of this fail in the hypervisor: an instruction that
 * is not an integer load/store, a misaligned access, or a page-table walk
 * into MMIO gets an access fault injected; a fetch outside RAM gets an
 * instruction access fault; an unreadable instruction or a trap vector
 * that itself cannot be fetched stops the VM.
 */
#include <arch/cpu.h>
#include <arch/guest.h>
#include <arch/insn.h>
#include <hv/errno.h>
#include <hv/io.h>
#include <hv/vm.h>

/*
 * HLVX.WU of the word at gva, inline: the exit's common case, and a call
 * would cost QEMU a translation-block lookup per exit. rd starts as -1 and
 * a fault on the read (the guest's page tables) resumes after the
 * instruction (trap.c), so -1 means unreadable. One instance only: the
 * label is global, so a second copy would not assemble.
 */
static inline long hlvx_wu(uint64_t gva)
{
	long v = -1;

	__asm__ volatile(".globl rv_mmio_hlvx_wu\n"
	                 "rv_mmio_hlvx_wu:\n\t"
	                 ".insn r 0x73, 0x4, 0x34, %0, %1, x3" /* hlvx.wu %0, (%1) */
	                 : "+r"(v)
	                 : "r"(gva)
	                 : "memory");
	return v;
}

/* An instruction at a pc that is not 4-byte aligned: one or two halfwords. */
static __attribute__((noinline)) int fetch_unaligned(uint64_t pc, uint32_t *insn)
{
	long lo = rv_hlvx_hu(pc), hi;

	if (lo < 0)
		return -EFAULT;
	if (rv_insn_len((uint32_t)lo) == 2) {
		*insn = (uint32_t)lo;
		return 0;
	}
	hi = rv_hlvx_hu(pc + 2);
	if (hi < 0)
		return -EFAULT;
	*insn = (uint32_t)lo | (uint32_t)hi << 16;
	return 0;
}

/* Read the instruction at the guest's pc; 0 or -EFAULT. */
static inline int fetch(uint64_t pc, uint32_t *insn)
{
	long w;

	if (pc & 3)
		return fetch_unaligned(pc, insn);
	/* A 4-byte-aligned word never crosses a page: one read covers either length. */
	w = hlvx_wu(pc);
	if (w < 0)
		return -EFAULT;
	*insn = rv_insn_len((uint32_t)w) == 4 ? (uint32_t)w : (uint32_t)w & 0xffff;
	return 0;
}

static uint64_t sign_extend(uint64_t v, unsigned width)
{
	unsigned shift = 64 - width * 8;

	return width == 8 ? v : (uint64_t)((int64_t)(v << shift) >> shift);
}

static void access_fault(struct vcpu *v, bool store, const char *why)
{
	/* Nothing trapped in HS since the exit: stval is still the exit's (the guest's tval). */
	v->arch.exit.stval = csr_read(stval);
	rv_guest_warn(v, why);
	rv_inject_exception(v, store ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, v->arch.exit.stval);
}

__hot void rv_guest_page_fault(struct vcpu *v)
{
	struct rv_exit *e = &v->arch.exit;
	struct rv_guest_ctx *c = &v->arch.ctx;
	bool store = e->scause == EXC_STORE_GUEST_PF;
	uint64_t gpa;
	struct rv_mmio_insn d;
	uint32_t insn;

	if (e->scause == EXC_INSN_GUEST_PF) {
		/* The guest's own vector is not fetchable either: it cannot make progress. */
		if (c->sepc == (csr_read(vstvec) & ~3ULL)) {
			rv_guest_error(v,
			               "instruction fetch outside RAM at the guest's trap vector");
			return;
		}
		rv_guest_warn(v, "instruction fetch outside RAM");
		rv_inject_exception(v, EXC_INSN_ACCESS, e->stval);
		return;
	}
	if (e->htinst & 1) {
		/* Transformed: bit 1 clear means the original was compressed. */
		insn = (uint32_t)e->htinst | 2;
	} else if (e->htinst) {
		/* A pseudoinstruction: the guest's own page-table walk touched MMIO. */
		return access_fault(v, store, "guest page table outside RAM");
	} else if (fetch(c->sepc, &insn)) {
		e->stval = csr_read(stval); /* the failed read's: the instruction's address */
		rv_guest_error(v, "cannot read the instruction that faulted on MMIO");
		return;
	}
	if (rv_insn_decode(insn, &d))
		return access_fault(v, store, "MMIO access by an unsupported instruction");
	if (e->htinst & 1) {
		/* A transformed instruction has no address fields: stval has the address. */
		d.len = (e->htinst & 2) ? 4 : 2;
		e->stval = csr_read(stval);
	} else {
		/* The faulting guest-virtual address, as stval has it: no CSR read. */
		e->stval = (d.base ? c->x[d.base] : 0) + (uint64_t)(int64_t)d.offset;
	}
	if (d.store != store)
		return access_fault(v, store, "MMIO instruction does not match the fault");
	gpa = e->htval << 2 | (e->stval & 3);
	/* Both: an access that crosses into MMIO from the page before is misaligned. */
	if ((gpa | e->stval) & (d.width - 1))
		return access_fault(v, store, "misaligned MMIO access");

	if (store) {
		uint64_t val = d.reg ? c->x[d.reg] : 0;

		if (d.width < 8)
			val &= (1ULL << (d.width * 8)) - 1;
		io_bus_write(&v->vm->mmio, v, gpa, d.width, val);
	} else {
		uint64_t val;

		io_bus_read(&v->vm->mmio, v, gpa, d.width, &val);
		if (d.reg)
			c->x[d.reg] = d.sign ? sign_extend(val, d.width) : val;
	}
	c->sepc += d.len;
}
