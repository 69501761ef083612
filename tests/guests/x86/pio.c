// SPDX-License-Identifier: BSD-3-Clause
/*
 * Port I/O exits: the COM1 vUART registers that keep state, the sleep
 * status register, and the all-ones rule for unhandled ports at each width
 * and in both the DX and the imm8 encodings.
 */
#include "guest.h"

#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

/* Not decoded by the hypervisor (docs/x86-vm-platform.md: reads all ones). */
#define PORT_UNHANDLED 0x2000

static void test_uart(void)
{
	uint8_t dll, dlm, lcr;

	outb(COM1_BASE + UART_SCR, 0x5a);
	EXPECT_EQ(inb(COM1_BASE + UART_SCR), 0x5a);
	outb(COM1_BASE + UART_SCR, 0xa5);
	EXPECT_EQ(inb(COM1_BASE + UART_SCR), 0xa5);
	outb(COM1_BASE + UART_SCR, 0x00);
	EXPECT_EQ(inb(COM1_BASE + UART_SCR), 0x00);

	/* IER: the four enable bits are writable, the rest read 0. */
	outb(COM1_BASE + UART_IER, 0x05);
	EXPECT_EQ(inb(COM1_BASE + UART_IER), 0x05);
	outb(COM1_BASE + UART_IER, 0x0a);
	EXPECT_EQ(inb(COM1_BASE + UART_IER), 0x0a);
	outb(COM1_BASE + UART_IER, 0x00);
	EXPECT_EQ(inb(COM1_BASE + UART_IER), 0x00);

	/* With no interrupt enabled, IIR says "none pending" (bit 0 set). */
	EXPECT_EQ(inb(COM1_BASE + UART_IIR) & 0x0f, 0x01);

	/* Idle transmitter: THR empty and transmitter empty. */
	EXPECT_EQ(inb(COM1_BASE + UART_LSR) & 0x60, 0x60);

	/* LCR round trip: 7 data bits, 2 stop bits, even parity. */
	outb(COM1_BASE + UART_LCR, 0x1e);
	lcr = inb(COM1_BASE + UART_LCR);
	outb(COM1_BASE + UART_LCR, 0x03);
	EXPECT_EQ(lcr, 0x1e);
	EXPECT_EQ(inb(COM1_BASE + UART_LCR), 0x03);

	/*
	 * Divisor latch: with DLAB set, offsets 0 and 1 are DLL/DLM. Nothing
	 * may be printed until DLAB is cleared again.
	 */
	outb(COM1_BASE + UART_LCR, 0x83);
	outb(COM1_BASE + 0, 0x0c);
	outb(COM1_BASE + 1, 0x00);
	dll = inb(COM1_BASE + 0);
	dlm = inb(COM1_BASE + 1);
	outb(COM1_BASE + 0, 0x01);
	outb(COM1_BASE + UART_LCR, 0x03);
	EXPECT_EQ(dll, 0x0c);
	EXPECT_EQ(dlm, 0x00);
	/* DLAB off again: offset 1 is IER, unchanged by the DLM write. */
	EXPECT_EQ(inb(COM1_BASE + UART_IER), 0x00);

	/* MCR: DTR, RTS, OUT1, OUT2 (not loopback, which would eat output). */
	outb(COM1_BASE + UART_MCR, 0x0f);
	EXPECT_EQ(inb(COM1_BASE + UART_MCR) & 0x1f, 0x0f);
	outb(COM1_BASE + UART_MCR, 0x03);
	EXPECT_EQ(inb(COM1_BASE + UART_MCR) & 0x1f, 0x03);
}

static void test_unhandled(void)
{
	uint8_t b;
	uint16_t w;
	uint32_t l;

	EXPECT_EQ(inb(PORT_UNHANDLED), 0xff);
	EXPECT_EQ(inw(PORT_UNHANDLED), 0xffff);
	EXPECT_EQ(inl(PORT_UNHANDLED), 0xffffffff);
	/* Unaligned wide accesses are legal port I/O. */
	EXPECT_EQ(inw(PORT_UNHANDLED + 1), 0xffff);
	EXPECT_EQ(inl(PORT_UNHANDLED + 3), 0xffffffff);

	/* Writes are dropped; reads stay all ones. */
	outb(PORT_UNHANDLED, 0x12);
	outw(PORT_UNHANDLED, 0x3456);
	outl(PORT_UNHANDLED, 0x789abcde);
	EXPECT_EQ(inl(PORT_UNHANDLED), 0xffffffff);

	/* imm8 encodings (E4/E5/E6/E7) on a port below 0x100 the HV leaves alone. */
	asm volatile("movb $0x55, %%al; outb %%al, $0x80; inb $0x80, %%al" : "=a"(b) : : "memory");
	EXPECT_EQ(b, 0xff);
	asm volatile("inw $0x80, %%ax" : "=a"(w) : : "memory");
	EXPECT_EQ(w, 0xffff);
	asm volatile("inl $0x80, %%eax" : "=a"(l) : : "memory");
	EXPECT_EQ(l, 0xffffffff);

	/*
	 * The upper bytes of EAX must be left alone by a byte or word IN
	 * (the HV must merge, not overwrite the whole register).
	 */
	l = 0x12345678;
	asm volatile("inb %w1, %%al" : "+a"(l) : "Nd"((uint16_t)PORT_UNHANDLED) : "memory");
	EXPECT_EQ(l, 0x123456ff);
	l = 0x12345678;
	asm volatile("inw %w1, %%ax" : "+a"(l) : "Nd"((uint16_t)PORT_UNHANDLED) : "memory");
	EXPECT_EQ(l, 0x1234ffff);
}

static void test_pm(void)
{
	/* SLEEP_STATUS_REG is an 8-bit register that reads 0. */
	EXPECT_EQ(inb(PM1_SLEEP_STS), 0x00);
}

void guest_main(void)
{
	TEST_START("pio");
	test_uart();
	gprintf("pio: uart done\n");
	test_unhandled();
	gprintf("pio: unhandled ports done\n");
	test_pm();
	TEST_END();
}
