/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vCPU hooks on RISC-V: entering VS-mode, swapping the VS CSRs, applying
 * what other pCPUs posted (VS interrupt lines, IPIs, remote fences, an SBI
 * HSM start) before each entry, and the exit dispatch: SBI calls, MMIO
 * (guest-page faults), and exceptions reflected to the guest. Nothing a
 * guest does stops more than its own VM.
 */
#include <arch/board.h>
#include <arch/cpu.h>
#include <arch/gstage.h>
#include <arch/guest.h>
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

static void vtimer_expired(struct timer *t)
{
	struct vcpu *v = container_of(t, struct vcpu, arch.vtimer);

	/* Runs on v's pCPU: the next entry (or the one after a switch) applies it. */
	rv_vcpu_set_irq(v, HVIP_VSTIP, true);
}

int vcpu_arch_init(struct vcpu *v)
{
	memset(&v->arch, 0, sizeof(v->arch));
	timer_init(&v->arch.vtimer, vtimer_expired);
	rv_wfi_init(v);
	return 0;
}

/* Registers and VS CSRs of a hart that starts at pc with a0 = its id and a1 = arg. */
static void hart_reset_state(struct vcpu *v, uint64_t pc, uint64_t a1)
{
	struct rv_guest_ctx *c = &v->arch.ctx;

	memset(c, 0, sizeof(*c));
	memset(&v->arch.vs, 0, sizeof(v->arch.vs));
	memset(&v->arch.fp, 0, sizeof(v->arch.fp));
	v->arch.vs.vstimecmp = UINT64_MAX;
	v->arch.status_live = false; /* the next entry writes sstatus and hstatus from c */
	c->sepc = pc;
	c->x[10] = v->id; /* a0: hart id, as SBI firmware starts a hart */
	c->x[11] = a1;
	/* sret goes to VS-mode (SPV) with S privilege (SPP), interrupts of HS unchanged. */
	c->sstatus = (csr_read(sstatus) | SSTATUS_SPP) & ~(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_FS);
	/* HS's FS gates the guest's F/D too; the guest's own vsstatus.FS starts off. */
	if (rv_board.fpu)
		c->sstatus |= SSTATUS_FS_INITIAL;
	/* VTW: a guest WFI exits, so the vCPU halts instead of holding the hart (wfi.c). */
	c->hstatus = (csr_read(hstatus) & ~HSTATUS_GVA) | HSTATUS_VTW | HSTATUS_SPV | HSTATUS_SPVP;
}

void vcpu_arch_reset(struct vcpu *v)
{
	hart_reset_state(v, v->arch.entry_pc, v->vm->arch.dt_gpa);
	v->arch.irq_level = 0;
	v->arch.posted = 0;
	v->arch.stop_self = false;
	v->arch.vtimer_paused = 0;
	rv_wfi_cancel(v);
}

/*
 * The CSRs are the authority while status_live; derive the values from
 * them as an exit left them. A trap taken in HS-mode since then set SPP to
 * S and its sret set SPP to U and cleared SPV, but left hstatus.SPVP, the
 * guest's privilege at the exit, alone.
 */
void rv_vcpu_sync_status(struct vcpu *v)
{
	struct rv_guest_ctx *c = &v->arch.ctx;
	uint64_t hs, ss;

	if (!v->arch.status_live)
		return;
	hs = csr_read(hstatus);
	ss = csr_read(sstatus) & ~SSTATUS_SPP;
	c->hstatus = hs | HSTATUS_SPV;
	c->sstatus = (hs & HSTATUS_SPVP) ? ss | SSTATUS_SPP : ss;
	v->arch.status_live = false;
}

static __attribute__((noinline)) void status_write(struct vcpu *v)
{
	rv_vcpu_sync_status(v);
	csr_write(hstatus, v->arch.ctx.hstatus);
	csr_write(sstatus, v->arch.ctx.sstatus);
}

/* Before an entry: sstatus and hstatus must hold v's values for sret. */
static inline void status_load(struct vcpu *v, const struct pcpu *p)
{
	/* As the exit left them unless something ran in HS-mode that changed them. */
	if (unlikely(!v->arch.status_live || v->arch.live_host_traps != p->arch.host_traps))
		status_write(v);
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
static __attribute__((noinline)) void switch_to(struct vcpu *v, struct pcpu *p)
{
	if (p->arch.loaded) {
		rv_vcpu_sync_status(p->arch.loaded);
		vs_save(p->arch.loaded);
		if (rv_board.fpu)
			rv_fp_save(&p->arch.loaded->arch.fp);
	}
	vs_load(v);
	if (rv_board.fpu)
		rv_fp_load(&v->arch.fp);
	csr_write(hgatp, v->vm->arch.hgatp);
	hfence_gvma_all();
	p->arch.loaded = v;
}

/* Before each entry: v's VS state is usually still the hart's. */
static inline void load(struct vcpu *v)
{
	struct pcpu *p = rv_this_pcpu();

	if (unlikely(p->arch.loaded != v))
		switch_to(v, p);
}

void vcpu_arch_stopped(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	/* Kept for a resume; vstimecmp (Sstc) is kept with the other VS CSRs. */
	v->arch.vtimer_paused = v->arch.vtimer.deadline;
	timer_cancel(&v->arch.vtimer);
	timer_cancel(&v->arch.wfi_timer);
	if (p->arch.loaded == v) {
		rv_vcpu_sync_status(v);
		vs_save(v);
		if (rv_board.fpu)
			rv_fp_save(&v->arch.fp);
		csr_write(hgatp, 0);
		p->arch.loaded = NULL;
	}
}

/*
 * The time CSR ran on while the VM was paused: a deadline that passed
 * meanwhile raises VSTIP now, as stimecmp would have; a later one is armed
 * again. With Sstc, vs_load restores vstimecmp and the hart compares.
 * Interrupt lines and IPIs posted while paused wait in irq_level/posted.
 */
void vcpu_arch_resume(struct vcpu *v)
{
	uint64_t deadline = v->arch.vtimer_paused;

	v->arch.vtimer_paused = 0;
	rv_wfi_resume(v);
	if (!deadline)
		return;
	if (deadline <= timer_now())
		rv_vcpu_set_irq(v, HVIP_VSTIP, true);
	else
		timer_arm(&v->arch.vtimer, deadline);
}

/*
 * Whether a vCPU halting in WFI must run on (vcpu_halt asks, under the lock
 * vcpu_kick takes): rv_wfi_exit already checked what was pending and enabled
 * then, so only news counts: an interrupt line or IPI posted since, a start,
 * or the WFI timer. A spurious wake-up is allowed (WFI may complete anyway).
 */
bool vcpu_arch_has_pending_irq(struct vcpu *v)
{
	return (__atomic_load_n(&v->arch.posted, __ATOMIC_SEQ_CST) &
	        (RV_POST_IRQ | RV_POST_IPI | RV_POST_START)) ||
	       rv_wfi_woken(v);
}

void rv_vcpu_post(struct vcpu *v, uint32_t what)
{
	__atomic_or_fetch(&v->arch.posted, what, __ATOMIC_SEQ_CST);
	vcpu_kick(v);
}

void rv_vcpu_set_irq(struct vcpu *v, uint64_t hvip_bit, bool level)
{
	uint64_t old = level ? __atomic_fetch_or(&v->arch.irq_level, hvip_bit, __ATOMIC_SEQ_CST)
	                     : __atomic_fetch_and(&v->arch.irq_level, ~hvip_bit, __ATOMIC_SEQ_CST);

	if (((old & hvip_bit) != 0) != level)
		rv_vcpu_post(v, RV_POST_IRQ);
}

void rv_vcpu_send_ipi(struct vcpu *v)
{
	rv_vcpu_post(v, RV_POST_IPI);
}

void rv_vcpu_remote_fence(struct vcpu *v, uint32_t fences)
{
	rv_vcpu_post(v, fences);
	/*
	 * A vCPU outside the guest fences before it enters again (it sets
	 * in_guest before it looks at what was posted), so only one inside
	 * needs waiting for. Callers run with interrupts off and outside their
	 * own guest (the caller itself never waits), so two vCPUs fencing each
	 * other cannot deadlock.
	 */
	while (__atomic_load_n(&v->arch.posted, __ATOMIC_SEQ_CST) & fences &&
	       __atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST))
		cpu_relax();
}

void rv_vcpu_set_timer(struct vcpu *v, uint64_t deadline)
{
	if (rv_board.sstc) {
		/* The vCPU is loaded while it exits: vstimecmp is the live register. */
		v->arch.vs.vstimecmp = deadline;
		CSR_VSTIMECMP_WR(deadline);
		return;
	}
	/*
	 * Without Sstc a timer of this pCPU raises VSTIP at the deadline; as
	 * with stimecmp, a new deadline lowers it (the guest cannot clear it).
	 */
	rv_vcpu_set_irq(v, HVIP_VSTIP, false);
	if (deadline == UINT64_MAX) {
		timer_cancel(&v->arch.vtimer);
	} else if (deadline <= timer_now()) {
		timer_cancel(&v->arch.vtimer);
		rv_vcpu_set_irq(v, HVIP_VSTIP, true);
	} else {
		timer_arm(&v->arch.vtimer, deadline);
	}
}

void rv_inject_exception(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	struct rv_guest_ctx *c = &v->arch.ctx;
	uint64_t old = csr_read(vsstatus);
	uint64_t vsstatus = old & ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);

	rv_vcpu_sync_status(v);
	if (c->hstatus & HSTATUS_SPVP)
		vsstatus |= SSTATUS_SPP;
	if (old & SSTATUS_SIE)
		vsstatus |= SSTATUS_SPIE;
	csr_write(vsstatus, vsstatus);
	csr_write(vsepc, c->sepc);
	csr_write(vscause, cause);
	csr_write(vstval, tval);
	/* Exceptions go to the vector's base, in direct and vectored mode alike. */
	c->sepc = csr_read(vstvec) & ~3ULL;
	c->sstatus |= SSTATUS_SPP;
	c->hstatus |= HSTATUS_SPVP;
}

void rv_guest_warn(struct vcpu *v, const char *what)
{
	const struct rv_exit *e = &v->arch.exit;

	if (v->arch.nr_bad_logged++ < BAD_LOG_LIMIT)
		pr_warn("vm %s vcpu %u: %s (scause %lu, sepc 0x%lx, stval 0x%lx, htval 0x%lx, "
		        "htinst 0x%lx)\n",
		        vm_name(v->vm), v->id, what, (uint64_t)(e->scause & ~SCAUSE_IRQ),
		        v->arch.ctx.sepc, e->stval, e->htval, e->htinst);
}

void rv_guest_error(struct vcpu *v, const char *what)
{
	rv_guest_warn(v, what);
	vm_poweroff(v->vm, what);
}

/* What other pCPUs posted for v, applied on its own pCPU with v loaded. */
static __attribute__((noinline)) void apply_posted(struct vcpu *v, uint32_t posted)
{
	uint64_t hvip;

	if (posted & RV_POST_START) {
		/* SBI HSM hart_start: this vCPU starts afresh where its starter said. */
		hart_reset_state(v, v->arch.start_pc, v->arch.start_opaque);
		vs_load(v);
		if (rv_board.fpu)
			rv_fp_load(&v->arch.fp);
		posted |= RV_FENCE_VMA | RV_FENCE_I; /* nothing of its previous life survives */
	}
	hvip = csr_read(hvip);
	if (posted & (RV_POST_IRQ | RV_POST_START))
		hvip = (hvip & ~(HVIP_VSTIP | HVIP_VSEIP)) |
		       __atomic_load_n(&v->arch.irq_level, __ATOMIC_SEQ_CST);
	if (posted & RV_POST_IPI)
		hvip |= HVIP_VSSIP;
	csr_write(hvip, hvip);
	if (posted & RV_FENCE_VMA)
		hfence_vvma_all();
	if (posted & RV_FENCE_I)
		__asm__ volatile("fence.i" ::: "memory");
}

/* SBI HSM hart_stop: v goes offline; the last hart stopping powers the VM off. */
void rv_vcpu_stop_self(struct vcpu *v)
{
	v->arch.stop_self = false;
	if (__atomic_load_n(&v->vm->vcpus_online, __ATOMIC_SEQ_CST) <= 1) {
		vm_poweroff(v->vm, "SBI HSM: the last hart stopped");
		return;
	}
	vcpu_set_state(v, VCPU_OFFLINE);
	vcpu_arch_stopped(v);
	vm_vcpu_stopped(v);
}

__hot void vcpu_arch_run_once(struct vcpu *v)
{
	struct rv_exit *e = &v->arch.exit;
	struct pcpu *p = rv_this_pcpu();

	if (v->requests & VCPU_REQ_EVENT)
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_EVENT, __ATOMIC_SEQ_CST);
	load(v);
	/*
	 * Posters check in_guest after posting: set it before looking at their
	 * posts, with one full fence between the store and the load (what they
	 * need; seq_cst on each would cost four).
	 */
	__atomic_store_n(&v->in_guest, true, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (unlikely(__atomic_load_n(&v->arch.posted, __ATOMIC_RELAXED)))
		apply_posted(v, __atomic_exchange_n(&v->arch.posted, 0, __ATOMIC_SEQ_CST));
	status_load(v, p);
	rv_guest_enter(&v->arch.ctx);
	__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
	v->arch.status_live = true;
	v->arch.live_host_traps = p->arch.host_traps;
	e->scause = csr_read(scause);
	v->nr_exits++;
	/* SBI calls, the most frequent exit, need nothing else: a tail call, which returns to core. */
	if (e->scause == EXC_ECALL_VS) {
		v->arch.ctx.sepc += 4;
		vsbi_handle(v);
		return;
	}
	if (e->scause & SCAUSE_IRQ) {
		/* A host interrupt (timer, IPI) is still pending: take it in HS now. */
		irq_enable();
		irq_disable();
		return;
	}
	e->htval = csr_read(htval);
	e->htinst = csr_read(htinst);
	/* A load or store on MMIO gets its address from the instruction (mmio.c). */
	if (e->scause != EXC_LOAD_GUEST_PF && e->scause != EXC_STORE_GUEST_PF)
		e->stval = csr_read(stval);
	switch (e->scause) {
	case EXC_INSN_GUEST_PF:
	case EXC_LOAD_GUEST_PF:
	case EXC_STORE_GUEST_PF:
		rv_guest_page_fault(v);
		break;
	case EXC_VIRTUAL_INSN:
		if (rv_wfi_exit(v))
			break;
		/* Hypervisor CSRs and instructions do not exist for the guest. */
		rv_guest_warn(v, "virtual instruction: illegal instruction injected");
		rv_inject_exception(v, EXC_ILLEGAL_INSN, e->stval);
		break;
	default:
		rv_guest_error(v, "unexpected exception");
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
