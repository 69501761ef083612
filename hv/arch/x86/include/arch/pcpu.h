/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_X86_PCPU_H
#define ARCH_X86_PCPU_H

#include <hv/types.h>

struct vcpu;

struct pcpu_arch {
	struct x86_tss *tss;
	uint64_t *gdt;
	paddr_t host_save_pa;   /* SVM: VM_HSAVE_PA area */
	paddr_t host_vmcb_pa;   /* SVM: host state for VMSAVE/VMLOAD */
	struct vcpu *fpu_owner; /* whose extended state the registers hold */
};

#endif
