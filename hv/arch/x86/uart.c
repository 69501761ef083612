/* SPDX-License-Identifier: BSD-3-Clause */
/* The board console: the host's COM1 16550, polled. */
#include <arch/cpu.h>
#include <hv/console.h>

#define COM1 0x3F8

void console_arch_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03);
}

void console_arch_putc(char c)
{
	for (unsigned spin = 0; spin < 100000 && !(inb(COM1 + 5) & 0x20); spin++)
		__asm__ volatile("pause");
	outb(COM1, (uint8_t)c);
}
