/* SPDX-License-Identifier: BSD-3-Clause */
/* The hypervisor's own SBI calls (HS-mode to the M-mode firmware). */
#include <arch/sbi.h>
#include <hv/errno.h>

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2)
{
	register unsigned long r0 __asm__("a0") = a0;
	register unsigned long r1 __asm__("a1") = a1;
	register unsigned long r2 __asm__("a2") = a2;
	register unsigned long r6 __asm__("a6") = fid;
	register unsigned long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r6), "r"(r7) : "memory");
	return (struct sbiret){ .error = (long)r0, .value = (long)r1 };
}

int sbi_errno(long error)
{
	switch (error) {
	case SBI_SUCCESS:
		return 0;
	case SBI_ERR_NOT_SUPPORTED:
		return -ENOTSUP;
	case SBI_ERR_INVALID_PARAM:
		return -EINVAL;
	case SBI_ERR_DENIED:
		return -EPERM;
	default:
		return -EIO;
	}
}

bool sbi_probe(unsigned long ext)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, ext, 0, 0);

	return r.error == SBI_SUCCESS && r.value != 0;
}

int sbi_hart_start(unsigned long hartid, paddr_t start, unsigned long opaque)
{
	return sbi_errno(sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start, opaque).error);
}

int sbi_send_ipi(unsigned long hartid)
{
	/* hart_mask bit 0 relative to hart_mask_base = hartid: exactly that hart. */
	return sbi_errno(sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0).error);
}

int sbi_set_timer(uint64_t deadline)
{
	return sbi_errno(sbi_call(SBI_EXT_TIME, 0, deadline, 0, 0).error);
}

void sbi_system_reset(unsigned long type, unsigned long reason)
{
	sbi_call(SBI_EXT_SRST, 0, type, reason, 0);
}
