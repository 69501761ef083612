// SPDX-License-Identifier: BSD-3-Clause
/*
 * VM reset on triple fault (scenario: on_triple_fault = reset). CMOS RAM
 * survives a VM reset, as battery-backed CMOS does on a PC, so the guest can
 * tell its first boot from the boot after the reset. Guest RAM does not
 * survive: the hypervisor clears it and loads the image again.
 */
#include "guest.h"

#define CMOS_MARK 0x40 /* a general-purpose CMOS RAM byte */
#define MARK      0xA5

static uint32_t ram_canary __attribute__((section(".data"))) = 0x12345678;

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t val)
{
	outb(0x70, reg);
	outb(0x71, val);
}

static void triple_fault(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	asm volatile("lidt %0\n\tint3\n\tud2" : : "m"(empty) : "memory");
}

void guest_main(void)
{
	TEST_START("reset");
	/* Both boots must see the image as loaded, not what the first boot wrote. */
	EXPECT_EQ(ram_canary, 0x12345678);
	if (cmos_read(CMOS_MARK) != MARK) {
		ram_canary = 0xdeadbeef;
		cmos_write(CMOS_MARK, MARK);
		gprintf("RESET: first boot, triple fault now\n");
		triple_fault();
		gprintf("RESET: still alive after the triple fault!\n");
		EXPECT_TRUE(false);
	} else {
		gprintf("RESET: second boot\n");
		cmos_write(CMOS_MARK, 0);
	}
	TEST_END();
}
