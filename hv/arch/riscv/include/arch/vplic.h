/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A virtual PLIC with QEMU virt's register layout (riscv,plic0): source
 * priorities, pending bits, per-context enables, thresholds and
 * claim/complete. Context 2h is hart h's M-mode, 2h + 1 its S-mode; guests
 * use their S contexts, and each S context's output drives that vCPU's
 * VS external interrupt. Sources are level-triggered.
 *
 * Pure device logic: the caller serializes calls and maps the registers;
 * notify(owner, hart, level) is called when an S context's output changes.
 */
#ifndef ARCH_RISCV_VPLIC_H
#define ARCH_RISCV_VPLIC_H

#include <hv/types.h>

#define VPLIC_BASE        0x0c000000ULL
#define VPLIC_SIZE        0x600000ULL
#define VPLIC_NR_SOURCES  96 /* source 0 does not exist: riscv,ndev = 95 */
#define VPLIC_MAX_HARTS   8
#define VPLIC_NR_CONTEXTS (2 * VPLIC_MAX_HARTS)
#define VPLIC_WORDS       (VPLIC_NR_SOURCES / 32)

#define VPLIC_PRIORITY    0x000000
#define VPLIC_PENDING     0x001000
#define VPLIC_ENABLE      0x002000 /* + 0x80 per context */
#define VPLIC_CONTEXT     0x200000 /* + 0x1000 per context: threshold, claim/complete */
#define VPLIC_MAX_PRIO    7

struct vplic {
	void (*notify)(void *owner, unsigned hart, bool level);
	void *owner;
	unsigned nr_harts;
	uint32_t priority[VPLIC_NR_SOURCES];
	uint32_t level[VPLIC_WORDS];   /* input lines */
	uint32_t pending[VPLIC_WORDS]; /* gateway forwarded, not yet claimed */
	uint32_t claimed[VPLIC_WORDS]; /* claimed, not yet completed */
	uint32_t enable[VPLIC_NR_CONTEXTS][VPLIC_WORDS];
	uint32_t threshold[VPLIC_NR_CONTEXTS];
	bool out[VPLIC_NR_CONTEXTS];
};

void vplic_init(struct vplic *p, unsigned nr_harts,
                void (*notify)(void *owner, unsigned hart, bool level), void *owner);
/* Back to reset state; outputs that were high are lowered through notify. */
void vplic_reset(struct vplic *p);
void vplic_set_line(struct vplic *p, unsigned source, bool level);
/* 32-bit registers only: -EINVAL for other widths, misalignment or holes. */
int vplic_read(struct vplic *p, uint64_t offset, unsigned width, uint64_t *val);
int vplic_write(struct vplic *p, uint64_t offset, unsigned width, uint64_t val);

#endif
