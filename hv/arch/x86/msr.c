/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSRs a guest may touch. Everything not listed injects #GP, as a CPU does
 * for an MSR it lacks; Linux probes with the *_safe accessors and copes.
 */
#include <arch/cpu.h>
#include <arch/x86_vcpu.h>
#include <hv/errno.h>
#include <hv/timer.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define MSR_IA32_PLATFORM_ID     0x17
#define MSR_IA32_FEATURE_CONTROL 0x3A
#define MSR_IA32_UCODE_REV       0x8B
#define MSR_MTRR_CAP             0xFE
#define MSR_MTRR_DEF_TYPE        0x2FF
#define MSR_TSC_AUX              0xC0000103

#define EFER_GUEST_BITS          (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* Each PAT entry must be a defined memory type: UC, WC, WT, WP, WB or UC-. */
static bool pat_valid(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (i * 8));

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

int x86_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	int err;

	if (vlapic_handles_msr(msr)) {
		x86_lapic_lock(v);
		err = vlapic_msr_read(&v->arch.vlapic, msr, val, timer_now());
		x86_lapic_unlock(v);
		return err;
	}
	switch (msr) {
	case MSR_EFER:
		*val = x86_vendor->get_efer(v);
		return 0;
	case MSR_IA32_TSC:
		*val = timer_now();
		return 0;
	case MSR_IA32_PAT:
		*val = x86_vendor->get_pat(v);
		return 0;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_UCODE_REV:
	case MSR_MTRR_CAP: /* no variable or fixed ranges: all RAM is write-back */
		*val = 0;
		return 0;
	case MSR_IA32_FEATURE_CONTROL:
		*val = BIT(0); /* locked, VMX off */
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = BIT(0) | BIT(11) | BIT(12); /* fast strings; no BTS, no PEBS */
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*val = v->arch.mtrr_def_type;
		return 0;
	default:
		return -EINVAL;
	}
}

int x86_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	int err;

	if (vlapic_handles_msr(msr)) {
		x86_lapic_lock(v);
		err = vlapic_msr_write(&v->arch.vlapic, msr, val, timer_now());
		x86_lapic_unlock(v);
		return err;
	}
	switch (msr) {
	case MSR_EFER:
		if (val & ~(uint64_t)EFER_GUEST_BITS)
			return -EINVAL;
		x86_vendor->set_efer(v, val);
		/*
		 * EFER changes only here (and LMA with CR0.PG, which the decode
		 * cache compares): dropping the cache lets a hit skip reading EFER.
		 */
		v->arch.dcache.insn.len = 0;
		return 0;
	case MSR_IA32_UCODE_REV:
	case MSR_IA32_MISC_ENABLE:
	case MSR_IA32_TSC: /* the TSC is shared with the host: writes are ignored */
		return 0;
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return -EINVAL;
		x86_vendor->set_pat(v, val);
		return 0;
	case MSR_MTRR_DEF_TYPE:
		if (val & ~0xCFFULL)
			return -EINVAL;
		v->arch.mtrr_def_type = val;
		return 0;
	default:
		return -EINVAL;
	}
}
