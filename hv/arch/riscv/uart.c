/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board console: the virt board's NS16550A, polled. Its address comes
 * from the device tree; until that is read, QEMU virt's fixed 0x10000000.
 */
#include <arch/board.h>
#include <hv/console.h>

#define UART_DEFAULT_BASE 0x10000000UL
#define UART_THR          0
#define UART_IER          1
#define UART_FCR          2
#define UART_LCR          3
#define UART_MCR          4
#define UART_LSR          5
#define UART_LSR_THRE     0x20

static volatile uint8_t *uart = (volatile uint8_t *)UART_DEFAULT_BASE;

void console_arch_init(void)
{
	if (rv_board.uart_base)
		uart = (volatile uint8_t *)(uintptr_t)rv_board.uart_base;
	uart[UART_IER] = 0x00; /* polled: no interrupts */
	uart[UART_LCR] = 0x03; /* 8N1; the divisor stays as firmware set it */
	uart[UART_FCR] = 0x07; /* FIFOs on, cleared */
	uart[UART_MCR] = 0x03;
}

void console_arch_putc(char c)
{
	for (unsigned spin = 0; spin < 100000 && !(uart[UART_LSR] & UART_LSR_THRE); spin++)
		;
	uart[UART_THR] = (uint8_t)c;
}
