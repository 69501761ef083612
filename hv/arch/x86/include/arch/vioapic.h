/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual I/O APIC modelled on the 82093AA: 24 pins, version 0x20 (with the
 * EOI register at offset 0x40). A pure state machine: the VM layer feeds it
 * MMIO accesses, line levels and LAPIC EOIs, and it delivers interrupts
 * through struct vioapic_ops.
 *
 * Concurrency: no locking inside; the caller serializes every call on one
 * struct vioapic. deliver is called from inside vioapic_set_irq,
 * vioapic_mmio_write and vioapic_eoi, after the state is updated; it must
 * not call back into the same vioapic.
 */
#ifndef ARCH_VIOAPIC_H
#define ARCH_VIOAPIC_H

#include <hv/types.h>

#define VIOAPIC_PINS    24
#define VIOAPIC_VERSION 0x00170020U /* max redirection entry 23, version 0x20 */

/* MMIO offsets within the 4 KiB page */
#define VIOAPIC_IOREGSEL 0x00U
#define VIOAPIC_IOWIN    0x10U
#define VIOAPIC_EOIR     0x40U

/* Indirect register indices */
#define VIOAPIC_REG_ID      0x00U
#define VIOAPIC_REG_VERSION 0x01U
#define VIOAPIC_REG_ARB     0x02U
#define VIOAPIC_REG_RTE0    0x10U /* pin n: low half 0x10 + 2n, high half 0x11 + 2n */

/* Redirection table entry bits */
#define VIOAPIC_RTE_DM_SHIFT   8
#define VIOAPIC_RTE_LOGICAL    BIT(11)
#define VIOAPIC_RTE_DELIVS     BIT(12)
#define VIOAPIC_RTE_LOW        BIT(13) /* polarity: active low */
#define VIOAPIC_RTE_RIRR       BIT(14) /* remote IRR (level pins) */
#define VIOAPIC_RTE_LEVEL      BIT(15)
#define VIOAPIC_RTE_MASKED     BIT(16)
#define VIOAPIC_RTE_DEST_SHIFT 56

struct vioapic_ops {
	/*
	 * Send an interrupt message. dest is the 8-bit RTE destination, except
	 * that physical 0xFF (the xAPIC broadcast) arrives as 0xFFFFFFFF so it
	 * can go straight to vlapic_match_dest(). A logical dest is an 8-bit
	 * flat bitmap, which vlapic_match_dest() reads as x2APIC cluster 0,
	 * i.e. APIC ids 0-7. delivery_mode is the raw 3-bit RTE field
	 * (enum vlapic_dm values; 7 = ExtINT). level = level-triggered.
	 */
	void (*deliver)(void *owner, uint32_t dest, bool logical, uint8_t vector,
	                uint8_t delivery_mode, bool level);
};

/* Embedded by the caller; all fields are private to vioapic.c. */
struct vioapic {
	const struct vioapic_ops *ops;
	void *owner;
	uint32_t id_reg;   /* ID register, id in bits 27:24 */
	uint32_t ioregsel; /* last IOREGSEL write */
	uint32_t line;     /* bitmap of raw input line levels (before polarity) */
	uint64_t rte[VIOAPIC_PINS];
};

/* Reset state: every pin masked, edge, active high, all lines low. */
void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_ops *ops, void *owner);
/*
 * offset is within the 4 KiB page, size 1/2/4/8. Guest accesses that make no
 * sense (wrong width, unknown offset or index) read 0 or are dropped and
 * still return 0; -EINVAL only for caller bugs (offset >= 4 KiB, bad size).
 */
int vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size, uint64_t *val);
int vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint64_t val);
/* Raw line level of a pin; edge pins fire on an inactive->active transition. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);
/* LAPIC EOI of a level-triggered vector: clear remote IRR, re-deliver if still asserted. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
