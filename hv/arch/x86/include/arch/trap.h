/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include <hv/types.h>

struct pcpu;

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Load the shared IDT and this pCPU's GDT and TSS. */
void trap_init_pcpu(struct pcpu *p);

#endif
