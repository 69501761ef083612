/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 16550A register model (see uart.h). Transmission is instantaneous: THR
 * and the TX FIFO are always empty again by the time the guest looks, so
 * LSR always shows THRE and TEMT, and every THR write (or enabling the THRE
 * interrupt) makes a THRE interrupt pending, as it does on the chip.
 */
#include <errno.h>
#include <glib.h>

#include "uart.h"

struct uart16550 {
	GMutex lock;
	const struct uart_ops *ops;
	void *opaque;

	uint8_t dll, dlm, ier, lcr, mcr, scr;
	bool fifo_on;
	uint8_t trigger;   /* RX FIFO interrupt trigger level: 1, 4, 8 or 14 */
	uint8_t lsr_err;   /* OE and BI, sticky until LSR is read */
	uint8_t msr_state; /* modem status lines (bits 4..7) */
	uint8_t msr_delta; /* their change bits (0..3), cleared by reading MSR */
	bool thre_pending;
	bool irq_level;

	uint8_t fifo[UART_FIFO_LEN];
	unsigned fifo_head, fifo_count;
	uint8_t backlog[UART_BACKLOG_LEN];
	unsigned backlog_head, backlog_count;
};

static unsigned rx_capacity(const struct uart16550 *u)
{
	/* Without FIFOs the receiver holds a single byte (RBR). */
	return u->fifo_on ? UART_FIFO_LEN : 1;
}

static bool fifo_put(struct uart16550 *u, uint8_t b)
{
	if (u->fifo_count >= rx_capacity(u))
		return false;
	u->fifo[(u->fifo_head + u->fifo_count) % UART_FIFO_LEN] = b;
	u->fifo_count++;
	return true;
}

/* Move waiting bytes from the backlog (the wire) into the receiver. */
static void rx_refill(struct uart16550 *u)
{
	while (u->backlog_count && u->fifo_count < rx_capacity(u)) {
		fifo_put(u, u->backlog[u->backlog_head]);
		u->backlog_head = (u->backlog_head + 1) % UART_BACKLOG_LEN;
		u->backlog_count--;
	}
}

static uint8_t msr_lines(const struct uart16550 *u)
{
	uint8_t m = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD; /* a peer is always there */
	/* Loopback wires the modem outputs to the inputs. */
	if (u->mcr & UART_MCR_RTS)
		m |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		m |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		m |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		m |= UART_MSR_DCD;
	return m;
}

static void msr_update(struct uart16550 *u)
{
	uint8_t now = msr_lines(u), changed = now ^ u->msr_state;

	if (changed & UART_MSR_CTS)
		u->msr_delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr_delta |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		u->msr_delta |= UART_MSR_DDCD;
	if ((changed & UART_MSR_RI) && !(now & UART_MSR_RI))
		u->msr_delta |= UART_MSR_TERI; /* trailing edge only */
	u->msr_state = now;
}

/* The highest-priority pending source, as IIR bits 0..3. */
static uint8_t intr_id(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr_err & (UART_LSR_OE | UART_LSR_BI)))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->fifo_count) {
		/* We cannot time four character times: report a timeout at once. */
		if (u->fifo_on && u->fifo_count < u->trigger)
			return UART_IIR_CTI;
		return UART_IIR_RDI;
	}
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr_delta & 0x0F))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void irq_update(struct uart16550 *u)
{
	/* On PCs OUT2 gates the UART's interrupt output onto the ISA line. */
	bool level = intr_id(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->ops && u->ops->irq)
			u->ops->irq(u->opaque, level);
	}
}

static void uart_reset_locked(struct uart16550 *u)
{
	u->dll = 0x0C; /* 9600 baud */
	u->dlm = 0;
	u->ier = 0;
	u->lcr = 0;
	u->mcr = 0;
	u->scr = 0;
	u->fifo_on = false;
	u->trigger = 1;
	u->lsr_err = 0;
	u->msr_state = msr_lines(u);
	u->msr_delta = 0;
	u->thre_pending = false;
	u->fifo_head = u->fifo_count = 0;
	rx_refill(u);
	irq_update(u);
}

struct uart16550 *uart_new(const struct uart_ops *ops, void *opaque)
{
	struct uart16550 *u = g_new0(struct uart16550, 1);

	g_mutex_init(&u->lock);
	u->ops = ops;
	u->opaque = opaque;
	uart_reset_locked(u);
	return u;
}

void uart_free(struct uart16550 *u)
{
	if (!u)
		return;
	g_mutex_clear(&u->lock);
	g_free(u);
}

void uart_reset(struct uart16550 *u)
{
	g_mutex_lock(&u->lock);
	uart_reset_locked(u);
	g_mutex_unlock(&u->lock);
}

static uint8_t rbr_read(struct uart16550 *u)
{
	uint8_t b;

	if (!u->fifo_count)
		return 0;
	b = u->fifo[u->fifo_head];
	u->fifo_head = (u->fifo_head + 1) % UART_FIFO_LEN;
	u->fifo_count--;
	rx_refill(u);
	return b;
}

int uart_read(struct uart16550 *u, unsigned reg, uint8_t *val)
{
	bool dlab;
	uint8_t v = 0;

	if (reg > UART_SCR)
		return -EINVAL;
	g_mutex_lock(&u->lock);
	dlab = u->lcr & UART_LCR_DLAB;
	switch (reg) {
	case UART_RBR:
		v = dlab ? u->dll : rbr_read(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = intr_id(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (v == UART_IIR_THRI)
			u->thre_pending = false;
		if (u->fifo_on)
			v |= UART_IIR_FIFOS;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_err;
		if (u->fifo_count)
			v |= UART_LSR_DR;
		u->lsr_err = 0;
		break;
	case UART_MSR:
		v = u->msr_state | u->msr_delta;
		u->msr_delta = 0;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	irq_update(u);
	g_mutex_unlock(&u->lock);
	*val = v;
	return 0;
}

static void fcr_write(struct uart16550 *u, uint8_t val)
{
	static const uint8_t triggers[4] = { 1, 4, 8, 14 };
	bool on = val & UART_FCR_ENABLE;

	/* Switching the FIFOs on or off empties them, as does a clear bit. */
	if (on != u->fifo_on || (val & UART_FCR_CLEAR_RX))
		u->fifo_head = u->fifo_count = 0;
	u->fifo_on = on;
	u->trigger = triggers[val >> 6];
	rx_refill(u);
}

int uart_write(struct uart16550 *u, unsigned reg, uint8_t val)
{
	bool dlab;

	if (reg > UART_SCR)
		return -EINVAL;
	g_mutex_lock(&u->lock);
	dlab = u->lcr & UART_LCR_DLAB;
	switch (reg) {
	case UART_RBR:
		if (dlab) {
			u->dll = val;
		} else {
			if (u->mcr & UART_MCR_LOOP) {
				if (!fifo_put(u, val))
					u->lsr_err |= UART_LSR_OE;
			} else if (u->ops && u->ops->tx) {
				u->ops->tx(u->opaque, val);
			}
			u->thre_pending = true; /* sent at once: THR is empty again */
		}
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
		} else {
			/* Enabling the THRE interrupt while THR is empty raises it. */
			if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
				u->thre_pending = true;
			u->ier = val & 0x0F;
		}
		break;
	case UART_IIR:
		fcr_write(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1F;
		msr_update(u);
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* factory-test registers: writes ignored */
	case UART_SCR:
		u->scr = val;
		break;
	}
	irq_update(u);
	g_mutex_unlock(&u->lock);
	return 0;
}

size_t uart_rx_push(struct uart16550 *u, const uint8_t *data, size_t len)
{
	size_t n = 0;

	g_mutex_lock(&u->lock);
	/* In loopback the receiver is cut off from the line: input is lost. */
	if (u->mcr & UART_MCR_LOOP) {
		g_mutex_unlock(&u->lock);
		return len;
	}
	rx_refill(u);
	for (; n < len; n++) {
		/* Bytes queue behind those already waiting, so order is kept. */
		if (!u->backlog_count && fifo_put(u, data[n]))
			continue;
		if (u->backlog_count == UART_BACKLOG_LEN)
			break;
		u->backlog[(u->backlog_head + u->backlog_count) % UART_BACKLOG_LEN] = data[n];
		u->backlog_count++;
	}
	irq_update(u);
	g_mutex_unlock(&u->lock);
	return n;
}
