/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_RISCV_GSTAGE_H
#define ARCH_RISCV_GSTAGE_H

#include <hv/pgtable.h>

extern const struct pgtable_fmt rv_gstage_fmt;

/* Flush every G-stage translation of this hart (all VMIDs). */
static inline void hfence_gvma_all(void)
{
	/* HFENCE.GVMA x0, x0, encoded: GCC 12's -march cannot name the H extension. */
	__asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory");
}

/* Flush the VS-stage translations of the VMID in hgatp (the loaded VM), all ASIDs. */
static inline void hfence_vvma_all(void)
{
	/* HFENCE.VVMA x0, x0 */
	__asm__ volatile(".insn r 0x73, 0, 0x11, x0, x0, x0" ::: "memory");
}

#endif
