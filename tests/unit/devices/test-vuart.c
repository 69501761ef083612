/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vUART unit tests: the probe and startup sequences of Linux's 8250 driver,
 * the THRE interrupt protocol, the RX path, loopback, interrupt priority and
 * OUT2 gating.
 */
/* Before GLib, which #undefs and redefines MIN/MAX from hv/types.h. */
#include <hv/errno.h>
#include <hv/vuart.h>

#include <glib.h>
#include <string.h>

struct fake {
	struct vuart u;
	uint8_t tx[512];
	unsigned nr_tx;
	bool irq;
	unsigned nr_irq_calls;
};

static void f_tx(void *owner, uint8_t byte)
{
	struct fake *f = owner;

	if (f->nr_tx < sizeof(f->tx))
		f->tx[f->nr_tx] = byte;
	f->nr_tx++;
}

static void f_set_irq(void *owner, bool level)
{
	struct fake *f = owner;

	/* set_irq reports changes only. */
	g_assert_cmpint(level, !=, f->irq);
	f->irq = level;
	f->nr_irq_calls++;
}

static const struct vuart_ops fake_ops = { .tx = f_tx, .set_irq = f_set_irq };

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	vuart_init(&f->u, &fake_ops, f);
}

static uint8_t in(struct fake *f, unsigned off)
{
	return vuart_read(&f->u, off);
}

static void out(struct fake *f, unsigned off, uint8_t val)
{
	vuart_write(&f->u, off, val);
}

static void test_reset_state(void)
{
	struct fake f;

	fake_init(&f);
	g_assert_cmphex(in(&f, VUART_IER), ==, 0);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_NO_INT);
	/* 8N1 at 115200, as firmware would leave COM1. */
	g_assert_cmphex(in(&f, VUART_LCR), ==, 0x03);
	out(&f, VUART_LCR, VUART_LCR_DLAB | 0x03);
	g_assert_cmphex(in(&f, VUART_DLL), ==, 1);
	g_assert_cmphex(in(&f, VUART_DLM), ==, 0);
	out(&f, VUART_LCR, 0x03);
	g_assert_cmphex(in(&f, VUART_MCR), ==, 0);
	g_assert_cmphex(in(&f, VUART_LSR), ==, VUART_LSR_THRE | VUART_LSR_TEMT);
	g_assert_cmphex(in(&f, VUART_MSR), ==, VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS);
	g_assert_cmphex(in(&f, VUART_SCR), ==, 0);
	g_assert_cmphex(in(&f, VUART_RBR), ==, 0);
	g_assert_cmphex(in(&f, 8), ==, 0xFF);
	out(&f, 8, 0x55); /* out of range: ignored */
	g_assert_cmpuint(f.nr_irq_calls + f.nr_tx, ==, 0);
}

static void test_scratch_and_dlab(void)
{
	struct fake f;

	fake_init(&f);
	for (unsigned v = 0; v < 256; v += 0x55) {
		out(&f, VUART_SCR, (uint8_t)v);
		g_assert_cmphex(in(&f, VUART_SCR), ==, v);
	}
	/* Divisor latch behind DLAB, separate from THR/IER. */
	out(&f, VUART_IER, 0x05);
	out(&f, VUART_LCR, VUART_LCR_DLAB | 0x03);
	out(&f, VUART_DLL, 0x0C);
	out(&f, VUART_DLM, 0x01);
	g_assert_cmphex(in(&f, VUART_DLL), ==, 0x0C);
	g_assert_cmphex(in(&f, VUART_DLM), ==, 0x01);
	g_assert_cmpuint(f.nr_tx, ==, 0);
	g_assert_cmphex(in(&f, VUART_LCR), ==, VUART_LCR_DLAB | 0x03);
	out(&f, VUART_LCR, 0x03);
	g_assert_cmphex(in(&f, VUART_IER), ==, 0x05);
	out(&f, VUART_THR, 'x');
	g_assert_cmpuint(f.nr_tx, ==, 1);
	out(&f, VUART_LCR, VUART_LCR_DLAB | 0x03);
	g_assert_cmphex(in(&f, VUART_DLL), ==, 0x0C);
}

/* serial8250 autoconfig() + autoconfig_16550a() + size_fifo(), as in Linux 6.1. */
static void linux_autoconfig(struct fake *f, bool *is_16550a, int *fifo_size)
{
	uint8_t scratch, scratch2, scratch3, save_mcr, save_lcr, status1, status2, iersave;
	uint8_t old_lcr, old_fcr, old_mcr, old_dll, old_dlm;
	int count;

	*is_16550a = false;
	*fifo_size = -1;

	/* IER existence test */
	scratch = in(f, VUART_IER);
	out(f, VUART_IER, 0);
	scratch2 = in(f, VUART_IER) & 0x0F;
	out(f, VUART_IER, 0x0F);
	scratch3 = in(f, VUART_IER) & 0x0F;
	out(f, VUART_IER, scratch);
	g_assert_cmphex(scratch2, ==, 0);
	g_assert_cmphex(scratch3, ==, 0x0F);

	/* loopback test */
	save_mcr = in(f, VUART_MCR);
	save_lcr = in(f, VUART_LCR);
	out(f, VUART_MCR, VUART_MCR_LOOP | 0x0A);
	status1 = in(f, VUART_MSR) & 0xF0;
	out(f, VUART_MCR, save_mcr);
	g_assert_cmphex(status1, ==, VUART_MSR_DCD | VUART_MSR_CTS);

	/* FIFO type via IIR[7:6] */
	out(f, VUART_LCR, 0xBF);
	out(f, VUART_FCR, 0); /* EFR on 650s, FCR here */
	out(f, VUART_LCR, 0);
	out(f, VUART_FCR, VUART_FCR_FIFOE);
	if ((in(f, VUART_IIR) >> 6) != 3)
		return;

	/* autoconfig_16550a: EFR probes must all fail */
	out(f, VUART_LCR, 0x80);
	g_assert_cmphex(in(f, VUART_IIR), !=, 0);
	out(f, VUART_LCR, 0xBF);
	g_assert_cmphex(in(f, VUART_IIR), !=, 0);
	/* NS16550 EXCR1 probe: the LOOP bit must not show up in IIR */
	out(f, VUART_LCR, 0);
	status1 = in(f, VUART_MCR);
	out(f, VUART_LCR, 0xE0);
	status2 = in(f, VUART_IIR);
	g_assert_true(!((status2 ^ status1) & VUART_MCR_LOOP));
	out(f, VUART_LCR, 0);
	out(f, VUART_MCR, status1 ^ VUART_MCR_LOOP);
	out(f, VUART_LCR, 0xE0);
	status2 = in(f, VUART_IIR);
	out(f, VUART_LCR, 0);
	out(f, VUART_MCR, status1);
	g_assert_false((status2 ^ status1) & VUART_MCR_LOOP);
	/* TI16750 probe: IIR bit 5 never sets */
	out(f, VUART_LCR, 0);
	out(f, VUART_FCR, VUART_FCR_FIFOE | 0x20);
	status1 = in(f, VUART_IIR) >> 5;
	out(f, VUART_FCR, VUART_FCR_FIFOE);
	out(f, VUART_LCR, 0x80);
	out(f, VUART_FCR, VUART_FCR_FIFOE | 0x20);
	status2 = in(f, VUART_IIR) >> 5;
	out(f, VUART_FCR, VUART_FCR_FIFOE);
	out(f, VUART_LCR, 0);
	g_assert_false(status1 == 6 && status2 == 7);
	/* XScale UUE probe: IER bit 6 is not writable */
	iersave = in(f, VUART_IER);
	out(f, VUART_IER, iersave & ~0x40);
	g_assert_false(in(f, VUART_IER) & 0x40);
	out(f, VUART_IER, iersave | 0x40);
	g_assert_false(in(f, VUART_IER) & 0x40);
	out(f, VUART_IER, iersave);
	*is_16550a = true;

	/* size_fifo() */
	old_lcr = in(f, VUART_LCR);
	out(f, VUART_LCR, 0);
	old_fcr = in(f, VUART_FCR);
	old_mcr = in(f, VUART_MCR);
	out(f, VUART_FCR, VUART_FCR_FIFOE | VUART_FCR_CLR_RX | VUART_FCR_CLR_TX);
	out(f, VUART_MCR, VUART_MCR_LOOP);
	out(f, VUART_LCR, 0x80);
	old_dll = in(f, VUART_DLL);
	old_dlm = in(f, VUART_DLM);
	out(f, VUART_DLL, 1);
	out(f, VUART_DLM, 0);
	out(f, VUART_LCR, 0x03);
	for (count = 0; count < 256; count++)
		out(f, VUART_THR, (uint8_t)count);
	for (count = 0; (in(f, VUART_LSR) & VUART_LSR_DR) && count < 256; count++)
		(void)in(f, VUART_RBR);
	out(f, VUART_FCR, old_fcr);
	out(f, VUART_MCR, old_mcr);
	out(f, VUART_LCR, 0x80);
	out(f, VUART_DLL, old_dll);
	out(f, VUART_DLM, old_dlm);
	out(f, VUART_LCR, old_lcr);
	*fifo_size = count;

	(void)save_lcr;
}

static void test_linux_probe(void)
{
	struct fake f;
	bool is_16550a;
	int fifo;

	fake_init(&f);
	out(&f, VUART_SCR, 0xA5); /* something in the scratch register */
	linux_autoconfig(&f, &is_16550a, &fifo);
	g_assert_true(is_16550a);
	g_assert_cmpint(fifo, ==, 16);
	/* Loopback bytes never reached the console. */
	g_assert_cmpuint(f.nr_tx, ==, 0);
	/* No interrupt was ever raised: OUT2 stayed low (except in loopback with IER 0). */
	g_assert_false(f.irq);
	g_assert_cmphex(in(&f, VUART_SCR), ==, 0xA5);
	g_assert_cmphex(in(&f, VUART_MCR), ==, 0);
}

/* serial8250_do_startup(): FIFO clear, interrupt clear, TXEN and THRE tests. */
static void test_linux_startup(void)
{
	struct fake f;
	uint8_t lsr, iir, iir1;

	fake_init(&f);
	vuart_rx_push(&f.u, 'q'); /* stale input */
	out(&f, VUART_FCR, VUART_FCR_FIFOE);
	out(&f, VUART_FCR, VUART_FCR_FIFOE | VUART_FCR_CLR_RX | VUART_FCR_CLR_TX);
	out(&f, VUART_FCR, 0);
	(void)in(&f, VUART_LSR);
	(void)in(&f, VUART_RBR);
	(void)in(&f, VUART_IIR);
	(void)in(&f, VUART_MSR);
	g_assert_cmphex(in(&f, VUART_LSR), !=, 0xFF);
	g_assert_false(in(&f, VUART_LSR) & VUART_LSR_DR);
	out(&f, VUART_LCR, 0x03);
	/* set_mctrl: DTR | RTS | OUT2 */
	out(&f, VUART_MCR, VUART_MCR_DTR | VUART_MCR_RTS | VUART_MCR_OUT2);
	g_assert_false(f.irq);

	/* UART_BUG_TXEN test: enabling THRI must show THRE in IIR at once. */
	out(&f, VUART_IER, VUART_IER_THRI);
	lsr = in(&f, VUART_LSR);
	iir = in(&f, VUART_IIR);
	out(&f, VUART_IER, 0);
	g_assert_true(lsr & VUART_LSR_TEMT);
	g_assert_false(iir & VUART_IIR_NO_INT);
	g_assert_false(f.irq);

	/* UART_BUG_THRE test: THRE must be re-asserted after re-enabling THRI. */
	out(&f, VUART_IER, VUART_IER_THRI);
	g_assert_true(f.irq);
	iir1 = in(&f, VUART_IIR);
	g_assert_false(f.irq);
	out(&f, VUART_IER, 0);
	out(&f, VUART_IER, VUART_IER_THRI);
	g_assert_true(f.irq);
	iir = in(&f, VUART_IIR);
	out(&f, VUART_IER, 0);
	g_assert_cmphex(iir1 & 0x0F, ==, VUART_IIR_THRI);
	g_assert_cmphex(iir & 0x0F, ==, VUART_IIR_THRI);
	g_assert_false(f.irq);

	/* set_termios: FIFO on, RX interrupts on. */
	out(&f, VUART_FCR, VUART_FCR_FIFOE | 0x80);
	out(&f, VUART_IER, VUART_IER_RDI | VUART_IER_RLSI);
	g_assert_false(f.irq);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_NO_INT);
}

static void test_thre_sequence(void)
{
	struct fake f;
	const char *msg = "hello";

	fake_init(&f);
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_FCR, VUART_FCR_FIFOE);
	out(&f, VUART_MCR, VUART_MCR_OUT2 | VUART_MCR_RTS | VUART_MCR_DTR);

	/* start_tx: THRI on -> interrupt. */
	out(&f, VUART_IER, VUART_IER_RDI | VUART_IER_THRI);
	g_assert_true(f.irq);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_THRI);
	/* Reading IIR acknowledged it. */
	g_assert_false(f.irq);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_NO_INT);

	/* The ISR writes bytes: each goes out at once and THRE comes back. */
	for (const char *p = msg; *p; p++)
		out(&f, VUART_THR, (uint8_t)*p);
	g_assert_cmpuint(f.nr_tx, ==, 5);
	g_assert_cmpmem(f.tx, 5, msg, 5);
	g_assert_true(f.irq);
	g_assert_cmphex(in(&f, VUART_LSR) & 0x60, ==, 0x60);
	/* Next ISR pass: THRE again, nothing left to send: stop_tx clears THRI. */
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_THRI);
	g_assert_false(f.irq);
	out(&f, VUART_IER, VUART_IER_RDI);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_NO_INT);

	/* Clearing THRI while THRE is pending drops the request. */
	out(&f, VUART_IER, VUART_IER_RDI | VUART_IER_THRI);
	g_assert_true(f.irq);
	out(&f, VUART_IER, VUART_IER_RDI);
	g_assert_false(f.irq);
	/* Writing IER with THRI already set does not re-raise it. */
	out(&f, VUART_IER, VUART_IER_THRI);
	(void)in(&f, VUART_IIR);
	out(&f, VUART_IER, VUART_IER_THRI);
	g_assert_false(f.irq);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_NO_INT);

	/* Polled console output (IER 0): no interrupt at all. */
	out(&f, VUART_IER, 0);
	out(&f, VUART_THR, 'z');
	g_assert_false(f.irq);
	g_assert_cmpuint(f.nr_tx, ==, 6);
	/* Restoring IER with THRI raises THRE. */
	out(&f, VUART_IER, VUART_IER_THRI);
	g_assert_true(f.irq);
}

static void test_word_length(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_LCR, 0x02); /* 7 data bits */
	out(&f, VUART_THR, 0xFF);
	out(&f, VUART_LCR, 0x00); /* 5 data bits */
	out(&f, VUART_THR, 0xFF);
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_THR, 0xFF);
	g_assert_cmpuint(f.nr_tx, ==, 3);
	g_assert_cmphex(f.tx[0], ==, 0x7F);
	g_assert_cmphex(f.tx[1], ==, 0x1F);
	g_assert_cmphex(f.tx[2], ==, 0xFF);
}

static void test_rx_path(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_FCR, VUART_FCR_FIFOE | 0xC0);
	out(&f, VUART_MCR, VUART_MCR_OUT2);
	out(&f, VUART_IER, VUART_IER_RDI | VUART_IER_RLSI);
	g_assert_false(f.irq);

	g_assert_cmpint(vuart_rx_push(&f.u, 'a'), ==, 0);
	g_assert_true(f.irq);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_RDI);
	/* IIR read does not clear data-available. */
	g_assert_true(f.irq);
	g_assert_cmphex(in(&f, VUART_LSR), ==, VUART_LSR_DR | VUART_LSR_THRE | VUART_LSR_TEMT);
	g_assert_cmphex(in(&f, VUART_RBR), ==, 'a');
	g_assert_false(f.irq);
	g_assert_cmphex(in(&f, VUART_LSR) & VUART_LSR_DR, ==, 0);

	/* Fill the 16-byte FIFO; the 17th byte is refused, not lost. */
	for (unsigned i = 0; i < VUART_FIFO_SIZE; i++)
		g_assert_cmpint(vuart_rx_push(&f.u, (uint8_t)('A' + i)), ==, 0);
	g_assert_cmpint(vuart_rx_push(&f.u, '!'), ==, -ENOSPC);
	g_assert_cmphex(in(&f, VUART_LSR) & VUART_LSR_OE, ==, 0);
	for (unsigned i = 0; i < VUART_FIFO_SIZE; i++) {
		g_assert_true(in(&f, VUART_LSR) & VUART_LSR_DR);
		g_assert_cmphex(in(&f, VUART_RBR), ==, 'A' + i);
		if (i == 3)
			g_assert_cmpint(vuart_rx_push(&f.u, '!'), ==, 0);
	}
	g_assert_cmphex(in(&f, VUART_RBR), ==, '!');
	g_assert_false(in(&f, VUART_LSR) & VUART_LSR_DR);
	g_assert_false(f.irq);

	/* FIFO reset drops pending input. */
	vuart_rx_push(&f.u, 'x');
	g_assert_true(f.irq);
	out(&f, VUART_FCR, VUART_FCR_FIFOE | VUART_FCR_CLR_RX);
	g_assert_false(f.irq);
	g_assert_false(in(&f, VUART_LSR) & VUART_LSR_DR);

	/* Without FIFOs there is only the holding register. */
	out(&f, VUART_FCR, 0);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_NO_INT);
	g_assert_cmpint(vuart_rx_push(&f.u, '1'), ==, 0);
	g_assert_cmpint(vuart_rx_push(&f.u, '2'), ==, -ENOSPC);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_RDI);
	g_assert_cmphex(in(&f, VUART_RBR), ==, '1');
	/* Toggling the FIFO enable empties the receiver. */
	vuart_rx_push(&f.u, '3');
	out(&f, VUART_FCR, VUART_FCR_FIFOE);
	g_assert_false(in(&f, VUART_LSR) & VUART_LSR_DR);

	/* With RDI off, data does not interrupt. */
	out(&f, VUART_IER, 0);
	vuart_rx_push(&f.u, 'y');
	g_assert_false(f.irq);
	out(&f, VUART_IER, VUART_IER_RDI);
	g_assert_true(f.irq);
}

static void test_loopback(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_FCR, VUART_FCR_FIFOE);
	(void)in(&f, VUART_MSR);

	/* MSR follows MCR: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD, with deltas. */
	out(&f, VUART_MCR, VUART_MCR_LOOP);
	g_assert_cmphex(in(&f, VUART_MSR), ==, VUART_MSR_DCTS | VUART_MSR_DDSR | VUART_MSR_DDCD);
	g_assert_cmphex(in(&f, VUART_MSR), ==, 0);
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_DTR);
	g_assert_cmphex(in(&f, VUART_MSR), ==, VUART_MSR_DSR | VUART_MSR_DDSR);
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_RTS);
	g_assert_cmphex(in(&f, VUART_MSR), ==, VUART_MSR_CTS | VUART_MSR_DCTS | VUART_MSR_DDSR);
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT1);
	g_assert_cmphex(in(&f, VUART_MSR), ==, VUART_MSR_RI | VUART_MSR_DCTS);
	/* RI's trailing edge sets TERI. */
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT2);
	g_assert_cmphex(in(&f, VUART_MSR), ==, VUART_MSR_DCD | VUART_MSR_DDCD | VUART_MSR_TERI);
	out(&f, VUART_MCR, VUART_MCR_LOOP | 0x0F);
	g_assert_cmphex(in(&f, VUART_MSR) & 0xF0, ==, 0xF0);

	/* TX loops into RX, nothing reaches the console; console input is refused. */
	out(&f, VUART_THR, 'L');
	g_assert_cmpuint(f.nr_tx, ==, 0);
	g_assert_true(in(&f, VUART_LSR) & VUART_LSR_DR);
	g_assert_cmpint(vuart_rx_push(&f.u, 'c'), ==, -ENOSPC);
	g_assert_cmphex(in(&f, VUART_RBR), ==, 'L');

	/* Overrun in loopback: FIFO keeps the first 16, OE latched until LSR is read. */
	for (unsigned i = 0; i < 20; i++)
		out(&f, VUART_THR, (uint8_t)i);
	g_assert_cmphex(in(&f, VUART_LSR), ==,
	                VUART_LSR_DR | VUART_LSR_OE | VUART_LSR_THRE | VUART_LSR_TEMT);
	g_assert_cmphex(in(&f, VUART_LSR) & VUART_LSR_OE, ==, 0);
	for (unsigned i = 0; i < 16; i++)
		g_assert_cmphex(in(&f, VUART_RBR), ==, i);
	g_assert_false(in(&f, VUART_LSR) & VUART_LSR_DR);

	/* Without FIFOs an overrun overwrites the holding register. */
	out(&f, VUART_FCR, 0);
	out(&f, VUART_THR, 1);
	out(&f, VUART_THR, 2);
	g_assert_cmphex(in(&f, VUART_LSR) & VUART_LSR_OE, ==, VUART_LSR_OE);
	g_assert_cmphex(in(&f, VUART_RBR), ==, 2);

	/* Leaving loopback: inputs back to DCD|DSR|CTS, deltas for what changed. */
	out(&f, VUART_MCR, 0x0F);
	g_assert_cmphex(in(&f, VUART_MSR), ==,
	                VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS | VUART_MSR_TERI);
	out(&f, VUART_THR, 'o');
	g_assert_cmpuint(f.nr_tx, ==, 1);
	g_assert_cmpint(vuart_rx_push(&f.u, 'c'), ==, 0);
}

static void test_loopback_interrupts(void)
{
	struct fake f;

	/* User-space loopback tests (TIOCM_LOOP) still get RX interrupts. */
	fake_init(&f);
	out(&f, VUART_FCR, VUART_FCR_FIFOE);
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT2);
	(void)in(&f, VUART_MSR);
	out(&f, VUART_IER, VUART_IER_RDI);
	g_assert_false(f.irq);
	out(&f, VUART_THR, 'k');
	g_assert_true(f.irq);
	g_assert_cmphex(in(&f, VUART_RBR), ==, 'k');
	g_assert_false(f.irq);
	/* Modem status interrupt from MCR changes. */
	out(&f, VUART_IER, VUART_IER_MSI);
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT2 | VUART_MCR_RTS);
	g_assert_true(f.irq);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_MSI);
	g_assert_true(f.irq); /* IIR read does not clear it, MSR read does */
	g_assert_cmphex(in(&f, VUART_MSR), ==, VUART_MSR_CTS | VUART_MSR_DCD | VUART_MSR_DCTS);
	g_assert_false(f.irq);
}

static void test_priority(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_FCR, VUART_FCR_FIFOE);
	out(&f, VUART_LCR, 0x03);
	out(&f, VUART_MCR, VUART_MCR_LOOP | VUART_MCR_OUT2);
	/* Make every source pending: overrun, data, THRE, modem status. */
	for (unsigned i = 0; i < 17; i++)
		out(&f, VUART_THR, (uint8_t)i);
	out(&f, VUART_IER, 0x0F);
	g_assert_true(f.irq);

	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_RLSI);
	(void)in(&f, VUART_LSR);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_RDI);
	for (unsigned i = 0; i < 16; i++)
		(void)in(&f, VUART_RBR);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_THRI);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_MSI);
	g_assert_true(f.irq);
	(void)in(&f, VUART_MSR);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_NO_INT);
	g_assert_false(f.irq);

	/* THRE pending behind data: an IIR read reporting data leaves THRE pending. */
	out(&f, VUART_THR, 'a');
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_RDI);
	(void)in(&f, VUART_RBR);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_THRI);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_FIFO | VUART_IIR_NO_INT);
}

static void test_out2_gate(void)
{
	struct fake f;

	fake_init(&f);
	out(&f, VUART_IER, VUART_IER_RDI | VUART_IER_THRI);
	vuart_rx_push(&f.u, 'g');
	/* Sources pending, but OUT2 low: the line stays low. */
	g_assert_false(f.irq);
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_RDI);
	g_assert_cmpuint(f.nr_irq_calls, ==, 0);
	out(&f, VUART_MCR, VUART_MCR_OUT2);
	g_assert_true(f.irq);
	out(&f, VUART_MCR, VUART_MCR_DTR | VUART_MCR_RTS);
	g_assert_false(f.irq);
	out(&f, VUART_MCR, VUART_MCR_OUT2 | VUART_MCR_DTR | VUART_MCR_RTS);
	g_assert_true(f.irq);
	(void)in(&f, VUART_RBR);
	g_assert_true(f.irq); /* THRE is still pending behind the data */
	g_assert_cmphex(in(&f, VUART_IIR), ==, VUART_IIR_THRI);
	g_assert_false(f.irq);
	g_assert_cmpuint(f.nr_irq_calls, ==, 4);
}

static void test_null_ops(void)
{
	struct vuart u;

	vuart_init(&u, NULL, NULL);
	vuart_write(&u, VUART_MCR, VUART_MCR_OUT2);
	vuart_write(&u, VUART_IER, VUART_IER_THRI);
	vuart_write(&u, VUART_THR, 'n');
	g_assert_cmpint(vuart_rx_push(&u, 'n'), ==, 0);
	g_assert_cmphex(vuart_read(&u, VUART_IIR), ==, VUART_IIR_THRI);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vuart/reset-state", test_reset_state);
	g_test_add_func("/vuart/scratch-dlab", test_scratch_and_dlab);
	g_test_add_func("/vuart/linux-probe", test_linux_probe);
	g_test_add_func("/vuart/linux-startup", test_linux_startup);
	g_test_add_func("/vuart/thre-sequence", test_thre_sequence);
	g_test_add_func("/vuart/word-length", test_word_length);
	g_test_add_func("/vuart/rx-path", test_rx_path);
	g_test_add_func("/vuart/loopback", test_loopback);
	g_test_add_func("/vuart/loopback-interrupts", test_loopback_interrupts);
	g_test_add_func("/vuart/priority", test_priority);
	g_test_add_func("/vuart/out2-gate", test_out2_gate);
	g_test_add_func("/vuart/null-ops", test_null_ops);
	return g_test_run();
}
