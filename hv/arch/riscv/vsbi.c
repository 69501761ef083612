/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SBI for guests: BASE, the legacy console putchar (Linux 6.1's earlycon=sbi
 * uses it), DBCN, SRST, TIME (vstimecmp with Sstc, else a hypervisor timer),
 * IPI, RFENCE, HSM and ACRN hypercalls. Guest hart ids are vCPU ids.
 */
#include <arch/board.h>
#include <arch/guest.h>
#include <arch/sbi.h>
#include <arch/vsbi.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/vm.h>

#define SBI_SPEC_VERSION_2_0 (2UL << 24)
/* Not an id registered with the SBI specification: reports "not OpenSBI". */
#define VSBI_IMPL_ID      0xACE
#define DBCN_MAX_PER_CALL 256

static bool ext_supported(unsigned long ext)
{
	switch (ext) {
	case SBI_EXT_BASE:
	case SBI_EXT_LEGACY_PUTCHAR:
	case SBI_EXT_DBCN:
	case SBI_EXT_SRST:
	case SBI_EXT_TIME:
	case SBI_EXT_IPI:
	case SBI_EXT_RFENCE:
	case SBI_EXT_HSM:
	case VSBI_EXT_ACRN:
		return true;
	default:
		return false;
	}
}

static struct sbiret base(unsigned long fid, unsigned long a0)
{
	switch (fid) {
	case SBI_BASE_GET_SPEC_VERSION:
		return (struct sbiret){ 0, (long)SBI_SPEC_VERSION_2_0 };
	case SBI_BASE_GET_IMPL_ID:
		return (struct sbiret){ 0, VSBI_IMPL_ID };
	case SBI_BASE_GET_IMPL_VERSION:
		return (struct sbiret){ 0, 1 };
	case SBI_BASE_PROBE_EXT:
		return (struct sbiret){ 0, ext_supported(a0) };
	case SBI_BASE_GET_MVENDORID:
	case SBI_BASE_GET_MARCHID:
	case SBI_BASE_GET_MIMPID:
		return (struct sbiret){ 0, 0 };
	default:
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	}
}

static struct sbiret dbcn(struct vcpu *v, unsigned long fid, uint64_t *a)
{
	switch (fid) {
	case SBI_DBCN_WRITE: {
		/* a0 bytes at guest-physical a2:a1; a short write is allowed, so bound it. */
		uint64_t n = a[0] < DBCN_MAX_PER_CALL ? a[0] : DBCN_MAX_PER_CALL;
		const uint8_t *s = vm_gpa_to_hva(v->vm, a[1], n);

		/* On RV64, a2 holds address bits 64 and up: never anything but 0. */
		if (a[2] || !s)
			return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
		for (uint64_t i = 0; i < n; i++)
			vm_console_putc(v->vm, s[i]);
		return (struct sbiret){ 0, (long)n };
	}
	case SBI_DBCN_WRITE_BYTE:
		vm_console_putc(v->vm, (uint8_t)a[0]);
		return (struct sbiret){ 0, 0 };
	case SBI_DBCN_READ:
		return (struct sbiret){ 0, 0 }; /* no console input yet: nothing read */
	default:
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	}
}

static struct sbiret srst(struct vcpu *v, unsigned long fid, uint64_t *a)
{
	if (fid != 0 || a[1] > SBI_SRST_REASON_FAILURE)
		return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
	switch (a[0]) {
	case SBI_SRST_SHUTDOWN:
		vm_poweroff(v->vm, a[1] ? "SBI system reset: shutdown, failure"
		                        : "SBI system reset: shutdown");
		return (struct sbiret){ 0, 0 };
	case SBI_SRST_COLD_REBOOT:
	case SBI_SRST_WARM_REBOOT:
		vm_reset(v->vm, "SBI system reset: reboot");
		return (struct sbiret){ 0, 0 };
	default:
		return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
	}
}

/*
 * The vCPUs a (hart_mask, hart_mask_base) pair names, as a bitmap; base -1
 * means every hart. -1 (SBI_ERR_INVALID_PARAM to the guest) if it names a
 * hart the VM does not have.
 */
static long hart_targets(struct vm *vm, uint64_t mask, uint64_t base, uint32_t *out)
{
	uint32_t all = (uint32_t)(BIT(vm->nr_vcpus) - 1);

	if (base == UINT64_MAX) {
		*out = all;
		return 0;
	}
	if (base >= vm->nr_vcpus || (mask && (mask << base) >> base != mask) ||
	    (mask << base) & ~(uint64_t)all)
		return -1;
	*out = (uint32_t)(mask << base);
	return 0;
}

/* IPIs and fences cost an SBI call to other harts anyway: kept off the exit path's page. */
static __attribute__((noinline)) struct sbiret ipi(struct vcpu *v, unsigned long fid, uint64_t *a)
{
	uint32_t t;

	if (fid != 0)
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	if (hart_targets(v->vm, a[0], a[1], &t))
		return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
	for (unsigned i = 0; i < v->vm->nr_vcpus; i++) {
		if (t & BIT(i))
			rv_vcpu_send_ipi(&v->vm->vcpus[i]);
	}
	return (struct sbiret){ 0, 0 };
}

static __attribute__((noinline)) struct sbiret rfence(struct vcpu *v, unsigned long fid,
                                                      uint64_t *a)
{
	uint32_t fences, t;

	switch (fid) {
	case SBI_RFENCE_FENCE_I:
		fences = RV_FENCE_I;
		break;
	case SBI_RFENCE_SFENCE_VMA:
	case SBI_RFENCE_SFENCE_VMA_ASID:
		fences = RV_FENCE_VMA; /* the whole VS stage of the VM: a superset of any range */
		break;
	default:
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 }; /* HFENCE: guests have no H */
	}
	if (hart_targets(v->vm, a[0], a[1], &t))
		return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
	for (unsigned i = 0; i < v->vm->nr_vcpus; i++) {
		if (t & BIT(i))
			rv_vcpu_remote_fence(&v->vm->vcpus[i], fences);
	}
	return (struct sbiret){ 0, 0 };
}

static struct sbiret hart_start(struct vcpu *v, uint64_t hartid, uint64_t pc, uint64_t opaque)
{
	struct vm *vm = v->vm;
	struct vcpu *t;
	long err = 0;

	if (hartid >= vm->nr_vcpus)
		return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
	if ((pc & 1) || !vm_gpa_to_hva(vm, pc, 2))
		return (struct sbiret){ SBI_ERR_INVALID_ADDRESS, 0 };
	t = &vm->vcpus[hartid];
	spin_lock(&vm->arch.hsm_lock);
	if (t->state != VCPU_OFFLINE) {
		err = SBI_ERR_ALREADY_AVAILABLE;
	} else {
		/* Applied by t's own pCPU before it first enters (vcpu.c). */
		t->arch.start_pc = pc;
		t->arch.start_opaque = opaque;
		__atomic_or_fetch(&t->arch.posted, RV_POST_START, __ATOMIC_SEQ_CST);
		if (vm_vcpu_online(t))
			err = SBI_ERR_FAILED; /* the VM is stopping */
	}
	spin_unlock(&vm->arch.hsm_lock);
	return (struct sbiret){ err, 0 };
}

static struct sbiret hsm(struct vcpu *v, unsigned long fid, uint64_t *a)
{
	switch (fid) {
	case SBI_HSM_HART_START:
		return hart_start(v, a[0], a[1], a[2]);
	case SBI_HSM_HART_STOP:
		v->arch.stop_self = true; /* after this exit; the call does not return */
		return (struct sbiret){ 0, 0 };
	case SBI_HSM_HART_STATUS:
		if (a[0] >= v->vm->nr_vcpus)
			return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
		return (struct sbiret){ 0, v->vm->vcpus[a[0]].state == VCPU_OFFLINE
			                           ? SBI_HSM_STATE_STOPPED
			                           : SBI_HSM_STATE_STARTED };
	default:
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 }; /* no hart_suspend */
	}
}

/*
 * Extensions a running guest calls rarely or that do much work per call:
 * out of the exit path's page (vsbi_handle stays small).
 */
static __attribute__((noinline, cold)) struct sbiret other_ext(struct vcpu *v, unsigned long ext,
                                                               unsigned long fid, uint64_t *a)
{
	switch (ext) {
	case SBI_EXT_DBCN:
		return dbcn(v, fid, a);
	case SBI_EXT_SRST:
		return srst(v, fid, a);
	case SBI_EXT_HSM:
		return hsm(v, fid, a);
	case VSBI_EXT_ACRN:
		/* Where x86 raises #UD for VMs without hypercalls, the extension is absent. */
		if (!hypercall_vm_allowed(v->vm))
			return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
		return (struct sbiret){ 0, (long)hypercall_dispatch(v, fid, a[0], a[1]) };
	default:
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	}
}

static struct sbiret timer(struct vcpu *v, unsigned long fid, uint64_t deadline)
{
	if (fid != 0)
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	rv_vcpu_set_timer(v, deadline);
	return (struct sbiret){ 0, 0 };
}

/* What a running Linux calls (timer without Sstc, IPIs, fences, console) inline. */
__hot void vsbi_handle(struct vcpu *v)
{
	uint64_t *a = &v->arch.ctx.x[10]; /* a0..a7 */
	unsigned long ext = a[7], fid = a[6];
	struct sbiret r;

	switch (ext) {
	case SBI_EXT_LEGACY_PUTCHAR:
		vm_console_putc(v->vm, (uint8_t)a[0]);
		a[0] = 0; /* legacy calls return one value */
		return;
	case SBI_EXT_BASE:
		r = base(fid, a[0]);
		break;
	case SBI_EXT_TIME:
		r = timer(v, fid, a[0]);
		break;
	case SBI_EXT_IPI:
		r = ipi(v, fid, a);
		break;
	case SBI_EXT_RFENCE:
		r = rfence(v, fid, a);
		break;
	default:
		r = other_ext(v, ext, fid, a);
		break;
	}
	a[0] = (uint64_t)r.error;
	a[1] = (uint64_t)r.value;
	if (unlikely(v->arch.stop_self))
		rv_vcpu_stop_self(v);
}
