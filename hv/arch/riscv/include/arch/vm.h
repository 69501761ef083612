/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_RISCV_VM_H
#define ARCH_RISCV_VM_H

#include <hv/types.h>

struct vm_arch {
	uint64_t hgatp;  /* G-stage root, mode and VMID of this VM */
	bool irq_warned; /* an interrupt line was raised with no interrupt controller */
};

#endif
