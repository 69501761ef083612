/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vendor-neutral x86 vCPU: vLAPIC glue (timer, IPIs, INIT/SIPI),
 * interrupt injection before each entry, extended FPU state switching, and
 * the arch hooks core calls.
 */
#include <acrn/vm.h>
#include <arch/cpu.h>
#include <arch/x86_vcpu.h>
#include <hv/errno.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define XCR0_X87 BIT(0)

void x86_lapic_lock(struct vcpu *v)
{
	spin_lock(&v->arch.lapic_lock);
}

static void deliver_ipi(struct vcpu *src, const struct vlapic_ipi *ipi);

void x86_lapic_unlock(struct vcpu *v)
{
	struct lapic_deferred d;

	/* The common case on the exit path: nothing was deferred. */
	if (!v->arch.deferred.kick && !v->arch.deferred.ipi_valid && !v->arch.deferred.nr_eoi) {
		spin_unlock(&v->arch.lapic_lock);
		return;
	}
	d = v->arch.deferred;
	v->arch.deferred = (struct lapic_deferred){ 0 };
	spin_unlock(&v->arch.lapic_lock);
	if (d.ipi_valid)
		deliver_ipi(v, &d.ipi);
	for (unsigned i = 0; i < d.nr_eoi; i++) {
		spin_lock(&v->vm->arch.ioapic_lock);
		vioapic_eoi(&v->vm->arch.vioapic, d.eoi[i]);
		spin_unlock(&v->vm->arch.ioapic_lock);
	}
	if (d.kick)
		vcpu_kick(v);
}

static void lapic_timer_arm(void *owner, uint64_t deadline)
{
	struct vcpu *v = owner;

	/* vLAPIC registers are written by the vCPU itself, so this runs on its pCPU. */
	if (deadline)
		timer_arm(&v->arch.lapic_timer, deadline);
	else
		timer_cancel(&v->arch.lapic_timer);
}

static void lapic_send_ipi(void *owner, const struct vlapic_ipi *ipi)
{
	struct vcpu *v = owner;

	v->arch.deferred.ipi = *ipi;
	v->arch.deferred.ipi_valid = true;
}

static void lapic_eoi_level(void *owner, uint8_t vector)
{
	struct vcpu *v = owner;

	if (v->arch.deferred.nr_eoi < ARRAY_SIZE(v->arch.deferred.eoi))
		v->arch.deferred.eoi[v->arch.deferred.nr_eoi++] = vector;
}

static void lapic_kick(void *owner)
{
	struct vcpu *v = owner;

	v->arch.deferred.kick = true;
}

static const struct vlapic_ops lapic_ops = {
	.timer_arm = lapic_timer_arm,
	.send_ipi = lapic_send_ipi,
	.eoi_level = lapic_eoi_level,
	.kick = lapic_kick,
};

static void lapic_timer_fired(struct timer *t)
{
	struct vcpu *v = container_of(t, struct vcpu, arch.lapic_timer);

	x86_lapic_lock(v);
	vlapic_timer_expired(&v->arch.vlapic, timer_now());
	x86_lapic_unlock(v);
}

static void accept_fixed(struct vcpu *t, uint8_t vector, bool level)
{
	x86_lapic_lock(t);
	vlapic_accept_irq(&t->arch.vlapic, vector, level);
	x86_lapic_unlock(t);
}

static void start_ap(struct vcpu *t, uint8_t page)
{
	struct x86_entry_state e = { .cs_selector = (uint16_t)(page << 8),
		                     .cs_base = (uint64_t)page << 12 };

	/*
	 * Only an AP waiting after INIT may start; the target is not running.
	 * A paused vCPU is offline too, but only until its resume.
	 */
	if (t->state != VCPU_OFFLINE || t->paused || !t->arch.wait_for_sipi)
		return;
	t->arch.wait_for_sipi = false;
	/* A new start: the decode cache relies on seeing every EFER change (msr.c). */
	t->arch.dcache.insn.len = 0;
	x86_vendor->vcpu_reset(t, &e);
	if (vm_vcpu_online(t))
		t->arch.wait_for_sipi = true;
}

static void deliver_one(struct vcpu *t, uint8_t mode, uint8_t vector, bool level)
{
	switch (mode) {
	case VLAPIC_DM_FIXED:
	case VLAPIC_DM_LOWEST:
		accept_fixed(t, vector, level);
		break;
	case VLAPIC_DM_NMI:
		t->arch.nmi_pending = true;
		vcpu_request(t, VCPU_REQ_EVENT);
		break;
	case VLAPIC_DM_INIT:
		/* INIT of a running vCPU (re-init) is not supported: keep it running. */
		if (t->state == VCPU_OFFLINE && !t->paused)
			t->arch.wait_for_sipi = true;
		break;
	case VLAPIC_DM_SIPI:
		start_ap(t, vector);
		break;
	default:
		break; /* SMI, ExtINT, INIT de-assert: nothing to do */
	}
}

void x86_deliver_msi(struct vm *vm, uint32_t dest, bool logical, uint8_t vector, uint8_t mode,
                     bool level, const struct vcpu *self)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];

		if (t == self || !vlapic_match_dest(&t->arch.vlapic, dest, logical))
			continue;
		deliver_one(t, mode, vector, level);
		/* Lowest priority: one target is enough (the first, like a fixed arbitration). */
		if (mode == VLAPIC_DM_LOWEST)
			break;
	}
}

static void deliver_ipi(struct vcpu *src, const struct vlapic_ipi *ipi)
{
	struct vm *vm = src->vm;

	switch (ipi->shorthand) {
	case VLAPIC_SH_SELF:
		deliver_one(src, ipi->delivery_mode, ipi->vector, ipi->level_trigger);
		break;
	case VLAPIC_SH_ALL_INCL:
	case VLAPIC_SH_ALL_EXCL:
		for (unsigned i = 0; i < vm->nr_vcpus; i++) {
			if (ipi->shorthand == VLAPIC_SH_ALL_EXCL && &vm->vcpus[i] == src)
				continue;
			deliver_one(&vm->vcpus[i], ipi->delivery_mode, ipi->vector,
			            ipi->level_trigger);
		}
		break;
	default:
		if (vlapic_match_dest(&src->arch.vlapic, ipi->dest, ipi->logical))
			deliver_one(src, ipi->delivery_mode, ipi->vector, ipi->level_trigger);
		x86_deliver_msi(vm, ipi->dest, ipi->logical, ipi->vector, ipi->delivery_mode,
		                ipi->level_trigger, src);
		break;
	}
}

int vcpu_arch_init(struct vcpu *v)
{
	/* Per VM slot and vCPU: a post-launched slot created again reuses its page. */
	static uint8_t *xsave_pages[MAX_VMS][SCENARIO_MAX_VCPUS];
	uint8_t **xs = &xsave_pages[v->vm->id][v->id];

	v->arch.lapic_lock = (struct spinlock)SPINLOCK_INIT;
	timer_init(&v->arch.lapic_timer, lapic_timer_fired);
	if (!*xs)
		*xs = page_alloc_zeroed();
	v->arch.xsave_area = *xs;
	if (!v->arch.xsave_area)
		return -ENOMEM;
	return x86_vendor->vcpu_init(v);
}

int vcpu_arch_set_regs(struct vcpu *v, const struct acrn_regs *r)
{
	struct x86_entry_state e;
	int err = x86_entry_from_regs(r, &e);

	/* Only the BSP's state is used: APs start by INIT/SIPI, as in ACRN. */
	if (!err && v->id == 0)
		v->arch.entry = e;
	return err;
}

void vcpu_arch_reset(struct vcpu *v)
{
	vlapic_init(&v->arch.vlapic, v->id, v->id == 0, tsc_khz, &lapic_ops, v);
	memset(v->arch.xsave_area, 0, PAGE_SIZE);
	v->arch.xcr0 = XCR0_X87;
	v->arch.fpu_saved = false;
	v->arch.nmi_pending = false;
	v->arch.irq_window = false;
	v->arch.dcache.insn.len = 0;
	v->arch.mtrr_def_type = 0xC06; /* MTRRs enabled, default write-back */
	v->arch.deferred = (struct lapic_deferred){ 0 };
	if (v->id == 0) {
		v->arch.wait_for_sipi = false;
		x86_vendor->vcpu_reset(v, &v->arch.entry);
		if (v->arch.entry.all_gprs) {
			memcpy(v->arch.regs.gpr, v->arch.entry.gpr, sizeof(v->arch.entry.gpr));
			v->arch.regs.rflags = v->arch.entry.rflags | BIT(1);
		}
	} else {
		/* APs sit in wait-for-SIPI, as after a hardware reset. */
		v->arch.wait_for_sipi = true;
	}
	v->state = VCPU_OFFLINE;
}

/* Save the registers' extended state into old's area; XCR0 is left at its maximum. */
static void fpu_save(struct vcpu *old)
{
	if (x86_features.xsave) {
		old->arch.xcr0 = xgetbv(0);
		xsetbv(0, x86_features.xcr0_max);
		__asm__ volatile("xsave64 (%0)"
		                 :
		                 : "r"(old->arch.xsave_area), "a"(-1), "d"(-1)
		                 : "memory");
	} else {
		__asm__ volatile("fxsave64 (%0)" : : "r"(old->arch.xsave_area) : "memory");
		old->arch.fpu_saved = true;
	}
}

void vcpu_arch_stopped(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	/* The vLAPIC keeps its deadline: vcpu_arch_resume arms the timer again. */
	timer_cancel(&v->arch.lapic_timer);
	/*
	 * Lazily switched: the registers may still hold v's FPU state, which
	 * the next owner would not save (it found no owner). A resumed vCPU
	 * must find it in its area.
	 */
	if (p->arch.fpu_owner == v) {
		fpu_save(v);
		p->arch.fpu_owner = NULL;
	}
}

/*
 * The guest's TSC ran on while it was paused (no offset), so the vLAPIC's
 * absolute deadline still means what the guest programmed: a timer due
 * meanwhile fires now (periodic ones coalesce), a later one is armed for
 * its deadline. Shifting deadlines by the pause would contradict the
 * TSC-deadline MSR the guest reads back.
 */
void vcpu_arch_resume(struct vcpu *v)
{
	lapic_timer_fired(&v->arch.lapic_timer);
}

bool vcpu_arch_has_pending_irq(struct vcpu *v)
{
	bool pending;

	if (v->arch.nmi_pending)
		return true;
	/* A maskable interrupt ends HLT only when the guest enabled interrupts. */
	if (!(v->arch.regs.rflags & RFLAGS_IF))
		return false;
	spin_lock(&v->arch.lapic_lock);
	pending = vlapic_pending_vector(&v->arch.vlapic) >= 0;
	spin_unlock(&v->arch.lapic_lock);
	return pending;
}

/* Out of line: most entries have nothing to inject (see inject_pending). */
__attribute__((noinline)) static void inject_events(struct vcpu *v)
{
	bool blocked = false;
	int vec;

	if (v->arch.nmi_pending && !x86_vendor->event_pending(v)) {
		v->arch.nmi_pending = false;
		x86_vendor->inject_nmi(v);
	}
	/*
	 * Lock-free peek first: most exits have nothing to inject. An interrupt
	 * accepted after the peek kicks this vCPU, so it is never lost.
	 */
	if (vlapic_pending_vector(&v->arch.vlapic) < 0) {
		if (v->arch.irq_window) {
			v->arch.irq_window = false;
			v->arch.dcache.insn.len = 0;
			x86_vendor->request_irq_window(v, false);
		}
		return;
	}
	x86_lapic_lock(v);
	vec = vlapic_pending_vector(&v->arch.vlapic);
	if (vec >= 0) {
		blocked = !x86_vendor->irq_allowed(v);
		if (!blocked)
			vlapic_ack(&v->arch.vlapic, (uint8_t)vec);
	}
	x86_lapic_unlock(v);
	if (vec >= 0 && !blocked)
		x86_vendor->inject_irq(v, (uint8_t)vec);
	/* Blocked by IF or a shadow: exit as soon as the guest can take it. */
	v->arch.irq_window = blocked;
	x86_vendor->request_irq_window(v, blocked);
}

__hot static inline void inject_pending(struct vcpu *v)
{
	/* The common case: nothing to inject and no window to close. */
	if (unlikely(v->arch.nmi_pending || v->arch.irq_window ||
	             !vlapic_irr_empty(&v->arch.vlapic)))
		inject_events(v);
}

/* Give the registers v's extended FPU state (see switch_fpu). */
__attribute__((noinline)) static void load_fpu(struct pcpu *p, struct vcpu *v)
{
	struct vcpu *old = p->arch.fpu_owner;

	if (old)
		fpu_save(old);
	if (x86_features.xsave) {
		if (!old)
			xsetbv(0, x86_features.xcr0_max);
		__asm__ volatile("xrstor64 (%0)"
		                 :
		                 : "r"(v->arch.xsave_area), "a"(-1), "d"(-1)
		                 : "memory");
		xsetbv(0, v->arch.xcr0);
	} else {
		if (v->arch.fpu_saved) {
			__asm__ volatile("fxrstor64 (%0)" : : "r"(v->arch.xsave_area) : "memory");
		} else {
			uint32_t mxcsr = 0x1F80;

			__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
		}
	}
	p->arch.fpu_owner = v;
}

/*
 * Extended FPU state belongs to whichever vCPU last ran on this pCPU: no
 * XSAVE/XRSTOR while one vCPU keeps its pCPU, as on every exit of a
 * partitioned VM.
 */
__hot static inline void switch_fpu(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();

	if (unlikely(p->arch.fpu_owner != v))
		load_fpu(p, v);
}

/* The answer to v's ioreq came: finish the instruction here, on v's pCPU. */
static bool ioreq_pending(struct vcpu *v)
{
	uint64_t value;

	if (!ioreq_ready(v)) {
		/* Polling mode (a sleeping vCPU does not get here): let others on this pCPU run. */
		cpu_relax();
		if (sched_nr_runnable(&this_pcpu()->rq) > 1)
			this_pcpu()->need_resched = true;
		return true;
	}
	if (!ioreq_finish(v, &value))
		x86_ioreq_complete(v, value);
	/* Finishing may need another round trip (read-modify-write, REP). */
	return v->ioreq.pending || v->state != VCPU_RUNNING;
}

/* The arch's requests, both rare: one test of the word covers them on the fast path. */
__attribute__((noinline)) static void take_requests(struct vcpu *v)
{
	if (v->requests & VCPU_REQ_FLUSH) {
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_FLUSH, __ATOMIC_SEQ_CST);
		x86_vendor->flush_stage2(v);
	}
	if (v->requests & VCPU_REQ_EVENT)
		__atomic_and_fetch(&v->requests, ~VCPU_REQ_EVENT, __ATOMIC_SEQ_CST);
}

__hot void vcpu_arch_run_once(struct vcpu *v)
{
	struct x86_exit exit;

	if (unlikely(v->ioreq.pending) && ioreq_pending(v))
		return;
	if (unlikely(v->requests & (VCPU_REQ_FLUSH | VCPU_REQ_EVENT)))
		take_requests(v);
	switch_fpu(v);
	inject_pending(v);
	x86_vendor->run(v, &exit);
	v->nr_exits++;
	x86_handle_exit(v, &exit);
}
