/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupt injection in the ACRN v3.3 ABI: HC_SET_IRQLINE (a line of the
 * VM's virtual IOAPIC/PIC), HC_INJECT_MSI and the interrupt-storm monitor
 * HC_VM_INTR_MONITOR. Each takes the target (relative) VM id in parameter 1.
 */
#ifndef ACRN_IRQ_H
#define ACRN_IRQ_H

#include <stdint.h>

/* HC_SET_IRQLINE operations. */
#define GSI_SET_HIGH      0U
#define GSI_SET_LOW       1U
#define GSI_RAISING_PULSE 2U /* high, then low */
#define GSI_FALLING_PULSE 3U /* low, then high */

/*
 * HC_SET_IRQLINE passes this by value in parameter 2, not by address: the
 * hypervisor reads the register's bytes as the struct, so on the
 * little-endian ABI gsi is bits 31:0 and op bits 63:32.
 */
struct acrn_irqline_ops {
	uint32_t gsi;
	uint32_t op;
};

_Static_assert(sizeof(struct acrn_irqline_ops) == 8, "acrn_irqline_ops size");
_Static_assert(__builtin_offsetof(struct acrn_irqline_ops, gsi) == 0, "gsi");
_Static_assert(__builtin_offsetof(struct acrn_irqline_ops, op) == 4, "op");

#define ACRN_IRQLINE_PARAM(gsi, op) (((uint64_t)(uint32_t)(op) << 32) | (uint32_t)(gsi))
#define ACRN_IRQLINE_GSI(param)     ((uint32_t)(param))
#define ACRN_IRQLINE_OP(param)      ((uint32_t)((uint64_t)(param) >> 32))

/* HC_INJECT_MSI argument, by Service VM GPA in parameter 2. */
struct acrn_msi_entry {
	uint64_t msi_addr; /* bits 19:12: destination APIC id */
	uint64_t msi_data; /* bits 7:0: vector */
};

_Static_assert(sizeof(struct acrn_msi_entry) == 16, "acrn_msi_entry size");
_Static_assert(__builtin_offsetof(struct acrn_msi_entry, msi_addr) == 0, "msi_addr");
_Static_assert(__builtin_offsetof(struct acrn_msi_entry, msi_data) == 8, "msi_data");

/* HC_VM_INTR_MONITOR: a page at the Service VM GPA in parameter 2. */
#define ACRN_MAX_PTDEV_NUM 24U /* ACRN's MAX_PTDEV_NUM */
#define INTR_CMD_GET_DATA  0U  /* read the per-device interrupt counts */
#define INTR_CMD_DELAY_INT 1U  /* delay the storming interrupts */

struct acrn_intr_monitor {
	uint32_t cmd;     /* INTR_CMD_* */
	uint32_t buf_cnt; /* valid uint64_t entries in buffer */
	uint64_t buffer[ACRN_MAX_PTDEV_NUM * 2];
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct acrn_intr_monitor) == 392, "acrn_intr_monitor size");
_Static_assert(__builtin_offsetof(struct acrn_intr_monitor, cmd) == 0, "cmd");
_Static_assert(__builtin_offsetof(struct acrn_intr_monitor, buf_cnt) == 4, "buf_cnt");
_Static_assert(__builtin_offsetof(struct acrn_intr_monitor, buffer) == 8, "buffer");

#endif
