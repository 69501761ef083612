/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual 16550A UART (register model from the 16550 datasheet), enough for
 * Linux's 8250 driver to probe it as a 16550A and run it interrupt-driven.
 *
 * Interrupt sources, highest priority first: receiver line status (latched
 * overrun), received data, THR empty, modem status. The THR-empty source is
 * a latch: set when ETBEI goes 0->1 or after a THR write (the transmitter
 * empties at once), cleared by an IIR read that reports it, by a THR write
 * with ETBEI off, or by clearing ETBEI. That matches the sequences Linux
 * checks at startup (UART_BUG_TXEN / UART_BUG_THRE tests).
 */
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/types.h>
#include <hv/vuart.h>

#define IER_WRITABLE 0x0F /* bits 7:4 read 0 on a 16550A; Linux's probe checks that */
#define MCR_WRITABLE 0x1F

static bool loopback(const struct vuart *u)
{
	return (u->mcr & VUART_MCR_LOOP) != 0;
}

static bool fifo_on(const struct vuart *u)
{
	return (u->fcr & VUART_FCR_FIFOE) != 0;
}

/* MSR bits 7:4: the modem inputs, or the MCR outputs looped back. */
static uint8_t modem_inputs(const struct vuart *u)
{
	uint8_t m = 0;

	if (!loopback(u))
		return VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS;
	if (u->mcr & VUART_MCR_DTR)
		m |= VUART_MSR_DSR;
	if (u->mcr & VUART_MCR_RTS)
		m |= VUART_MSR_CTS;
	if (u->mcr & VUART_MCR_OUT1)
		m |= VUART_MSR_RI;
	if (u->mcr & VUART_MCR_OUT2)
		m |= VUART_MSR_DCD;
	return m;
}

/* Data bits per LCR[1:0]: 5..8. */
static uint8_t word_mask(const struct vuart *u)
{
	return (uint8_t)(0xFF >> (3 - (u->lcr & 3)));
}

static uint8_t iir_source(const struct vuart *u)
{
	if ((u->ier & VUART_IER_RLSI) && u->lsr_err)
		return VUART_IIR_RLSI;
	if ((u->ier & VUART_IER_RDI) && u->rx_count)
		return VUART_IIR_RDI;
	if ((u->ier & VUART_IER_THRI) && u->thre_pending)
		return VUART_IIR_THRI;
	if ((u->ier & VUART_IER_MSI) && u->msr_delta)
		return VUART_IIR_MSI;
	return VUART_IIR_NO_INT;
}

static void update_irq(struct vuart *u)
{
	/* On PCs OUT2 enables the UART's IRQ driver; Linux sets it when it wants interrupts. */
	bool level = iir_source(u) != VUART_IIR_NO_INT && (u->mcr & VUART_MCR_OUT2);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->ops && u->ops->set_irq)
		u->ops->set_irq(u->owner, level);
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static unsigned rx_capacity(const struct vuart *u)
{
	return fifo_on(u) ? VUART_FIFO_SIZE : 1;
}

static void rx_store(struct vuart *u, uint8_t byte)
{
	u->rx_fifo[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
	u->rx_count++;
}

/* A byte arrives at the receiver from the loopback path, which cannot wait. */
static void rx_overrun_put(struct vuart *u, uint8_t byte)
{
	if (u->rx_count < rx_capacity(u)) {
		rx_store(u, byte);
		return;
	}
	u->lsr_err |= VUART_LSR_OE;
	/* Without FIFOs the new byte overwrites RBR; with them it is lost. */
	if (!fifo_on(u))
		u->rx_fifo[u->rx_head] = byte;
}

void vuart_init(struct vuart *u, const struct vuart_ops *ops, void *owner)
{
	memset(u, 0, sizeof(*u));
	u->ops = ops;
	u->owner = owner;
	u->dll = 1; /* 115200 baud; the divisor latch has no defined reset value */
	/* 8N1, as firmware leaves COM1 for the OS: guests that never program it still work. */
	u->lcr = 0x03;
}

static uint8_t read_rbr(struct vuart *u)
{
	uint8_t b;

	if (!u->rx_count)
		return 0;
	b = u->rx_fifo[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % VUART_FIFO_SIZE);
	u->rx_count--;
	return b;
}

uint8_t vuart_read(struct vuart *u, unsigned offset)
{
	bool dlab = (u->lcr & VUART_LCR_DLAB) != 0;
	uint8_t v;

	switch (offset) {
	case VUART_RBR:
		v = dlab ? u->dll : read_rbr(u);
		break;
	case VUART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case VUART_IIR:
		v = iir_source(u);
		/* Reading IIR acknowledges THR empty, if that is what it reports. */
		if (v == VUART_IIR_THRI)
			u->thre_pending = false;
		if (fifo_on(u))
			v |= VUART_IIR_FIFO;
		break;
	case VUART_LCR:
		v = u->lcr;
		break;
	case VUART_MCR:
		v = u->mcr;
		break;
	case VUART_LSR:
		v = VUART_LSR_THRE | VUART_LSR_TEMT | u->lsr_err;
		if (u->rx_count)
			v |= VUART_LSR_DR;
		u->lsr_err = 0;
		break;
	case VUART_MSR:
		v = modem_inputs(u) | u->msr_delta;
		u->msr_delta = 0;
		break;
	case VUART_SCR:
		v = u->scr;
		break;
	default:
		return 0xFF;
	}
	update_irq(u);
	return v;
}

static void write_thr(struct vuart *u, uint8_t val)
{
	val &= word_mask(u);
	if (loopback(u))
		rx_overrun_put(u, val);
	else if (u->ops && u->ops->tx)
		u->ops->tx(u->owner, val);
	/* The write clears THR empty and the instant transmitter sets it again. */
	u->thre_pending = (u->ier & VUART_IER_THRI) != 0;
}

static void write_ier(struct vuart *u, uint8_t val)
{
	uint8_t old = u->ier;

	u->ier = val & IER_WRITABLE;
	/* THR is always empty, so enabling ETBEI raises the interrupt at once. */
	if ((u->ier & VUART_IER_THRI) && !(old & VUART_IER_THRI))
		u->thre_pending = true;
	if (!(u->ier & VUART_IER_THRI))
		u->thre_pending = false;
}

static void write_fcr(struct vuart *u, uint8_t val)
{
	/* Toggling the FIFO enable empties the FIFOs. */
	if ((val ^ u->fcr) & VUART_FCR_FIFOE)
		rx_clear(u);
	if (!(val & VUART_FCR_FIFOE)) {
		/* The other bits are only programmed together with FIFOE set. */
		u->fcr = 0;
		return;
	}
	if (val & VUART_FCR_CLR_RX)
		rx_clear(u);
	/*
	 * Keep FIFOE, DMA mode and the RX trigger; the 16750's 64-byte bit (5)
	 * is dropped so IIR never shows it (Linux's 16750 probe).
	 */
	u->fcr = val & 0xC9;
}

static void write_mcr(struct vuart *u, uint8_t val)
{
	uint8_t before = modem_inputs(u), after, changed;

	u->mcr = val & MCR_WRITABLE;
	after = modem_inputs(u);
	changed = before ^ after;
	if (changed & VUART_MSR_CTS)
		u->msr_delta |= VUART_MSR_DCTS;
	if (changed & VUART_MSR_DSR)
		u->msr_delta |= VUART_MSR_DDSR;
	if (changed & VUART_MSR_DCD)
		u->msr_delta |= VUART_MSR_DDCD;
	if ((before & VUART_MSR_RI) && !(after & VUART_MSR_RI))
		u->msr_delta |= VUART_MSR_TERI;
}

void vuart_write(struct vuart *u, unsigned offset, uint8_t val)
{
	bool dlab = (u->lcr & VUART_LCR_DLAB) != 0;

	switch (offset) {
	case VUART_THR:
		if (dlab)
			u->dll = val;
		else
			write_thr(u, val);
		break;
	case VUART_IER:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case VUART_FCR:
		write_fcr(u, val);
		break;
	case VUART_LCR:
		u->lcr = val;
		break;
	case VUART_MCR:
		write_mcr(u, val);
		break;
	case VUART_SCR:
		u->scr = val;
		break;
	default:
		/* LSR and MSR writes (factory test on real parts) are ignored. */
		return;
	}
	update_irq(u);
}

int vuart_rx_push(struct vuart *u, uint8_t byte)
{
	/* In loopback the serial input is disconnected; the caller retries later. */
	if (loopback(u) || u->rx_count >= rx_capacity(u))
		return -ENOSPC;
	rx_store(u, byte & word_mask(u));
	update_irq(u);
	return 0;
}
