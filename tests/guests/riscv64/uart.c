/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MMIO 16550 and the virtual PLIC: the guest reads its device tree (a1)
 * for the uart's interrupt, prints polled, then transmits a line from THR-
 * empty interrupts and receives bytes (in loopback) from data-ready
 * interrupts, each claimed and completed at the PLIC's S context of hart 0.
 * Everything is printed through the uart, never SBI.
 */
#include "guest.h"

#define UART         ((volatile uint8_t *)0x10000000UL)
#define THR          0
#define RBR          0
#define IER          1
#define IIR          2
#define MCR          4
#define LSR          5
#define IER_RDI      0x01
#define IER_THRI     0x02
#define MCR_OUT2     0x08
#define MCR_LOOP     0x10
#define LSR_DR       0x01
#define LSR_THRE     0x20

#define PLIC         0x0c000000UL
#define PLIC_PRIO(s) ((volatile uint32_t *)(PLIC + 4 * (s)))
#define PLIC_PENDING ((volatile uint32_t *)(PLIC + 0x1000))
#define PLIC_ENABLE  ((volatile uint32_t *)(PLIC + 0x2000 + 0x80 * 1))
#define PLIC_THRESH  ((volatile uint32_t *)(PLIC + 0x200000 + 0x1000 * 1))
#define PLIC_CLAIM   ((volatile uint32_t *)(PLIC + 0x200004 + 0x1000 * 1))
#define IRQ_S_EXT    9
#define SIE_SEIE     BIT(9)
#define SSTATUS_SIE  BIT(1)

static unsigned irq;
static volatile unsigned nr_ext, nr_tx, nr_rx, nr_wrong;
static const char tx_msg[] = "RV-UART: this line was sent from THR-empty interrupts\n";
static volatile unsigned tx_pos;
static volatile char rx_buf[8];
static volatile unsigned rx_len;

static void uart_putc(char c)
{
	while (!(UART[LSR] & LSR_THRE))
		;
	UART[THR] = (uint8_t)c;
}

static void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

static void uart_hex(unsigned long v)
{
	char buf[19] = "0x";
	int n = 2;

	for (int shift = 60; shift >= 0; shift -= 4) {
		unsigned d = (v >> shift) & 0xf;

		if (d || n > 2 || shift == 0)
			buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	}
	buf[n] = '\0';
	uart_puts(buf);
}

static void uart_say(const char *s, unsigned long v)
{
	uart_puts(s);
	uart_hex(v);
	uart_putc('\n');
}

static void uart_irq(void)
{
	uint8_t iir = UART[IIR];

	switch (iir & 0x0f) {
	case 0x02: /* THR empty: send the next byte, or stop asking */
		nr_tx++;
		if (tx_msg[tx_pos])
			UART[THR] = (uint8_t)tx_msg[tx_pos++];
		else
			UART[IER] &= (uint8_t)~IER_THRI;
		break;
	case 0x04: /* data ready */
	case 0x0c:
		nr_rx++;
		while (UART[LSR] & LSR_DR) {
			char c = (char)UART[RBR];

			if (rx_len < sizeof(rx_buf) - 1)
				rx_buf[rx_len++] = c;
		}
		break;
	default:
		nr_wrong++;
		break;
	}
}

void guest_trap(struct gframe *f)
{
	uint32_t src;

	if (f->scause != (CAUSE_IRQ | IRQ_S_EXT)) {
		uart_say("RV-UART: unexpected trap FAILED, scause ", f->scause);
		shutdown();
	}
	nr_ext++;
	while ((src = *PLIC_CLAIM) != 0) {
		if (src == irq)
			uart_irq();
		else
			nr_wrong++;
		*PLIC_CLAIM = src;
	}
}

static void wait_for(volatile unsigned *what, unsigned goal)
{
	unsigned long deadline = rdtime() + 10000000; /* 1 s */

	while (*what < goal && rdtime() < deadline)
		;
}

void guest_main(unsigned long hartid, const void *fdt)
{
	const char *why = dt_check(fdt, 1, 1);

	(void)hartid;
	uart_puts("RV-UART: hello over the MMIO 16550\n");
	if (why) {
		uart_puts("RV-UART: device tree FAILED: ");
		uart_puts(why);
		uart_putc('\n');
		shutdown();
	}
	irq = dt_u32(fdt, "/soc/serial@10000000", "interrupts", 0);
	uart_say("RV-UART: device tree ok, uart interrupt ", irq);

	/* IIR with FIFOs on is 0xc1: a signed byte load must sign-extend it. */
	UART[IIR] = 0x01; /* FCR: FIFOs on */
	uart_say("RV-UART: iir as a signed byte ",
	         (unsigned long)(long)*(volatile int8_t *)&UART[IIR]);
	UART[IIR] = 0x00;

	install_traps();
	*PLIC_PRIO(irq) = 1;
	*PLIC_THRESH = 0;
	PLIC_ENABLE[irq / 32] = 1U << (irq % 32);
	uart_say("RV-UART: plic claim with nothing pending ", *PLIC_CLAIM);
	UART[MCR] = MCR_OUT2;
	/* THR-empty raises the line at once: pending at the PLIC before the hart takes it. */
	UART[IER] = IER_THRI;
	uart_say("RV-UART: plic pending bit ", (PLIC_PENDING[irq / 32] >> (irq % 32)) & 1);
	csr_set(sie, SIE_SEIE);
	csr_set(sstatus, SSTATUS_SIE);
	wait_for(&tx_pos, sizeof(tx_msg) - 1);
	wait_for(&nr_tx, sizeof(tx_msg));

	csr_clear(sstatus, SSTATUS_SIE);
	uart_say("RV-UART: tx interrupts ", nr_tx);
	UART[MCR] = MCR_OUT2 | MCR_LOOP;
	UART[IER] = IER_RDI;
	csr_set(sstatus, SSTATUS_SIE);
	UART[THR] = 'a';
	UART[THR] = 'c';
	UART[THR] = 'e';
	wait_for(&rx_len, 3);
	csr_clear(sstatus, SSTATUS_SIE);
	UART[IER] = 0;
	UART[MCR] = MCR_OUT2;
	uart_puts("RV-UART: received by interrupt: ");
	uart_puts((const char *)rx_buf);
	uart_putc('\n');
	uart_say("RV-UART: rx interrupts ", nr_rx >= 1);
	uart_say("RV-UART: stray interrupts ", nr_wrong);
	uart_puts("RV-UART: done\n");
	shutdown();
}
