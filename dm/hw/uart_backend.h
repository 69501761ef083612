/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a COM port's serial line goes (private to dm/hw): "stdio" (a raw
 * terminal when stdin is a tty, restored on exit), "pty" (a new
 * pseudo-terminal; its path is logged), "socket:PATH" (a listening unix
 * socket, one client at a time, others are refused until it leaves) or
 * "file:PATH" (output appended, no input).
 *
 * Input is read in the default GLib main context (the main thread) and
 * handed to the UART; output is written by whoever calls
 * uart_backend_write (the ioreq thread), never blocking on sockets or ptys:
 * bytes nobody can take are dropped, as on a real line with nobody there.
 */
#ifndef DM_HW_UART_BACKEND_H
#define DM_HW_UART_BACKEND_H

#include <glib.h>
#include <stdint.h>

struct uart16550;
struct uart_backend;

/* Parse and open @spec; errors name the spec and the failing call. */
struct uart_backend *uart_backend_new(const char *spec, GError **error);
/* Start feeding input to @u (from the default main context). */
void uart_backend_attach(struct uart_backend *be, struct uart16550 *u);
void uart_backend_write(struct uart_backend *be, uint8_t byte);
/* The pty's slave path or the socket's path; NULL for stdio and files. */
const char *uart_backend_path(const struct uart_backend *be);
/* "stdio", "pty", "socket" or "file". */
const char *uart_backend_kind(const struct uart_backend *be);
/* Where the output goes: the pty, socket or file path; NULL for stdio. */
const char *uart_backend_target(const struct uart_backend *be);
/* Stop input, restore the terminal, close everything, remove the socket file. */
void uart_backend_free(struct uart_backend *be);

#endif
