/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A 16550A UART register model (private to dm/hw). It knows nothing about
 * ports or backends: the platform wires its registers to an I/O range, its
 * interrupt line to a GSI and its serial line to a backend (uart_backend.h).
 *
 * Threads: register accesses come from the ioreq thread, received bytes
 * from the main loop; one mutex per UART serialises them. The callbacks run
 * with that mutex held, so they must not call back into the UART.
 */
#ifndef DM_HW_UART_H
#define DM_HW_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_FIFO_LEN    16
#define UART_BACKLOG_LEN 4096 /* received bytes waiting for room in the RX FIFO */

/* Register offsets (DLAB = 0 unless noted) and bits used by tests and callers. */
#define UART_RBR          0 /* read; THR on write; DLL when DLAB = 1 */
#define UART_IER          1 /* DLM when DLAB = 1 */
#define UART_IIR          2 /* read; FCR on write */
#define UART_LCR          3
#define UART_MCR          4
#define UART_LSR          5
#define UART_MSR          6
#define UART_SCR          7

#define UART_IER_RDI      0x01
#define UART_IER_THRI     0x02
#define UART_IER_RLSI     0x04
#define UART_IER_MSI      0x08

#define UART_IIR_NO_INT   0x01
#define UART_IIR_MSI      0x00
#define UART_IIR_THRI     0x02
#define UART_IIR_RDI      0x04
#define UART_IIR_RLSI     0x06
#define UART_IIR_CTI      0x0C /* character timeout: data below the trigger level */
#define UART_IIR_FIFOS    0xC0

#define UART_FCR_ENABLE   0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04

#define UART_LCR_DLAB     0x80

#define UART_MCR_DTR      0x01
#define UART_MCR_RTS      0x02
#define UART_MCR_OUT1     0x04
#define UART_MCR_OUT2     0x08 /* gates the interrupt line, as on PCs */
#define UART_MCR_LOOP     0x10

#define UART_LSR_DR       0x01
#define UART_LSR_OE       0x02
#define UART_LSR_BI       0x10
#define UART_LSR_THRE     0x20
#define UART_LSR_TEMT     0x40

#define UART_MSR_DCTS     0x01
#define UART_MSR_DDSR     0x02
#define UART_MSR_TERI     0x04
#define UART_MSR_DDCD     0x08
#define UART_MSR_CTS      0x10
#define UART_MSR_DSR      0x20
#define UART_MSR_RI       0x40
#define UART_MSR_DCD      0x80

struct uart16550;

struct uart_ops {
	/* A byte the guest transmitted (not in loopback mode). */
	void (*tx)(void *opaque, uint8_t byte);
	/* The interrupt line changed level. */
	void (*irq)(void *opaque, bool level);
};

struct uart16550 *uart_new(const struct uart_ops *ops, void *opaque);
void uart_free(struct uart16550 *u);
/* Power-on register state; bytes already received are kept. */
void uart_reset(struct uart16550 *u);

/* Register @reg (0..7) access; -EINVAL for another offset. */
int uart_read(struct uart16550 *u, unsigned reg, uint8_t *val);
int uart_write(struct uart16550 *u, unsigned reg, uint8_t val);

/*
 * Bytes from the backend: they fill the RX FIFO, the rest waits in a
 * backlog of UART_BACKLOG_LEN bytes. Returns how many were taken; the
 * remainder did not fit and is the caller's to drop or keep.
 */
size_t uart_rx_push(struct uart16550 *u, const uint8_t *data, size_t len);

#endif
