/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ARCH_RISCV_TRAP_H
#define ARCH_RISCV_TRAP_H

#include <arch/vcpu.h>
#include <hv/types.h>

/* A trap taken in HS-mode (entry.S builds it on the current stack). */
struct rv_trap_frame {
	uint64_t x[32]; /* x[0] unused; x[2] is sp before the trap */
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
};

void rv_trap(struct rv_trap_frame *f);
/* Enter the guest whose context is ctx; returns at its next trap to HS. */
void rv_guest_enter(struct rv_guest_ctx *ctx);
/* Park this hart for good (board off, shutdown IPI). */
void rv_park(void) __attribute__((noreturn));

#endif
