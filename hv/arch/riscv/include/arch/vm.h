/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_RISCV_VM_H
#define ARCH_RISCV_VM_H

#include <arch/vplic.h>
#include <hv/spinlock.h>
#include <hv/types.h>

/* Where a RISC-V guest finds its devices (QEMU virt's addresses). */
#define RV_VM_UART_BASE 0x10000000ULL

struct vm_arch {
	uint64_t hgatp;            /* G-stage root, mode and VMID of this VM */
	uint64_t dt_gpa;           /* the generated device tree, in guest RAM */
	struct spinlock plic_lock; /* serializes the vPLIC */
	struct vplic plic;
	struct spinlock hsm_lock; /* SBI HSM: one hart_start at a time */
};

#endif
