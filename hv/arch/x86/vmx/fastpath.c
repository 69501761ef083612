/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VMX fast path: the exits that dominate device I/O are handled straight
 * from the exit stub (vmx_run.S), which enters the guest again at once,
 * without the neutral exit record, the generic dispatch (exit.c) or the
 * per-entry work of the run loop (vcpu.c, hv/core/vcpu.c).
 *
 * It covers port I/O (IN/OUT; not string or REP) and EPT violations on MMIO
 * whose instruction is a MOV the decode cache holds, when a device on the
 * VM's io_bus claims the access; port I/O that no device claims too in a
 * pre-launched VM, which drops it as exit.c does. It calls the io_bus
 * handlers exit.c would and writes back the same register. Everything else
 * (string I/O, a post-launched VM's access for the Service VM, a decode
 * cache miss, another instruction, an exit during event delivery or in an
 * STI/MOV-SS shadow) goes to the generic path before any guest-visible
 * state changed (the next RIP the fast path may already have put in the
 * vCPU is read from the VMCS again after such an exit).
 *
 * Why entering again at once is safe: such an exit changes nothing but the
 * device, one GPR and RIP; RSP, RFLAGS, the interruptibility state and the
 * VMCS controls stay as the generic entry left them, and the VMCS, MSRs
 * and FPU state are still this vCPU's. What the generic entry would act on
 * is checked after the handler: requests from other pCPUs, need_resched,
 * the vCPU's state, an event to inject or an interrupt window, work for the
 * VMCS. Host interrupts that came meanwhile are taken first (Bochs does not
 * exit for them while the guest's IF is clear), so a timer or kick they
 * bring is seen too. When any of it is set, vmx_run goes on from the exit
 * with the generic entry.
 */
#include <arch/cpu.h>
#include <arch/x86_vcpu.h>
#include <hv/errno.h>
#include <hv/io.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#include "vmcs.h"
#include "vmx.h"

#define IO_QUAL_IN           BIT(3)
#define IO_QUAL_STRING       BIT(4)
#define IO_QUAL_REP          BIT(5)
#define EPT_QUAL_FETCH       BIT(2)
#define EPT_QUAL_NMI_UNBLOCK BIT(12)

/* What the exit stub does next (besides VMX_ENTER_EXIT and VMX_ENTER_HANDLED). */
#define FAST_RESUME     3 /* enter again */
#define FAST_RESUME_ALL 4 /* enter again, loading a callee-saved GPR the handler wrote */

/* Every exit taken here runs this code: no frame pointer (nothing here walks the stack). */
#define FAST_FN __exit_path __attribute__((optimize("omit-frame-pointer")))

int vmx_fast_io(struct x86_regs *regs);
int vmx_fast_mmio(struct x86_regs *regs);

/*
 * Whether the generic entry has anything to do before this vCPU enters
 * again. All are clear on almost every exit; they are ORed and tested once,
 * as every branch costs the emulated board a trace lookup.
 */
__hot static inline bool entry_wanted(struct vcpu *v)
{
	const struct pcpu *p;

	/* this_pcpu() without the call: GS holds it (pcpu.c). */
	__asm__("movq %%gs:0, %0" : "=r"(p));
	return (v->requests | p->need_resched | v->arch.entry_flags | v->arch.vlapic.irr_words |
	        (unsigned)(v->state ^ VCPU_RUNNING)) != 0;
}

/*
 * The instruction is done, and v->arch.regs.rip is past it: put RIP in the
 * VMCS and say how the guest is entered again. Callers store the new RIP
 * before calling a device, so that only v lives across that call (fewer
 * registers to save on every exit); a generic exit reads RIP from the VMCS
 * again, so the early store is harmless when they fall back.
 */
__hot __attribute__((always_inline)) static inline int finish(struct vcpu *v, int resume)
{
	vmwrite(GUEST_RIP, v->arch.regs.rip);
	/* A host interrupt the handler's time let in (timer, kick) is taken here. */
	__asm__ volatile("sti; nop; cli" ::: "memory");
	if (unlikely(entry_wanted(v)))
		return VMX_ENTER_HANDLED;
	v->nr_exits++;
	return resume;
}

/*
 * A port access the remembered answer does not cover, or a post-launched
 * VM's (an unclaimed one goes to the Service VM: generic path, -ENOENT): the
 * io_bus way, out of line so the common path keeps few registers.
 */
__attribute__((noinline)) static int port_access_slow(struct vcpu *v, uint64_t qual, uint64_t *val)
{
	struct io_bus *bus = &v->vm->pio;
	uint16_t port = (uint16_t)(qual >> 16);
	unsigned size = (unsigned)(qual & 7) + 1;

	if (v->vm->post_launched)
		return qual & IO_QUAL_IN ? io_bus_read_claimed(bus, v, port, size, val)
		                         : io_bus_write_claimed(bus, v, port, size, *val);
	if (qual & IO_QUAL_IN)
		io_bus_read(bus, v, port, size, val);
	else
		io_bus_write(bus, v, port, size, *val);
	return 0;
}

/*
 * IN/OUT, as exit.c's handle_io; called by the exit stub (vmx_run.S) with
 * RAX saved. The common cases inline: the bus remembers the port, and
 * either a handler claims it or (pre-launched VM, logging done) nobody does
 * and it is dropped, reads giving all ones, as io_bus_read/write would.
 */
FAST_FN int vmx_fast_io(struct x86_regs *regs)
{
	struct vcpu *v = container_of(regs, struct vcpu, arch.regs);
	uint64_t qual = vmread(EXIT_QUALIFICATION);
	struct io_bus *bus = &v->vm->pio;
	uint16_t port = (uint16_t)(qual >> 16);
	unsigned size = (unsigned)(qual & 7) + 1; /* 1, 2 or 4 */
	uint64_t ones = (1ULL << (size * 8)) - 1;
	uint64_t *rax = &regs->gpr[X86_REG_RAX];
	uint64_t val = ones;
	const struct io_handler *h;

	if ((qual & (IO_QUAL_STRING | IO_QUAL_REP)) |
	    (vmread(GUEST_INTERRUPTIBILITY) & INTR_BLOCKING))
		return VMX_ENTER_EXIT;
	v->arch.regs.rip = vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN); /* see finish */
	if (unlikely(v->vm->post_launched || !io_bus_remembered(bus, port, size, &h) ||
	             (!h && bus->nr_unhandled < IO_LOG_UNHANDLED))) {
		val = *rax & ones;
		if (port_access_slow(v, qual, &val))
			return VMX_ENTER_EXIT;
	} else if (qual & IO_QUAL_IN) {
		/* A failed read gives all ones. */
		if (h && h->read && h->read(v, h->opaque, port - h->base, size, &val))
			val = ones;
	} else if (h && h->write) {
		h->write(v, h->opaque, port - h->base, size, *rax & ones);
	}
	/*
	 * Size and mask are derived from qual again rather than kept across the
	 * device call: only v and qual then live through it (fewer registers to
	 * save on every exit). The empty asm hides that qual is unchanged.
	 */
	__asm__("" : "+r"(qual));
	if (qual & IO_QUAL_IN) {
		/* 32-bit results zero-extend into RAX; smaller ones merge. */
		uint64_t mask = (1ULL << (((qual & 7) + 1) * 8)) - 1;
		uint64_t keep = (qual & 7) == 3 ? 0 : ~mask;

		regs->gpr[X86_REG_RAX] = (regs->gpr[X86_REG_RAX] & keep) | (val & mask);
	}
	return finish(v, FAST_RESUME);
}

/*
 * The decode cache's entry, if its instruction is the one at rip (as exit.c's
 * dcache_hit, reading only what can change without an exit we see): the
 * same linear address and CPU mode, the same paging state, the same walk
 * and bytes (x86_dcache_walk_same). From the VMCS: CS's attributes (L, D/B:
 * a far jump changes them in the guest) and base (the linear address; not
 * in 64-bit mode, where it counts as 0), CR0 and CR4 (no bit of ours is in
 * their guest/host masks that paging depends on, so writes do not exit),
 * CR3 (loads do not exit); CR3 and CR4 only with paging on. Not EFER:
 * only a WRMSR changes it, which exits and empties the cache (msr.c), and
 * LMA follows CR0.PG, compared here.
 */
FAST_FN static inline const struct x86_decode_cache *cached_insn(struct vcpu *v, uint64_t rip)
{
	const struct x86_decode_cache *c = &v->arch.dcache;
	uint64_t gla = rip, diff;

	if (!c->insn.len)
		return NULL;
	/* Same EFER and CS.L as when cached: the same mode (CR0.PE is compared below). */
	if (c->insn.mode != X86_MODE_LONG64) {
		gla += vmread(GUEST_CS_BASE);
		if (!(c->efer & EFER_LMA))
			gla = (uint32_t)gla;
	}
	/* One branch for all: each costs the emulated board a trace lookup. */
	diff = (c->cs_ldb ^ ((vmread(GUEST_CS_AR) >> 13) & 3)) | (c->gla ^ gla) |
	       (c->cr0 ^ vmread(GUEST_CR0));
	/* With paging off the translation is the identity: CR3 and CR4 do not take part. */
	if (c->cr0 & CR0_PG)
		diff |= (c->cr3 ^ vmread(GUEST_CR3)) | (c->cr4 ^ (vmread(GUEST_CR4) & ~CR4_VMXE));
	if (diff || !x86_dcache_walk_same(c))
		return NULL;
	return c;
}

/* An access the bus does not remember as claimed: the io_bus way, out of line. */
__attribute__((noinline)) static int
mmio_access_slow(struct vcpu *v, const struct x86_dcache_mov *m, uint64_t gpa, uint64_t *val)
{
	struct io_bus *bus = &v->vm->mmio;

	return m->kind == X86_DCACHE_MOV_LOAD ? io_bus_read_claimed(bus, v, gpa, m->width, val)
	                                      : io_bus_write_claimed(bus, v, gpa, m->width, *val);
}

/*
 * A MOV to or from a claimed device register, as instr_emul.c's
 * emulate_mov, from the decode cache's reduced form of it (x86_dcache_mov);
 * called by the exit stub (vmx_run.S) with the caller-saved GPRs stored, and
 * the callee-saved ones too when the cached MOV names one (mov.callee_saved).
 * Until the entry is known to be the guest's instruction no GPR slot is
 * touched; after that only gpr[mov.reg].
 */
FAST_FN int vmx_fast_mmio(struct x86_regs *regs)
{
	struct vcpu *v = container_of(regs, struct vcpu, arch.regs);
	uint64_t qual = vmread(EXIT_QUALIFICATION);
	struct io_bus *bus = &v->vm->mmio;
	const struct x86_decode_cache *c;
	const struct x86_dcache_mov *m;
	const struct io_handler *h;
	uint64_t rip, gpa, val, *reg;

	if ((qual & (EPT_QUAL_FETCH | EPT_QUAL_NMI_UNBLOCK)) |
	    (vmread(EXIT_IDT_VECTORING_INFO) & INTR_VALID) |
	    (vmread(GUEST_INTERRUPTIBILITY) & INTR_BLOCKING))
		return VMX_ENTER_EXIT;
	rip = vmread(GUEST_RIP);
	c = cached_insn(v, rip);
	if (!c || c->mov.kind == X86_DCACHE_MOV_NONE)
		return VMX_ENTER_EXIT;
	m = &c->mov;
	gpa = vmread(GUEST_PHYS_ADDR);
	v->arch.regs.rip = x86_dcache_next_rip(c, rip);
	h = c->dev;
	if (unlikely(gpa != c->dev_gpa || !h)) {
		if (!io_bus_remembered(bus, gpa, m->width, &h) || !h) {
			val = x86_dcache_mov_store_val(c, regs->gpr);
			if (mmio_access_slow(v, m, gpa, &val))
				return VMX_ENTER_EXIT;
			goto done;
		}
		v->arch.dcache.dev = h;
		v->arch.dcache.dev_gpa = gpa;
	}
	if (m->kind == X86_DCACHE_MOV_LOAD) {
		/* A failed read gives all ones, as io_bus_read_claimed does. */
		val = m->ones;
		if (h->read && h->read(v, h->opaque, gpa - h->base, m->width, &val))
			val = m->ones;
	} else if (h->write) {
		h->write(v, h->opaque, gpa - h->base, m->width,
		         x86_dcache_mov_store_val(c, regs->gpr));
	}
done:
	/* Only v from here on (see finish). */
	m = &v->arch.dcache.mov;
	if (m->kind != X86_DCACHE_MOV_LOAD)
		return finish(v, FAST_RESUME);
	reg = &regs->gpr[m->reg];
	*reg = x86_dcache_mov_loaded(m, *reg, val);
	/* Only with callee_saved set did the stub store them, and only then may it load them. */
	return finish(v, m->callee_saved ? FAST_RESUME_ALL : FAST_RESUME);
}
