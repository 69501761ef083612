/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SBI for guests: BASE, the legacy console putchar (Linux 6.1's earlycon=sbi
 * uses it), DBCN, SRST, TIME (Sstc only) and ACRN hypercalls. HSM, IPI and
 * RFENCE answer "not supported" until guests can have several harts.
 */
#include <arch/board.h>
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
	case VSBI_EXT_ACRN:
		return true;
	case SBI_EXT_TIME:
		return rv_board.sstc;
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

static struct sbiret set_timer(struct vcpu *v, uint64_t deadline)
{
	if (!rv_board.sstc)
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	/* The vCPU is loaded while it exits: vstimecmp is the live register. */
	v->arch.vs.vstimecmp = deadline;
	__asm__ volatile("csrw 0x24D, %0" ::"r"(deadline) : "memory");
	return (struct sbiret){ 0, 0 };
}

void vsbi_handle(struct vcpu *v)
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
	case SBI_EXT_DBCN:
		r = dbcn(v, fid, a);
		break;
	case SBI_EXT_SRST:
		r = srst(v, fid, a);
		break;
	case SBI_EXT_TIME:
		r = fid == 0 ? set_timer(v, a[0]) : (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
		break;
	case VSBI_EXT_ACRN:
		/* Where x86 raises #UD for VMs without hypercalls, the extension is absent. */
		if (!hypercall_vm_allowed(v->vm))
			r = (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
		else
			r = (struct sbiret){ 0, (long)hypercall_dispatch(v, fid, a[0], a[1]) };
		break;
	default:
		r = (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
		break;
	}
	a[0] = (uint64_t)r.error;
	a[1] = (uint64_t)r.value;
}
