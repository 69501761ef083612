/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual I/O APIC (82093AA register model, version 0x20 EOI register).
 *
 * Each pin keeps its raw line level; "asserted" means the level after the
 * RTE polarity bit is applied. Edge pins deliver on an inactive->active
 * transition while unmasked (edges on masked pins are lost, as on the chip).
 * Level pins deliver while asserted, unmasked and without remote IRR; remote
 * IRR is cleared by the LAPIC EOI (or the EOI register), which re-delivers if
 * the line is still asserted. Unmasking an asserted level pin delivers too,
 * which is what guests that mask a pin while servicing it expect.
 */
#include <arch/vioapic.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/types.h>

#define ID_MASK           0x0F000000U
#define RTE_LOW_WRITABLE  0x0001AFFFULL /* vector, dm, dest mode, polarity, trigger, mask */
#define RTE_HIGH_WRITABLE 0xFF000000ULL /* destination */
#define RTE_LOW_HALF      0xFFFFFFFFULL

static bool asserted(const struct vioapic *io, unsigned pin)
{
	bool line = (io->line >> pin) & 1;

	return (io->rte[pin] & VIOAPIC_RTE_LOW) ? !line : line;
}

static void send(struct vioapic *io, unsigned pin)
{
	uint64_t rte = io->rte[pin];
	bool logical = (rte & VIOAPIC_RTE_LOGICAL) != 0;
	uint32_t dest = (uint32_t)(rte >> VIOAPIC_RTE_DEST_SHIFT);

	if (!logical && dest == 0xFF)
		dest = 0xFFFFFFFFU;
	if (io->ops && io->ops->deliver)
		io->ops->deliver(io->owner, dest, logical, (uint8_t)rte,
		                 (uint8_t)((rte >> VIOAPIC_RTE_DM_SHIFT) & 7),
		                 (rte & VIOAPIC_RTE_LEVEL) != 0);
}

/* Deliver a level pin if it is asserted and allowed to; sets remote IRR. */
static void level_check(struct vioapic *io, unsigned pin)
{
	uint64_t *rte = &io->rte[pin];

	if (!(*rte & VIOAPIC_RTE_LEVEL) || (*rte & (VIOAPIC_RTE_MASKED | VIOAPIC_RTE_RIRR)) ||
	    !asserted(io, pin))
		return;
	*rte |= VIOAPIC_RTE_RIRR;
	send(io, pin);
}

void vioapic_init(struct vioapic *io, uint8_t id, const struct vioapic_ops *ops, void *owner)
{
	memset(io, 0, sizeof(*io));
	io->ops = ops;
	io->owner = owner;
	io->id_reg = ((uint32_t)id << 24) & ID_MASK;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = VIOAPIC_RTE_MASKED;
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	was = asserted(io, pin);
	if (level)
		io->line |= 1U << pin;
	else
		io->line &= ~(1U << pin);

	if (io->rte[pin] & VIOAPIC_RTE_LEVEL)
		level_check(io, pin);
	else if (!was && asserted(io, pin) && !(io->rte[pin] & VIOAPIC_RTE_MASKED))
		send(io, pin);
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t *rte = &io->rte[pin];

		if ((uint8_t)*rte != vector || !(*rte & VIOAPIC_RTE_RIRR))
			continue;
		*rte &= ~VIOAPIC_RTE_RIRR;
		level_check(io, pin);
	}
}

static uint32_t read_reg(const struct vioapic *io, uint32_t index)
{
	unsigned pin;

	switch (index) {
	case VIOAPIC_REG_ID:
		return io->id_reg;
	case VIOAPIC_REG_VERSION:
		return VIOAPIC_VERSION;
	case VIOAPIC_REG_ARB:
		/* The arbitration id is loaded from the id; nothing else changes it here. */
		return io->id_reg;
	default:
		break;
	}
	if (index < VIOAPIC_REG_RTE0 || index >= VIOAPIC_REG_RTE0 + 2 * VIOAPIC_PINS)
		return 0;
	pin = (index - VIOAPIC_REG_RTE0) / 2;
	if (index & 1)
		return (uint32_t)(io->rte[pin] >> 32);
	return (uint32_t)io->rte[pin];
}

static void write_rte_low(struct vioapic *io, unsigned pin, uint32_t val)
{
	uint64_t old = io->rte[pin];
	uint64_t rte = (old & ~RTE_LOW_HALF) | (val & RTE_LOW_WRITABLE);

	/* Remote IRR is read-only and only meaningful for level pins. */
	if (rte & VIOAPIC_RTE_LEVEL)
		rte |= old & VIOAPIC_RTE_RIRR;
	io->rte[pin] = rte;
	/* Covers unmasking, and switching to level, while the line is asserted. */
	level_check(io, pin);
}

static void write_reg(struct vioapic *io, uint32_t index, uint32_t val)
{
	unsigned pin;

	if (index == VIOAPIC_REG_ID) {
		io->id_reg = val & ID_MASK;
		return;
	}
	/* Version and arbitration are read-only; unknown indices are ignored. */
	if (index < VIOAPIC_REG_RTE0 || index >= VIOAPIC_REG_RTE0 + 2 * VIOAPIC_PINS)
		return;
	pin = (index - VIOAPIC_REG_RTE0) / 2;
	if (index & 1)
		io->rte[pin] =
		        (io->rte[pin] & RTE_LOW_HALF) | ((uint64_t)(val & RTE_HIGH_WRITABLE) << 32);
	else
		write_rte_low(io, pin, val);
}

static bool valid_access(uint64_t offset, unsigned size)
{
	return offset < PAGE_SIZE && (size == 1 || size == 2 || size == 4 || size == 8);
}

int vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size, uint64_t *val)
{
	if (!val || !valid_access(offset, size))
		return -EINVAL;
	*val = 0;
	if (offset == VIOAPIC_IOREGSEL)
		*val = io->ioregsel;
	else if (offset == VIOAPIC_IOWIN && size == 4)
		*val = read_reg(io, io->ioregsel);
	/* Everything else, EOIR included (write-only), reads as 0. */
	return 0;
}

int vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint64_t val)
{
	if (!valid_access(offset, size))
		return -EINVAL;
	/* Only the low byte of IOREGSEL and EOIR matters, so any width is fine there. */
	if (offset == VIOAPIC_IOREGSEL)
		io->ioregsel = (uint8_t)val;
	else if (offset == VIOAPIC_IOWIN && size == 4)
		write_reg(io, io->ioregsel, (uint32_t)val);
	else if (offset == VIOAPIC_EOIR)
		vioapic_eoi(io, (uint8_t)val);
	return 0;
}
