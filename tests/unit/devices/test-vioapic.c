/* SPDX-License-Identifier: BSD-3-Clause */
/* vIOAPIC unit tests: registers, edge/level/remote IRR, masking, polarity, EOI. */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <arch/vioapic.h>
#include <hv/errno.h>

#include <glib.h>
#include <string.h>

struct delivery {
	uint32_t dest;
	bool logical;
	uint8_t vector;
	uint8_t dm;
	bool level;
};

struct fake {
	struct vioapic io;
	unsigned n;
	struct delivery d[16];
};

static void f_deliver(void *owner, uint32_t dest, bool logical, uint8_t vector, uint8_t dm,
                      bool level)
{
	struct fake *f = owner;

	if (f->n < G_N_ELEMENTS(f->d))
		f->d[f->n] = (struct delivery){ dest, logical, vector, dm, level };
	f->n++;
}

static const struct vioapic_ops fake_ops = { .deliver = f_deliver };

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	vioapic_init(&f->io, 4, &fake_ops, f);
}

static uint32_t reg_read(struct fake *f, uint32_t index)
{
	uint64_t val = 0xdead;

	g_assert_cmpint(vioapic_mmio_write(&f->io, VIOAPIC_IOREGSEL, 4, index), ==, 0);
	g_assert_cmpint(vioapic_mmio_read(&f->io, VIOAPIC_IOWIN, 4, &val), ==, 0);
	g_assert_cmphex(val >> 32, ==, 0);
	return (uint32_t)val;
}

static void reg_write(struct fake *f, uint32_t index, uint32_t val)
{
	g_assert_cmpint(vioapic_mmio_write(&f->io, VIOAPIC_IOREGSEL, 4, index), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&f->io, VIOAPIC_IOWIN, 4, val), ==, 0);
}

/* Program a pin the way Linux's ioapic_write_entry does: high half first. */
static void set_rte(struct fake *f, unsigned pin, uint64_t rte)
{
	reg_write(f, VIOAPIC_REG_RTE0 + 2 * pin + 1, (uint32_t)(rte >> 32));
	reg_write(f, VIOAPIC_REG_RTE0 + 2 * pin, (uint32_t)rte);
}

static uint64_t get_rte(struct fake *f, unsigned pin)
{
	return (uint64_t)reg_read(f, VIOAPIC_REG_RTE0 + 2 * pin + 1) << 32 |
	       reg_read(f, VIOAPIC_REG_RTE0 + 2 * pin);
}

static uint64_t mmio_rd(struct fake *f, uint64_t off, unsigned size)
{
	uint64_t val = 0xdead;

	g_assert_cmpint(vioapic_mmio_read(&f->io, off, size, &val), ==, 0);
	return val;
}

static void eoir(struct fake *f, uint8_t vector)
{
	g_assert_cmpint(vioapic_mmio_write(&f->io, VIOAPIC_EOIR, 4, vector), ==, 0);
}

#define DEST(x) ((uint64_t)(x) << 56)

static void test_registers(void)
{
	struct fake f;

	fake_init(&f);
	g_assert_cmphex(reg_read(&f, VIOAPIC_REG_ID), ==, 4U << 24);
	g_assert_cmphex(reg_read(&f, VIOAPIC_REG_VERSION), ==, 0x00170020);
	g_assert_cmphex(reg_read(&f, VIOAPIC_REG_ARB), ==, 4U << 24);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		g_assert_cmphex(get_rte(&f, pin), ==, VIOAPIC_RTE_MASKED);

	/* ID: only bits 27:24 stick. Version and arbitration are read-only. */
	reg_write(&f, VIOAPIC_REG_ID, 0xFFFFFFFF);
	g_assert_cmphex(reg_read(&f, VIOAPIC_REG_ID), ==, 0x0F000000);
	reg_write(&f, VIOAPIC_REG_ID, 2U << 24);
	g_assert_cmphex(reg_read(&f, VIOAPIC_REG_ID), ==, 2U << 24);
	reg_write(&f, VIOAPIC_REG_VERSION, 0);
	g_assert_cmphex(reg_read(&f, VIOAPIC_REG_VERSION), ==, 0x00170020);
	reg_write(&f, VIOAPIC_REG_ARB, 0);
	g_assert_cmphex(reg_read(&f, VIOAPIC_REG_ARB), ==, 2U << 24);

	/* IOREGSEL reads back (8 bits). */
	g_assert_cmpint(vioapic_mmio_write(&f.io, VIOAPIC_IOREGSEL, 4, 0x1234), ==, 0);
	g_assert_cmphex(mmio_rd(&f, VIOAPIC_IOREGSEL, 4), ==, 0x34);

	/* RTE halves; read-only and reserved bits do not stick. */
	set_rte(&f, 5, DEST(0xA5) | 0xFFFFFFFFULL << 24 | 0xFFFFFFFF);
	g_assert_cmphex(get_rte(&f, 5), ==, DEST(0xA5) | 0x1AFFF);
	set_rte(&f, 23, DEST(3) | VIOAPIC_RTE_MASKED | 0x31);
	g_assert_cmphex(get_rte(&f, 23), ==, DEST(3) | VIOAPIC_RTE_MASKED | 0x31);
	g_assert_cmpuint(f.n, ==, 0);

	/* Indices past the table: read 0, writes dropped. */
	g_assert_cmphex(reg_read(&f, 0x40), ==, 0);
	g_assert_cmphex(reg_read(&f, 0x03), ==, 0);
	g_assert_cmphex(reg_read(&f, 0xFF), ==, 0);
	reg_write(&f, 0x40, 0xFFFFFFFF);
	reg_write(&f, 0x0F, 0xFFFFFFFF);
	g_assert_cmphex(get_rte(&f, 0), ==, VIOAPIC_RTE_MASKED);
	g_assert_cmphex(get_rte(&f, 23), ==, DEST(3) | VIOAPIC_RTE_MASKED | 0x31);
}

static void test_hostile_access(void)
{
	struct fake f;
	uint64_t val;

	fake_init(&f);
	set_rte(&f, 1, 0x41);
	/* Wrong widths on IOWIN: reads 0, writes dropped. */
	g_assert_cmpint(vioapic_mmio_write(&f.io, VIOAPIC_IOREGSEL, 1, VIOAPIC_REG_RTE0 + 2), ==,
	                0);
	g_assert_cmphex(mmio_rd(&f, VIOAPIC_IOWIN, 1), ==, 0);
	g_assert_cmphex(mmio_rd(&f, VIOAPIC_IOWIN, 2), ==, 0);
	g_assert_cmphex(mmio_rd(&f, VIOAPIC_IOWIN, 8), ==, 0);
	g_assert_cmphex(mmio_rd(&f, VIOAPIC_IOWIN + 1, 1), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&f.io, VIOAPIC_IOWIN, 1, 0xFF), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&f.io, VIOAPIC_IOWIN, 2, 0xFFFF), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&f.io, VIOAPIC_IOWIN, 8, ~0ULL), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&f.io, VIOAPIC_IOWIN + 2, 2, 0xFFFF), ==, 0);
	g_assert_cmphex(get_rte(&f, 1), ==, 0x41);
	/* Holes in the page. */
	g_assert_cmphex(mmio_rd(&f, 0x20, 4), ==, 0);
	g_assert_cmphex(mmio_rd(&f, VIOAPIC_EOIR, 4), ==, 0);
	g_assert_cmphex(mmio_rd(&f, 0xFF8, 8), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&f.io, 0x30, 4, ~0ULL), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&f.io, 0xFFC, 4, ~0ULL), ==, 0);
	g_assert_cmphex(get_rte(&f, 1), ==, 0x41);
	/* Caller bugs. */
	g_assert_cmpint(vioapic_mmio_read(&f.io, 0x1000, 4, &val), ==, -EINVAL);
	g_assert_cmpint(vioapic_mmio_read(&f.io, 0, 3, &val), ==, -EINVAL);
	g_assert_cmpint(vioapic_mmio_read(&f.io, 0, 4, NULL), ==, -EINVAL);
	g_assert_cmpint(vioapic_mmio_write(&f.io, ~0ULL, 4, 0), ==, -EINVAL);
	g_assert_cmpint(vioapic_mmio_write(&f.io, 0x10, 0, 0), ==, -EINVAL);
	/* Pins past 23 do not exist. */
	vioapic_set_irq(&f.io, 24, true);
	vioapic_set_irq(&f.io, 1000, true);
	g_assert_cmpuint(f.n, ==, 0);
}

static void test_edge(void)
{
	struct fake f;

	fake_init(&f);
	set_rte(&f, 4, DEST(1) | 0x34);
	g_assert_cmpuint(f.n, ==, 0);
	vioapic_set_irq(&f.io, 4, true);
	g_assert_cmpuint(f.n, ==, 1);
	g_assert_cmphex(f.d[0].dest, ==, 1);
	g_assert_false(f.d[0].logical);
	g_assert_cmphex(f.d[0].vector, ==, 0x34);
	g_assert_cmpuint(f.d[0].dm, ==, 0);
	g_assert_false(f.d[0].level);
	/* No remote IRR on edge pins. */
	g_assert_cmphex(get_rte(&f, 4) & VIOAPIC_RTE_RIRR, ==, 0);
	/* Staying high or going low does nothing; the next rising edge fires again. */
	vioapic_set_irq(&f.io, 4, true);
	vioapic_set_irq(&f.io, 4, false);
	g_assert_cmpuint(f.n, ==, 1);
	vioapic_set_irq(&f.io, 4, true);
	g_assert_cmpuint(f.n, ==, 2);
	vioapic_set_irq(&f.io, 4, false);

	/* An edge on a masked pin is lost, and unmasking does not replay it. */
	set_rte(&f, 4, DEST(1) | VIOAPIC_RTE_MASKED | 0x34);
	vioapic_set_irq(&f.io, 4, true);
	set_rte(&f, 4, DEST(1) | 0x34);
	g_assert_cmpuint(f.n, ==, 2);
	vioapic_set_irq(&f.io, 4, false);
	vioapic_set_irq(&f.io, 4, true);
	g_assert_cmpuint(f.n, ==, 3);

	/* EOIs have no effect on edge pins. */
	vioapic_eoi(&f.io, 0x34);
	g_assert_cmpuint(f.n, ==, 3);

	/* Other pins are independent. */
	vioapic_set_irq(&f.io, 5, true);
	g_assert_cmpuint(f.n, ==, 3);
}

static void test_level(void)
{
	struct fake f;
	const uint64_t rte = DEST(2) | VIOAPIC_RTE_LEVEL | 0x51;

	fake_init(&f);
	set_rte(&f, 9, rte);
	vioapic_set_irq(&f.io, 9, true);
	g_assert_cmpuint(f.n, ==, 1);
	g_assert_true(f.d[0].level);
	g_assert_cmphex(f.d[0].vector, ==, 0x51);
	g_assert_cmphex(f.d[0].dest, ==, 2);
	g_assert_cmphex(get_rte(&f, 9), ==, rte | VIOAPIC_RTE_RIRR);

	/* Remote IRR holds off re-delivery while the line stays high. */
	vioapic_set_irq(&f.io, 9, true);
	g_assert_cmpuint(f.n, ==, 1);
	/* Remote IRR cannot be written. */
	set_rte(&f, 9, rte);
	g_assert_cmphex(get_rte(&f, 9), ==, rte | VIOAPIC_RTE_RIRR);
	g_assert_cmpuint(f.n, ==, 1);

	/* EOI of some other vector: nothing. */
	vioapic_eoi(&f.io, 0x52);
	g_assert_cmpuint(f.n, ==, 1);
	g_assert_cmphex(get_rte(&f, 9), ==, rte | VIOAPIC_RTE_RIRR);

	/* EOI while still asserted: delivered again. */
	vioapic_eoi(&f.io, 0x51);
	g_assert_cmpuint(f.n, ==, 2);
	g_assert_cmphex(get_rte(&f, 9), ==, rte | VIOAPIC_RTE_RIRR);

	/* Deassert, EOI: idle. */
	vioapic_set_irq(&f.io, 9, false);
	g_assert_cmpuint(f.n, ==, 2);
	vioapic_eoi(&f.io, 0x51);
	g_assert_cmpuint(f.n, ==, 2);
	g_assert_cmphex(get_rte(&f, 9), ==, rte);

	/* Assert again. */
	vioapic_set_irq(&f.io, 9, true);
	g_assert_cmpuint(f.n, ==, 3);

	/* The EOI register does the same as a LAPIC EOI broadcast. */
	vioapic_set_irq(&f.io, 9, false);
	eoir(&f, 0x51);
	g_assert_cmphex(get_rte(&f, 9), ==, rte);
	g_assert_cmpuint(f.n, ==, 3);
	vioapic_set_irq(&f.io, 9, true);
	g_assert_cmpuint(f.n, ==, 4);
	eoir(&f, 0x51);
	g_assert_cmpuint(f.n, ==, 5);
}

static void test_level_mask(void)
{
	struct fake f;
	const uint64_t rte = DEST(0) | VIOAPIC_RTE_LEVEL | 0x61;

	fake_init(&f);
	set_rte(&f, 10, rte | VIOAPIC_RTE_MASKED);
	vioapic_set_irq(&f.io, 10, true);
	g_assert_cmpuint(f.n, ==, 0);
	/* Unmasking while asserted delivers. */
	set_rte(&f, 10, rte);
	g_assert_cmpuint(f.n, ==, 1);
	g_assert_cmphex(get_rte(&f, 10) & VIOAPIC_RTE_RIRR, ==, VIOAPIC_RTE_RIRR);

	/* Masked during service: the EOI clears remote IRR but delivers nothing... */
	set_rte(&f, 10, rte | VIOAPIC_RTE_MASKED);
	vioapic_eoi(&f.io, 0x61);
	g_assert_cmpuint(f.n, ==, 1);
	g_assert_cmphex(get_rte(&f, 10) & VIOAPIC_RTE_RIRR, ==, 0);
	/* ...until unmasked with the line still high. */
	set_rte(&f, 10, rte);
	g_assert_cmpuint(f.n, ==, 2);

	/* Unmasking a deasserted line delivers nothing. */
	vioapic_set_irq(&f.io, 10, false);
	vioapic_eoi(&f.io, 0x61);
	set_rte(&f, 10, rte | VIOAPIC_RTE_MASKED);
	set_rte(&f, 10, rte);
	g_assert_cmpuint(f.n, ==, 2);
}

static void test_polarity(void)
{
	struct fake f;
	const uint64_t lvl = DEST(1) | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_LOW | 0x71;
	const uint64_t edge = DEST(1) | VIOAPIC_RTE_LOW | 0x72;

	fake_init(&f);
	/* Active-low level pin whose line idles high. */
	vioapic_set_irq(&f.io, 11, true);
	set_rte(&f, 11, lvl);
	g_assert_cmpuint(f.n, ==, 0);
	vioapic_set_irq(&f.io, 11, false); /* asserted */
	g_assert_cmpuint(f.n, ==, 1);
	g_assert_cmphex(f.d[0].vector, ==, 0x71);
	vioapic_set_irq(&f.io, 11, true); /* released */
	vioapic_eoi(&f.io, 0x71);
	g_assert_cmpuint(f.n, ==, 1);
	vioapic_set_irq(&f.io, 11, false);
	g_assert_cmpuint(f.n, ==, 2);
	/* Still asserted (low) at EOI: re-delivered. */
	vioapic_eoi(&f.io, 0x71);
	g_assert_cmpuint(f.n, ==, 3);

	/* Programming active-low on a line that is low (asserted) delivers on unmask. */
	set_rte(&f, 12, lvl | VIOAPIC_RTE_MASKED);
	set_rte(&f, 12, lvl);
	g_assert_cmpuint(f.n, ==, 4);

	/* Active-low edge pin fires on the falling edge. */
	vioapic_set_irq(&f.io, 13, true);
	set_rte(&f, 13, edge);
	vioapic_set_irq(&f.io, 13, true);
	g_assert_cmpuint(f.n, ==, 4);
	vioapic_set_irq(&f.io, 13, false);
	g_assert_cmpuint(f.n, ==, 5);
	g_assert_cmphex(f.d[4].vector, ==, 0x72);
	vioapic_set_irq(&f.io, 13, true);
	g_assert_cmpuint(f.n, ==, 5);
}

static void test_trigger_switch(void)
{
	struct fake f;
	const uint64_t lvl = DEST(0) | VIOAPIC_RTE_LEVEL | 0x81;

	fake_init(&f);
	set_rte(&f, 3, lvl);
	vioapic_set_irq(&f.io, 3, true);
	g_assert_cmpuint(f.n, ==, 1);
	/* Switching to edge drops remote IRR (the trick older Linux uses without EOIR). */
	set_rte(&f, 3, lvl & ~VIOAPIC_RTE_LEVEL);
	g_assert_cmphex(get_rte(&f, 3) & VIOAPIC_RTE_RIRR, ==, 0);
	g_assert_cmpuint(f.n, ==, 1);
	/* Back to level with the line high: delivered. */
	set_rte(&f, 3, lvl);
	g_assert_cmpuint(f.n, ==, 2);
	g_assert_cmphex(get_rte(&f, 3) & VIOAPIC_RTE_RIRR, ==, VIOAPIC_RTE_RIRR);
}

static void test_shared_vector_eoi(void)
{
	struct fake f;
	const uint64_t lvl = DEST(0) | VIOAPIC_RTE_LEVEL | 0x90;

	fake_init(&f);
	set_rte(&f, 16, lvl);
	set_rte(&f, 17, lvl);
	vioapic_set_irq(&f.io, 16, true);
	vioapic_set_irq(&f.io, 17, true);
	g_assert_cmpuint(f.n, ==, 2);
	vioapic_set_irq(&f.io, 16, false);
	/* One EOI clears both; only the still-asserted one comes back. */
	vioapic_eoi(&f.io, 0x90);
	g_assert_cmpuint(f.n, ==, 3);
	g_assert_cmphex(get_rte(&f, 16) & VIOAPIC_RTE_RIRR, ==, 0);
	g_assert_cmphex(get_rte(&f, 17) & VIOAPIC_RTE_RIRR, ==, VIOAPIC_RTE_RIRR);
}

static void test_delivery_fields(void)
{
	struct fake f;

	fake_init(&f);
	/* Physical broadcast becomes 0xFFFFFFFF. */
	set_rte(&f, 0, DEST(0xFF) | 0x20);
	vioapic_set_irq(&f.io, 0, true);
	g_assert_cmphex(f.d[0].dest, ==, 0xFFFFFFFF);
	g_assert_false(f.d[0].logical);
	/* Logical destinations pass through as the 8-bit bitmap. */
	set_rte(&f, 1, DEST(0xFF) | VIOAPIC_RTE_LOGICAL | 1 << 8 | 0x21);
	vioapic_set_irq(&f.io, 1, true);
	g_assert_cmphex(f.d[1].dest, ==, 0xFF);
	g_assert_true(f.d[1].logical);
	g_assert_cmpuint(f.d[1].dm, ==, 1);
	set_rte(&f, 2, DEST(0x0A) | VIOAPIC_RTE_LOGICAL | 0x22);
	vioapic_set_irq(&f.io, 2, true);
	g_assert_cmphex(f.d[2].dest, ==, 0x0A);
	/* Delivery modes go out raw: NMI, ExtINT. */
	set_rte(&f, 6, DEST(3) | 4 << 8);
	vioapic_set_irq(&f.io, 6, true);
	g_assert_cmpuint(f.d[3].dm, ==, 4);
	g_assert_cmphex(f.d[3].dest, ==, 3);
	set_rte(&f, 7, DEST(3) | 7 << 8);
	vioapic_set_irq(&f.io, 7, true);
	g_assert_cmpuint(f.d[4].dm, ==, 7);
	g_assert_cmpuint(f.n, ==, 5);
	/* Delivery status always reads idle. */
	g_assert_cmphex(get_rte(&f, 6) & VIOAPIC_RTE_DELIVS, ==, 0);
}

static void test_null_ops(void)
{
	struct vioapic io;

	vioapic_init(&io, 0, NULL, NULL);
	g_assert_cmpint(vioapic_mmio_write(&io, VIOAPIC_IOREGSEL, 4, VIOAPIC_REG_RTE0), ==, 0);
	g_assert_cmpint(vioapic_mmio_write(&io, VIOAPIC_IOWIN, 4, 0x30), ==, 0);
	vioapic_set_irq(&io, 0, true);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vioapic/registers", test_registers);
	g_test_add_func("/vioapic/hostile-access", test_hostile_access);
	g_test_add_func("/vioapic/edge", test_edge);
	g_test_add_func("/vioapic/level", test_level);
	g_test_add_func("/vioapic/level-mask", test_level_mask);
	g_test_add_func("/vioapic/polarity", test_polarity);
	g_test_add_func("/vioapic/trigger-switch", test_trigger_switch);
	g_test_add_func("/vioapic/shared-vector-eoi", test_shared_vector_eoi);
	g_test_add_func("/vioapic/delivery-fields", test_delivery_fields);
	g_test_add_func("/vioapic/null-ops", test_null_ops);
	return g_test_run();
}
