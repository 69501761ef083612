/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 16550 model (registers, FIFOs, interrupts, loopback) and its
 * backends over a real pseudo-terminal, a unix socket and a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../../../dm/hw/uart.h"
#include "../../../dm/hw/uart_backend.h"

struct sink {
	GByteArray *tx;
	bool irq;
	unsigned rises;
};

static void sink_tx(void *opaque, uint8_t b)
{
	struct sink *s = opaque;

	g_byte_array_append(s->tx, &b, 1);
}

static void sink_irq(void *opaque, bool level)
{
	struct sink *s = opaque;

	if (level && !s->irq)
		s->rises++;
	s->irq = level;
}

static const struct uart_ops sink_ops = { .tx = sink_tx, .irq = sink_irq };

static struct uart16550 *new_uart(struct sink *s)
{
	memset(s, 0, sizeof(*s));
	s->tx = g_byte_array_new();
	return uart_new(&sink_ops, s);
}

static void free_uart(struct uart16550 *u, struct sink *s)
{
	uart_free(u);
	g_byte_array_unref(s->tx);
}

static uint8_t rd(struct uart16550 *u, unsigned reg)
{
	uint8_t v = 0xAA;

	g_assert_cmpint(uart_read(u, reg, &v), ==, 0);
	return v;
}

static void wr(struct uart16550 *u, unsigned reg, uint8_t v)
{
	g_assert_cmpint(uart_write(u, reg, v), ==, 0);
}

static void test_reset_state(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);
	uint8_t v;

	g_assert_cmpuint(rd(u, UART_IER), ==, 0);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_NO_INT);
	g_assert_cmpuint(rd(u, UART_LCR), ==, 0);
	g_assert_cmpuint(rd(u, UART_MCR), ==, 0);
	g_assert_cmpuint(rd(u, UART_LSR), ==, UART_LSR_THRE | UART_LSR_TEMT);
	/* A peer is connected: CTS, DSR, DCD. */
	g_assert_cmpuint(rd(u, UART_MSR) & 0xF0, ==, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	g_assert_cmpint(uart_read(u, 8, &v), ==, -EINVAL);
	g_assert_cmpint(uart_write(u, 8, 0), ==, -EINVAL);
	g_assert_false(s.irq);
	free_uart(u, &s);
}

static void test_dlab_scr(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);

	wr(u, UART_LCR, UART_LCR_DLAB | 0x03);
	wr(u, UART_RBR, 0x01); /* DLL: 115200 baud */
	wr(u, UART_IER, 0x00); /* DLM */
	g_assert_cmpuint(rd(u, UART_RBR), ==, 0x01);
	g_assert_cmpuint(rd(u, UART_IER), ==, 0x00);
	/* With DLAB set, THR writes hit the divisor and transmit nothing. */
	g_assert_cmpuint(s.tx->len, ==, 0);
	wr(u, UART_LCR, 0x03);
	g_assert_cmpuint(rd(u, UART_LCR), ==, 0x03);
	g_assert_cmpuint(rd(u, UART_IER), ==, 0x00);
	wr(u, UART_IER, UART_IER_RDI);
	wr(u, UART_LCR, UART_LCR_DLAB);
	g_assert_cmpuint(rd(u, UART_IER), ==, 0x00); /* DLM again, not IER */
	g_assert_cmpuint(rd(u, UART_RBR), ==, 0x01);
	wr(u, UART_LCR, 0);
	g_assert_cmpuint(rd(u, UART_IER), ==, UART_IER_RDI);
	wr(u, UART_SCR, 0x5A);
	g_assert_cmpuint(rd(u, UART_SCR), ==, 0x5A);
	free_uart(u, &s);
}

static void test_tx_and_thre_interrupt(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);

	wr(u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	wr(u, UART_RBR, 'h');
	wr(u, UART_RBR, 'i');
	g_assert_cmpmem(s.tx->data, s.tx->len, "hi", 2);
	g_assert_false(s.irq); /* THRE interrupt not enabled */

	/* Enabling it while THR is empty raises it at once. */
	wr(u, UART_IER, UART_IER_THRI);
	g_assert_true(s.irq);
	g_assert_cmpuint(s.rises, ==, 1);
	/* Reading IIR reports THRE and acknowledges it. */
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_THRI);
	g_assert_false(s.irq);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_NO_INT);
	/* Each byte sent empties THR again: another THRE interrupt, another edge. */
	wr(u, UART_RBR, '!');
	g_assert_true(s.irq);
	g_assert_cmpuint(s.rises, ==, 2);
	/* Writing THR also clears a pending THRE until the byte is gone. */
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_THRI);
	/* Without OUT2 the line stays low although IIR shows a source. */
	wr(u, UART_MCR, 0);
	wr(u, UART_RBR, '?');
	g_assert_false(s.irq);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_THRI);
	g_assert_cmpmem(s.tx->data, s.tx->len, "hi!?", 4);
	free_uart(u, &s);
}

static void test_rx_fifo_and_trigger(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);
	uint8_t data[40];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)('A' + i);
	wr(u, UART_MCR, UART_MCR_OUT2);
	wr(u, UART_IER, UART_IER_RDI);

	/* Without FIFOs one byte is held; the rest waits in the backlog. */
	g_assert_cmpuint(uart_rx_push(u, data, 3), ==, 3);
	g_assert_true(s.irq);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_RDI);
	g_assert_cmpuint(rd(u, UART_LSR) & UART_LSR_DR, ==, UART_LSR_DR);
	g_assert_cmpuint(rd(u, UART_RBR), ==, 'A');
	g_assert_cmpuint(rd(u, UART_RBR), ==, 'B');
	g_assert_cmpuint(rd(u, UART_RBR), ==, 'C');
	g_assert_cmpuint(rd(u, UART_LSR) & UART_LSR_DR, ==, 0);
	g_assert_false(s.irq);

	/* FIFOs on, trigger level 8 (FCR bits 7:6 = 10). */
	wr(u, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX | 0x80);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_FIFOS | UART_IIR_NO_INT);
	g_assert_cmpuint(uart_rx_push(u, data, 5), ==, 5);
	/* Below the trigger level: a character timeout, not "data available". */
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_FIFOS | UART_IIR_CTI);
	g_assert_cmpuint(uart_rx_push(u, data + 5, 35), ==, 35);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_FIFOS | UART_IIR_RDI);
	/* All 40 bytes arrive in order through the 16-byte FIFO. */
	for (unsigned i = 0; i < sizeof(data); i++)
		g_assert_cmpuint(rd(u, UART_RBR), ==, data[i]);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_FIFOS | UART_IIR_NO_INT);
	g_assert_false(s.irq);

	/* Clearing the RX FIFO drops what it holds; the backlog refills it. */
	g_assert_cmpuint(uart_rx_push(u, data, 20), ==, 20);
	wr(u, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	g_assert_cmpuint(rd(u, UART_RBR), ==, data[16]);

	/* The backlog is bounded: the caller learns what did not fit. */
	{
		uint8_t *big = g_malloc0(UART_BACKLOG_LEN * 2);
		size_t took;

		wr(u, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
		while (rd(u, UART_LSR) & UART_LSR_DR)
			rd(u, UART_RBR);
		took = uart_rx_push(u, big, UART_BACKLOG_LEN * 2);
		g_assert_cmpuint(took, ==, UART_BACKLOG_LEN + UART_FIFO_LEN);
		g_free(big);
	}
	free_uart(u, &s);
}

static void test_loopback(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);
	uint8_t msr;

	wr(u, UART_IIR, UART_FCR_ENABLE);
	/* Linux's 8250 probe: loopback with RTS and OUT2 must show CTS and DCD. */
	wr(u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	msr = rd(u, UART_MSR);
	g_assert_cmpuint(msr & 0xF0, ==, UART_MSR_CTS | UART_MSR_DCD);
	/* DSR dropped (DTR off) and CTS/DCD kept: delta bits, cleared by the read. */
	g_assert_cmpuint(msr & 0x0F, ==, UART_MSR_DDSR);
	g_assert_cmpuint(rd(u, UART_MSR) & 0x0F, ==, 0);
	wr(u, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
	msr = rd(u, UART_MSR);
	g_assert_cmpuint(msr & 0xF0, ==, UART_MSR_DSR | UART_MSR_RI);
	g_assert_cmpuint(msr & 0x0F, ==, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	wr(u, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	g_assert_cmpuint(rd(u, UART_MSR) & UART_MSR_TERI, ==, UART_MSR_TERI); /* RI fell */

	/* Transmitted bytes come back; nothing reaches the line. */
	for (unsigned i = 0; i < UART_FIFO_LEN; i++)
		wr(u, UART_RBR, (uint8_t)i);
	g_assert_cmpuint(s.tx->len, ==, 0);
	/* The 17th overruns the FIFO: OE, reported once by LSR. */
	wr(u, UART_RBR, 0xEE);
	g_assert_cmpuint(rd(u, UART_LSR), ==,
	                 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	g_assert_cmpuint(rd(u, UART_LSR) & UART_LSR_OE, ==, 0);
	for (unsigned i = 0; i < UART_FIFO_LEN; i++)
		g_assert_cmpuint(rd(u, UART_RBR), ==, i);
	/* The line's input is cut off in loopback. */
	g_assert_cmpuint(uart_rx_push(u, (const uint8_t *)"x", 1), ==, 1);
	g_assert_cmpuint(rd(u, UART_LSR) & UART_LSR_DR, ==, 0);
	free_uart(u, &s);
}

static void test_line_status_interrupt(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);

	wr(u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	wr(u, UART_IER, UART_IER_RLSI | UART_IER_RDI | UART_IER_MSI);
	wr(u, UART_RBR, 1);
	wr(u, UART_RBR, 2); /* no FIFO: overrun */
	/* Line status outranks received data. */
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_RLSI);
	rd(u, UART_LSR);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_RDI);
	rd(u, UART_RBR);
	/* Then modem status (CTS and DSR fell when loopback cut the peer off). */
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_MSI);
	rd(u, UART_MSR);
	g_assert_cmpuint(rd(u, UART_IIR), ==, UART_IIR_NO_INT);
	free_uart(u, &s);
}

static void test_reset_keeps_backlog(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);

	wr(u, UART_IER, UART_IER_THRI);
	wr(u, UART_MCR, UART_MCR_OUT2);
	g_assert_true(s.irq);
	uart_rx_push(u, (const uint8_t *)"ab", 2);
	uart_reset(u);
	g_assert_false(s.irq);
	g_assert_cmpuint(rd(u, UART_IER), ==, 0);
	/* The register state is fresh; bytes on the wire are still delivered. */
	g_assert_cmpuint(rd(u, UART_RBR), ==, 'b');
	free_uart(u, &s);
}

/* ---- backends ---- */

static void pump(unsigned ms)
{
	gint64 end = g_get_monotonic_time() + ms * 1000;

	while (g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(1000);
	}
}

static GString *read_all(int fd, size_t want, unsigned ms)
{
	GString *s = g_string_new(NULL);
	gint64 end = g_get_monotonic_time() + ms * 1000;

	while (s->len < want && g_get_monotonic_time() < end) {
		char buf[64];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0)
			g_string_append_len(s, buf, n);
		else
			g_usleep(1000);
	}
	return s;
}

static void drain_rx(struct uart16550 *u, GString *out)
{
	while (rd(u, UART_LSR) & UART_LSR_DR)
		g_string_append_c(out, (char)rd(u, UART_RBR));
}

static void test_backend_pty(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);
	GError *err = NULL;
	struct uart_backend *be = uart_backend_new("pty", &err);
	GString *got, *in = g_string_new(NULL);
	const char *path;
	int fd;

	g_assert_no_error(err);
	g_assert_nonnull(be);
	path = uart_backend_path(be);
	g_assert_nonnull(path);
	g_assert_true(g_str_has_prefix(path, "/dev/pts/"));
	uart_backend_attach(be, u);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	g_assert_cmpint(fd, >=, 0);

	/* Guest output arrives unchanged (raw line discipline: no \n -> \r\n). */
	for (const char *p = "boot\n"; *p; p++)
		uart_backend_write(be, (uint8_t)*p);
	got = read_all(fd, 5, 2000);
	g_assert_cmpstr(got->str, ==, "boot\n");
	g_string_free(got, TRUE);

	/* Input typed on the pty reaches the guest's receiver. */
	wr(u, UART_IIR, UART_FCR_ENABLE);
	g_assert_cmpint(write(fd, "ls\r", 3), ==, 3);
	for (unsigned i = 0; i < 200 && in->len < 3; i++) {
		pump(5);
		drain_rx(u, in);
	}
	g_assert_cmpstr(in->str, ==, "ls\r");
	close(fd);

	/* With nobody on the pty, output is dropped instead of blocking. */
	for (unsigned i = 0; i < 100000; i++)
		uart_backend_write(be, 'x');
	uart_backend_free(be);
	g_string_free(in, TRUE);
	free_uart(u, &s);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	g_assert_cmpint(fd, >=, 0);
	g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
	g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	return fd;
}

static void test_backend_socket(void)
{
	struct sink s;
	struct uart16550 *u = new_uart(&s);
	char *dir = g_dir_make_tmp("dm-hw-XXXXXX", NULL);
	char *path = g_build_filename(dir, "com1.sock", NULL);
	char *spec = g_strconcat("socket:", path, NULL);
	GString *got, *in = g_string_new(NULL);
	GError *err = NULL;
	struct uart_backend *be;
	int c1, c2, c3;
	char buf[8];

	/* A regular file in the way is an error, not something to delete. */
	g_assert_true(g_file_set_contents(path, "", 0, NULL));
	be = uart_backend_new(spec, &err);
	g_assert_null(be); /* a regular file is not ours to remove */
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
	g_assert_nonnull(strstr(err->message, path));
	g_clear_error(&err);
	g_unlink(path);

	/* A stale socket left by an earlier run is replaced. */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int stale = socket(AF_UNIX, SOCK_STREAM, 0);

		g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
		g_assert_cmpint(bind(stale, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
		close(stale);
	}
	be = uart_backend_new(spec, &err);
	g_assert_no_error(err);
	g_assert_cmpstr(uart_backend_path(be), ==, path);
	uart_backend_attach(be, u);
	wr(u, UART_IIR, UART_FCR_ENABLE);

	/* Output before anyone connects goes nowhere. */
	uart_backend_write(be, '#');
	c1 = connect_to(path);
	pump(50);
	/* A second client is turned away while the first is connected. */
	c2 = connect_to(path);
	pump(50);
	g_assert_cmpint(read(c2, buf, sizeof(buf)), ==, 0);
	close(c2);

	for (const char *p = "login: "; *p; p++)
		uart_backend_write(be, (uint8_t)*p);
	got = read_all(c1, 7, 2000);
	g_assert_cmpstr(got->str, ==, "login: ");
	g_string_free(got, TRUE);
	g_assert_cmpint(write(c1, "root\n", 5), ==, 5);
	for (unsigned i = 0; i < 200 && in->len < 5; i++) {
		pump(5);
		drain_rx(u, in);
	}
	g_assert_cmpstr(in->str, ==, "root\n");

	/* The client leaves; the next one is served. */
	close(c1);
	pump(50);
	uart_backend_write(be, '-'); /* no client: dropped, no SIGPIPE */
	c3 = connect_to(path);
	pump(50);
	uart_backend_write(be, '$');
	got = read_all(c3, 1, 2000);
	g_assert_cmpstr(got->str, ==, "$");
	g_string_free(got, TRUE);
	close(c3);

	uart_backend_free(be);
	/* The socket file goes away with the backend. */
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_rmdir(dir);
	g_string_free(in, TRUE);
	g_free(spec);
	g_free(path);
	g_free(dir);
	free_uart(u, &s);
}

static void test_backend_file_and_errors(void)
{
	char *dir = g_dir_make_tmp("dm-hw-XXXXXX", NULL);
	char *path = g_build_filename(dir, "console.log", NULL);
	char *spec = g_strconcat("file:", path, NULL);
	GError *err = NULL;
	struct uart_backend *be;
	char *text;

	g_assert_true(g_file_set_contents(path, "old\n", -1, NULL));
	be = uart_backend_new(spec, &err);
	g_assert_no_error(err);
	g_assert_null(uart_backend_path(be));
	for (const char *p = "new\n"; *p; p++)
		uart_backend_write(be, (uint8_t)*p);
	uart_backend_free(be);
	/* Appended, not truncated. */
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "old\nnew\n");
	g_free(text);
	g_unlink(path);

	g_assert_null(uart_backend_new("serial", &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(err->message, "'serial'"));
	g_clear_error(&err);
	g_assert_null(uart_backend_new("file:", &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_clear_error(&err);
	g_assert_null(uart_backend_new("file:/nonexistent-dir/x", &err));
	g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(err->message, "/nonexistent-dir/x"));
	g_clear_error(&err);
	g_assert_null(uart_backend_new("socket:", &err));
	g_clear_error(&err);

	g_rmdir(dir);
	g_free(spec);
	g_free(path);
	g_free(dir);
}

/* stdio: fds 0 and 1 replaced by a terminal (a pty slave) and a pipe for the test's duration. */
static void test_backend_stdio(void)
{
	int saved_in = dup(STDIN_FILENO), saved_out = dup(STDOUT_FILENO), out_pipe[2];
	int m = posix_openpt(O_RDWR | O_NOCTTY), slave, fl;
	struct termios tio;
	struct sink s;
	struct uart16550 *u = new_uart(&s);
	struct uart_backend *be;
	GError *err = NULL;
	GString *got, *in = g_string_new(NULL);

	g_assert_cmpint(m, >=, 0);
	g_assert_cmpint(grantpt(m), ==, 0);
	g_assert_cmpint(unlockpt(m), ==, 0);
	slave = open(ptsname(m), O_RDWR | O_NOCTTY);
	g_assert_cmpint(slave, >=, 0);
	g_assert_cmpint(pipe(out_pipe), ==, 0);
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	g_assert_cmpint(dup2(slave, STDIN_FILENO), ==, STDIN_FILENO);
	g_assert_cmpint(dup2(out_pipe[1], STDOUT_FILENO), ==, STDOUT_FILENO);
	tcgetattr(STDIN_FILENO, &tio);
	g_assert_true(tio.c_lflag & ICANON); /* a cooked terminal to start with */
	fl = fcntl(STDIN_FILENO, F_GETFL);

	be = uart_backend_new("stdio", &err);
	g_assert_no_error(err);
	uart_backend_attach(be, u);
	/* Raw while acrn-dm runs: no line editing, no echo, no signals from keys. */
	tcgetattr(STDIN_FILENO, &tio);
	g_assert_false(tio.c_lflag & (ICANON | ECHO | ISIG));
	g_assert_true(fcntl(STDIN_FILENO, F_GETFL) & O_NONBLOCK);

	/* Keys go to the guest unbuffered, Ctrl-C included. */
	wr(u, UART_IIR, UART_FCR_ENABLE);
	g_assert_cmpint(write(m, "a\003", 2), ==, 2);
	for (unsigned i = 0; i < 200 && in->len < 2; i++) {
		pump(5);
		drain_rx(u, in);
	}
	g_assert_cmpmem(in->str, in->len, "a\003", 2);
	uart_backend_write(be, 'Z');
	got = read_all(out_pipe[0], 1, 2000);
	g_assert_cmpstr(got->str, ==, "Z");
	g_string_free(got, TRUE);

	/* Gone: the terminal is cooked again and stdin blocking as before. */
	uart_backend_free(be);
	tcgetattr(STDIN_FILENO, &tio);
	g_assert_true(tio.c_lflag & ICANON);
	g_assert_cmpint(fcntl(STDIN_FILENO, F_GETFL), ==, fl);

	dup2(saved_in, STDIN_FILENO);
	dup2(saved_out, STDOUT_FILENO);
	close(saved_in);
	close(saved_out);
	close(out_pipe[0]);
	close(out_pipe[1]);
	close(slave);
	close(m);
	g_string_free(in, TRUE);
	free_uart(u, &s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dm-hw/uart/reset-state", test_reset_state);
	g_test_add_func("/dm-hw/uart/dlab-scr", test_dlab_scr);
	g_test_add_func("/dm-hw/uart/tx-thre-interrupt", test_tx_and_thre_interrupt);
	g_test_add_func("/dm-hw/uart/rx-fifo-trigger", test_rx_fifo_and_trigger);
	g_test_add_func("/dm-hw/uart/loopback", test_loopback);
	g_test_add_func("/dm-hw/uart/line-status-interrupt", test_line_status_interrupt);
	g_test_add_func("/dm-hw/uart/reset-keeps-backlog", test_reset_keeps_backlog);
	g_test_add_func("/dm-hw/uart/backend-pty", test_backend_pty);
	g_test_add_func("/dm-hw/uart/backend-socket", test_backend_socket);
	g_test_add_func("/dm-hw/uart/backend-file-errors", test_backend_file_and_errors);
	g_test_add_func("/dm-hw/uart/backend-stdio", test_backend_stdio);
	return g_test_run();
}
