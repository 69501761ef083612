/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vCPU hooks on RISC-V: entering VS-mode, swapping the VS CSRs, and the exit
 * dispatch (SBI calls from the guest; everything else is not emulated yet
 * and powers the VM off with a log line, never the board).
 */
#include <arch/board.h>
#include <arch/cpu.h>
#include <arch/gstage.h>
#include <arch/trap.h>
#include <arch/vsbi.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/pcpu.h>
#include <hv/vm.h>

_Static_assert(offsetof(struct rv_guest_ctx, sepc) == RV_CTX_SEPC, "entry.S offsets");
_Static_assert(offsetof(struct rv_guest_ctx, sstatus) == RV_CTX_SSTATUS, "entry.S offsets");
_Static_assert(offsetof(struct rv_guest_ctx, hstatus) == RV_CTX_HSTATUS, "entry.S offsets");
_Static_assert(offsetof(struct rv_guest_ctx, host) == RV_CTX_HOST, "entry.S offsets");

#define CSR_VSTIMECMP_RD(v) __asm__ volatile("csrr %0, 0x24D" : "=r"(v))
#define CSR_VSTIMECMP_WR(v) __asm__ volatile("csrw 0x24D, %0" ::"r"(v) : "memory")

/* Guest errors are logged a few times per vCPU, then counted silently. */
#define BAD_LOG_LIMIT 4

int vcpu_arch_init(struct vcpu *v)
{
	memset(&v->arch, 0, sizeof(v->arch));
	return 0;
}

void vcpu_arch_reset(struct vcpu *v)
{
	struct rv_guest_ctx *c = &v->arch.ctx;
	uint64_t entry = v->arch.entry_pc;

	memset(c, 0, sizeof(*c));
	memset(&v->arch.vs, 0, sizeof(v->arch.vs));
	v->arch.vs.vstimecmp = UINT64_MAX;
	c->sepc = entry;
	c->x[10] = v->id; /* a0: hart id, as SBI firmware starts a hart */
	c->x[11] = 0;     /* a1: no device tree yet */
	/* sret goes to VS-mode (SPV) with S privilege (SPP), interrupts of HS unchanged. */
	c->sstatus = (csr_read(sstatus) | SSTATUS_SPP) & ~(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_FS);
	c->hstatus =
	        (csr_read(hstatus) & ~(HSTATUS_GVA | HSTATUS_VTW)) | HSTATUS_SPV | HSTATUS_SPVP;
}

static void vs_save(struct vcpu *v)
{
	struct rv_vs_csrs *s = &v->arch.vs;

	s->vsstatus = csr_read(vsstatus);
	s->vsie = csr_read(vsie);
	s->vstvec = csr_read(vstvec);
	s->vsscratch = csr_read(vsscratch);
	s->vsepc = csr_read(vsepc);
	s->vscause = csr_read(vscause);
	s->vstval = csr_read(vstval);
	s->vsatp = csr_read(vsatp);
	s->hvip = csr_read(hvip);
	if (rv_board.sstc)
		CSR_VSTIMECMP_RD(s->vstimecmp);
}

static void vs_load(struct vcpu *v)
{
	const struct rv_vs_csrs *s = &v->arch.vs;

	csr_write(vsstatus, s->vsstatus);
	csr_write(vsie, s->vsie);
	csr_write(vstvec, s->vstvec);
	csr_write(vsscratch, s->vsscratch);
	csr_write(vsepc, s->vsepc);
	csr_write(vscause, s->vscause);
	csr_write(vstval, s->vstval);
	csr_write(vsatp, s->vsatp);
	csr_write(hvip, s->hvip);
	if (rv_board.sstc)
		CSR_VSTIMECMP_WR(s->vstimecmp);
}

/* Make v's VS state the hart's; the G-stage TLB may hold another VM's entries. */
static void load(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	if (p->arch.loaded == v)
		return;
	if (p->arch.loaded)
		vs_save(p->arch.loaded);
	vs_load(v);
	csr_write(hgatp, v->vm->arch.hgatp);
	hfence_gvma_all();
	p->arch.loaded = v;
}

void vcpu_arch_stopped(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	if (p->arch.loaded == v) {
		vs_save(v);
		csr_write(hgatp, 0);
		p->arch.loaded = NULL;
	}
}

bool vcpu_arch_has_pending_irq(struct vcpu *v)
{
	/* Only VS interrupts the hypervisor injected count; there is no halt exit yet. */
	return v->arch.vs.hvip != 0;
}

static void guest_error(struct vcpu *v, const char *what)
{
	const struct rv_exit *e = &v->arch.exit;

	if (v->arch.nr_bad_logged++ < BAD_LOG_LIMIT)
		pr_warn("vm %s vcpu %u: %s (scause %lu, sepc 0x%lx, stval 0x%lx, htval 0x%lx, "
		        "htinst 0x%lx)\n",
		        vm_name(v->vm), v->id, what, (uint64_t)(e->scause & ~SCAUSE_IRQ),
		        v->arch.ctx.sepc, e->stval, e->htval, e->htinst);
	vm_poweroff(v->vm, what);
}

__hot void vcpu_arch_run_once(struct vcpu *v)
{
	struct rv_exit *e = &v->arch.exit;

	if (v->requests & VCPU_REQ_EVENT)
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_EVENT, __ATOMIC_SEQ_CST);
	load(v);
	v->in_guest = true;
	rv_guest_enter(&v->arch.ctx);
	v->in_guest = false;
	e->scause = csr_read(scause);
	e->stval = csr_read(stval);
	e->htval = csr_read(htval);
	e->htinst = csr_read(htinst);
	v->nr_exits++;

	if (e->scause & SCAUSE_IRQ) {
		/* A host interrupt (timer, IPI) is still pending: take it in HS now. */
		irq_enable();
		irq_disable();
		return;
	}
	switch (e->scause) {
	case EXC_ECALL_VS:
		v->arch.ctx.sepc += 4;
		vsbi_handle(v);
		break;
	case EXC_INSN_GUEST_PF:
	case EXC_LOAD_GUEST_PF:
	case EXC_STORE_GUEST_PF:
		/* GPA = htval << 2 | stval's low bits; no MMIO device is emulated yet. */
		guest_error(v, "guest-page fault outside RAM (MMIO emulation is not implemented)");
		break;
	case EXC_VIRTUAL_INSN:
		guest_error(v, "virtual instruction");
		break;
	default:
		guest_error(v, "unexpected exception");
		break;
	}
}

/* HC_SET_VCPU_REGS carries x86 registers; RISC-V has no post-launched VMs yet. */
int vcpu_arch_set_regs(struct vcpu *v, const struct acrn_regs *regs)
{
	(void)v;
	(void)regs;
	return -ENOSYS;
}
