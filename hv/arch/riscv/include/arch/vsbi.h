/* SPDX-License-Identifier: BSD-3-Clause */
/* The SBI the hypervisor offers its guests (VS-mode ecalls). */
#ifndef ARCH_RISCV_VSBI_H
#define ARCH_RISCV_VSBI_H

#include <acrn/hypercall.h>

struct vcpu;

/*
 * ACRN hypercalls through an SBI firmware-specific extension id: a6 =
 * hypercall id, a0/a1 = parameters; returns a0 = SBI error, a1 = result.
 */
#define VSBI_EXT_ACRN ACRN_SBI_EXT_HYPERCALL

/* Handle the ecall whose registers are in v's context; sepc is already past it. */
void vsbi_handle(struct vcpu *v);

#endif
