/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual 16550A UART, arch-neutral: the caller maps its I/O ports (x86) or
 * MMIO registers (RISC-V) to register offsets 0..7.
 *
 * The transmitter is infinitely fast: a THR write calls ops->tx at once and
 * THRE/TEMT never clear. The receiver has a 16-byte FIFO (1 byte with FIFOs
 * off) filled by vuart_rx_push(); when it returns -ENOSPC the caller keeps
 * the byte and retries after the guest next reads the UART. There is no
 * receive timing, so "data available" is raised as soon as one byte is in.
 *
 * The modem inputs are wired as a connected null-modem: DCD, DSR and CTS
 * asserted, RI not. In loopback they follow MCR instead, and transmitted
 * bytes go to the receiver instead of ops->tx.
 *
 * The interrupt output follows the PC convention of being gated by MCR.OUT2:
 * ops->set_irq(owner, level) is called only when the gated level changes.
 *
 * Concurrency: no locking inside; the caller serializes every call on one
 * struct vuart. Hooks are called from inside vuart_write/vuart_read/
 * vuart_rx_push and must not call back into the same vuart.
 */
#ifndef HV_VUART_H
#define HV_VUART_H

#include <hv/types.h>

#define VUART_FIFO_SIZE 16

/* Register offsets */
#define VUART_RBR         0 /* read, DLAB=0 */
#define VUART_THR         0 /* write, DLAB=0 */
#define VUART_DLL         0 /* DLAB=1 */
#define VUART_IER         1 /* DLAB=0 */
#define VUART_DLM         1 /* DLAB=1 */
#define VUART_IIR         2 /* read */
#define VUART_FCR         2 /* write */
#define VUART_LCR         3
#define VUART_MCR         4
#define VUART_LSR         5
#define VUART_MSR         6
#define VUART_SCR         7

#define VUART_IER_RDI     0x01
#define VUART_IER_THRI    0x02
#define VUART_IER_RLSI    0x04
#define VUART_IER_MSI     0x08

#define VUART_IIR_NO_INT  0x01
#define VUART_IIR_MSI     0x00
#define VUART_IIR_THRI    0x02
#define VUART_IIR_RDI     0x04
#define VUART_IIR_RLSI    0x06
#define VUART_IIR_FIFO    0xC0 /* FIFOs enabled */

#define VUART_FCR_FIFOE   0x01
#define VUART_FCR_CLR_RX  0x02
#define VUART_FCR_CLR_TX  0x04

#define VUART_LCR_DLAB    0x80

#define VUART_MCR_DTR     0x01
#define VUART_MCR_RTS     0x02
#define VUART_MCR_OUT1    0x04
#define VUART_MCR_OUT2    0x08
#define VUART_MCR_LOOP    0x10

#define VUART_LSR_DR      0x01
#define VUART_LSR_OE      0x02
#define VUART_LSR_PE      0x04
#define VUART_LSR_FE      0x08
#define VUART_LSR_BI      0x10
#define VUART_LSR_THRE    0x20
#define VUART_LSR_TEMT    0x40
#define VUART_LSR_FIFOERR 0x80

#define VUART_MSR_DCTS    0x01
#define VUART_MSR_DDSR    0x02
#define VUART_MSR_TERI    0x04
#define VUART_MSR_DDCD    0x08
#define VUART_MSR_CTS     0x10
#define VUART_MSR_DSR     0x20
#define VUART_MSR_RI      0x40
#define VUART_MSR_DCD     0x80

struct vuart_ops {
	void (*tx)(void *owner, uint8_t byte);
	void (*set_irq)(void *owner, bool level);
};

/* Embedded by the caller; all fields are private to vuart.c. */
struct vuart {
	const struct vuart_ops *ops;
	void *owner;
	uint8_t rx_fifo[VUART_FIFO_SIZE];
	uint8_t rx_head;
	uint8_t rx_count;
	uint8_t ier;
	uint8_t fcr; /* as last written, minus the self-clearing reset bits */
	uint8_t lcr;
	uint8_t mcr;
	uint8_t lsr_err; /* latched OE (PE/FE/BI never happen here) */
	uint8_t msr_delta;
	uint8_t scr;
	uint8_t dll;
	uint8_t dlm;
	bool thre_pending; /* THR-empty interrupt not yet acknowledged */
	bool irq_level;    /* what set_irq last reported */
};

/*
 * Reset state, except that LCR/divisor start at 8N1, 115200 baud as firmware
 * leaves COM1. The IRQ line starts low (set_irq is not called).
 */
void vuart_init(struct vuart *u, const struct vuart_ops *ops, void *owner);
/* offset 0..7; other offsets read 0xFF and ignore writes. */
uint8_t vuart_read(struct vuart *u, unsigned offset);
void vuart_write(struct vuart *u, unsigned offset, uint8_t val);
/* Console input; -ENOSPC when the receiver cannot take it (FIFO full, or loopback). */
int vuart_rx_push(struct vuart *u, uint8_t byte);

#endif
