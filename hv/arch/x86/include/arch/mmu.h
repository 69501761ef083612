/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_X86_MMU_H
#define ARCH_X86_MMU_H

/* Replace the boot page tables by W^X tables built with the shared walker. */
void x86_mmu_init(void);

#endif
