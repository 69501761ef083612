/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_RISCV_PCPU_H
#define ARCH_RISCV_PCPU_H

#include <hv/types.h>

struct vcpu;

struct pcpu_arch {
	volatile uint32_t
	        ipi_pending; /* BIT(enum ipi_kind) set by senders, cleared by the target */
	struct vcpu *loaded; /* whose VS state the H CSRs hold */
	uint64_t host_traps; /* traps taken in HS-mode: each clobbers sstatus.SPP, hstatus.SPV */
};

struct pcpu;

/* tp holds this hart's struct pcpu in the hypervisor: inline, for the exit path. */
static inline struct pcpu *rv_this_pcpu(void)
{
	struct pcpu *p;

	__asm__("mv %0, tp" : "=r"(p));
	return p;
}

#endif
