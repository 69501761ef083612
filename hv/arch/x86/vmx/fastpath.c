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
 * STI/MOV-SS shadow) goes to the generic path before anything changed.
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

/* RBX, RBP, R12-R15: the stub only reloads them when told. */
#define CALLEE_SAVED_GPRS (BIT(3) | BIT(5) | 0xF000)

/* Every exit taken here runs this code: no frame pointer (nothing here walks the stack). */
#define FAST_FN __hot __attribute__((optimize("omit-frame-pointer")))

int vmx_fast_io(struct x86_regs *regs);
int vmx_fast_mmio(struct x86_regs *regs);

static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Whether the generic entry has anything to do before this vCPU enters again. */
__hot static inline bool entry_wanted(struct vcpu *v)
{
	const struct vmx_vcpu *s = v->arch.vendor;
	const struct pcpu *p;

	/* this_pcpu() without the call: GS holds it (pcpu.c). */
	__asm__("movq %%gs:0, %0" : "=r"(p));
	/* One compare and branch each: all are clear on almost every exit. */
	return v->requests || p->need_resched || s->entry_work || v->arch.nmi_pending ||
	       v->arch.irq_window || v->arch.vlapic.irr_words || v->state != VCPU_RUNNING;
}

/* The instruction is done: move RIP past it and say how the guest is entered again. */
__hot __attribute__((always_inline)) static inline int finish(struct vcpu *v, uint64_t rip,
                                                              int resume)
{
	vmwrite(GUEST_RIP, rip);
	v->arch.regs.rip = rip;
	/* A host interrupt the handler's time let in (timer, kick) is taken here. */
	__asm__ volatile("sti; nop; cli" ::: "memory");
	if (unlikely(entry_wanted(v)))
		return VMX_ENTER_HANDLED;
	v->nr_exits++;
	return resume;
}

/* Port I/O sizes by the qualification's size field: 0, 1 and 3 mean 1, 2 and 4 bytes. */
static const uint32_t io_masks[4] = { 0xFF, 0xFFFF, 0, 0xFFFFFFFF };

/*
 * The device accesses, as io.c's read_h/write_h but with the handler called
 * straight from here when the bus remembers this access (no io_bus call
 * frame on the common exit). -ENOENT: the bus has no remembered answer for
 * it, or nobody claims it; the caller then goes the io_bus way.
 */
__hot static inline int dev_read(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                                 uint64_t *val)
{
	const struct io_handler *h;
	uint64_t ones = size_mask(width);

	if (!io_bus_remembered(bus, addr, width, &h) || !h)
		return -ENOENT;
	*val = ones;
	if (h->read && h->read(v, h->opaque, addr - h->base, width, val))
		*val = ones;
	*val &= ones;
	return 0;
}

__hot static inline int dev_write(struct io_bus *bus, struct vcpu *v, uint64_t addr, unsigned width,
                                  uint64_t val)
{
	const struct io_handler *h;

	if (!io_bus_remembered(bus, addr, width, &h) || !h)
		return -ENOENT;
	if (h->write)
		h->write(v, h->opaque, addr - h->base, width, val);
	return 0;
}

/*
 * A port access of a pre-launched VM is the io_bus's, claimed or not (an
 * unclaimed one reads all ones); a post-launched VM's unclaimed one goes to
 * the Service VM (generic path). Returns -ENOENT for that case.
 */
__hot static inline int port_access(struct vcpu *v, bool in, uint16_t port, unsigned size,
                                    uint64_t *val)
{
	struct io_bus *bus = &v->vm->pio;
	const struct io_handler *h;

	if (v->vm->cfg->load_order == LOAD_POST_LAUNCHED)
		return in ? io_bus_read_claimed(bus, v, port, size, val)
		          : io_bus_write_claimed(bus, v, port, size, *val);
	/*
	 * A remembered unclaimed port once its logging is done: dropped (reads
	 * all ones) right here, as io_bus_read/write would.
	 */
	if (io_bus_remembered(bus, port, size, &h) && !h && bus->nr_unhandled >= IO_LOG_UNHANDLED) {
		if (in)
			*val = size_mask(size);
		return 0;
	}
	if (in) {
		if (dev_read(bus, v, port, size, val))
			io_bus_read(bus, v, port, size, val);
	} else if (dev_write(bus, v, port, size, *val)) {
		io_bus_write(bus, v, port, size, *val);
	}
	return 0;
}

/* IN/OUT, as exit.c's handle_io; called by the exit stub (vmx_run.S) with RAX saved. */
FAST_FN int vmx_fast_io(struct x86_regs *regs)
{
	struct vcpu *v = container_of(regs, struct vcpu, arch.regs);
	uint64_t qual = vmread(EXIT_QUALIFICATION);
	uint64_t *rax = &v->arch.regs.gpr[X86_REG_RAX];
	uint64_t mask = io_masks[qual & 3];
	bool in = qual & IO_QUAL_IN;
	uint64_t val = *rax & mask;

	if ((qual & (IO_QUAL_STRING | IO_QUAL_REP)) ||
	    (vmread(GUEST_INTERRUPTIBILITY) & INTR_BLOCKING))
		return VMX_ENTER_EXIT;
	if (port_access(v, in, (uint16_t)(qual >> 16), (unsigned)(qual & 7) + 1, &val))
		return VMX_ENTER_EXIT;
	if (in) {
		/* 32-bit results zero-extend into RAX; smaller ones merge. */
		mask = io_masks[qual & 3];
		*rax = mask == 0xFFFFFFFF ? (val & mask) : ((*rax & ~mask) | (val & mask));
	}
	return finish(v, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN), FAST_RESUME);
}

/*
 * The decode cache's instruction, if it is the one at rip (as exit.c's
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
FAST_FN static inline const struct x86_insn *cached_insn(struct vcpu *v, uint64_t rip)
{
	const struct x86_decode_cache *c = &v->arch.dcache;
	uint64_t gla = rip;

	if (!c->insn.len || c->cs_ldb != ((vmread(GUEST_CS_AR) >> 13) & 3))
		return NULL;
	/* Same EFER and CS.L as when cached: the same mode (CR0.PE is compared below). */
	if (c->insn.mode != X86_MODE_LONG64) {
		gla += vmread(GUEST_CS_BASE);
		if (!(c->efer & EFER_LMA))
			gla = (uint32_t)gla;
	}
	if (c->gla != gla || c->cr0 != vmread(GUEST_CR0))
		return NULL;
	/* With paging off the translation is the identity: CR3 and CR4 do not take part. */
	if ((c->cr0 & CR0_PG) &&
	    (c->cr3 != vmread(GUEST_CR3) || c->cr4 != (vmread(GUEST_CR4) & ~CR4_VMXE)))
		return NULL;
	if (!x86_dcache_walk_same(c))
		return NULL;
	return &c->insn;
}

/* RIP after the instruction, wrapping as the CPU would in its mode. */
static inline uint64_t next_rip(const struct x86_insn *in, uint64_t rip)
{
	rip += in->len;
	if (in->mode == X86_MODE_LONG64)
		return rip;
	return in->mode == X86_MODE_PROT32 ? (uint32_t)rip : rip & 0xFFFF;
}

/*
 * A MOV to or from a claimed device register, as instr_emul.c's
 * emulate_mov; called by the exit stub (vmx_run.S) with all GPRs saved.
 */
FAST_FN int vmx_fast_mmio(struct x86_regs *regs)
{
	struct vcpu *v = container_of(regs, struct vcpu, arch.regs);
	uint64_t qual = vmread(EXIT_QUALIFICATION);
	struct io_bus *bus = &v->vm->mmio;
	const struct x86_insn *in;
	uint64_t rip, gpa, val;
	bool high8;

	if ((qual & (EPT_QUAL_FETCH | EPT_QUAL_NMI_UNBLOCK)) ||
	    (vmread(EXIT_IDT_VECTORING_INFO) & INTR_VALID) ||
	    (vmread(GUEST_INTERRUPTIBILITY) & INTR_BLOCKING))
		return VMX_ENTER_EXIT;
	rip = vmread(GUEST_RIP);
	in = cached_insn(v, rip);
	/* RSP is not in regs on this path (vmx_run reads it after generic exits only). */
	if (!in || in->op != X86_OP_MOV ||
	    (!(in->flags & X86_INSN_SRC_IMM) &&
	     (in->reg == X86_REG_NONE || in->reg == X86_REG_RSP)))
		return VMX_ENTER_EXIT;
	gpa = vmread(GUEST_PHYS_ADDR);
	high8 = in->flags & X86_INSN_REG_HIGH8;
	if (in->flags & X86_INSN_MEM_DST) {
		val = in->flags & X86_INSN_SRC_IMM
		              ? in->imm
		              : x86_reg_get(&v->arch.regs, in->reg, high8, in->opsize);
		if (dev_write(bus, v, gpa, in->opsize, val) &&
		    io_bus_write_claimed(bus, v, gpa, in->opsize, val))
			return VMX_ENTER_EXIT;
		return finish(v, next_rip(in, rip), FAST_RESUME);
	}
	if (dev_read(bus, v, gpa, in->opsize, &val) &&
	    io_bus_read_claimed(bus, v, gpa, in->opsize, &val))
		return VMX_ENTER_EXIT;
	x86_reg_set(&v->arch.regs, in->reg, high8, in->opsize, val);
	return finish(v, next_rip(in, rip),
	              (CALLEE_SAVED_GPRS >> in->reg) & 1 ? FAST_RESUME_ALL : FAST_RESUME);
}
