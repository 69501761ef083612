/* SPDX-License-Identifier: BSD-3-Clause */
/* COM port backends: stdio, pty, unix socket, file (see uart_backend.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <dm/log.h>

#include "uart.h"
#include "uart_backend.h"

enum be_kind {
	BE_STDIO,
	BE_PTY,
	BE_SOCKET,
	BE_FILE,
};

struct uart_backend {
	enum be_kind kind;
	char *spec;
	char *path;  /* pty slave or socket path */
	GMutex lock; /* out_fd and client_fd: writers and the main loop */
	int in_fd, out_fd;
	int pty_slave; /* kept open so the master never sees a hang-up */
	int listen_fd; /* socket: the listening socket */
	guint in_src, listen_src;
	struct uart16550 *uart;
	guint64 dropped;
	bool raw_tty;
	int stdin_flags; /* stdin's file status flags before we made it non-blocking */
};

/* The terminal's state before we made it raw; restored by exit or teardown. */
static struct termios saved_tio;
static bool saved_tio_valid;

static void restore_tty(void)
{
	if (saved_tio_valid) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		saved_tio_valid = false;
	}
}

static int make_stdin_raw(GError **error)
{
	static bool atexit_done;
	struct termios tio;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "uart stdio: tcgetattr on stdin: %s", g_strerror(errno));
		return -errno;
	}
	saved_tio_valid = true;
	if (!atexit_done) {
		atexit(restore_tty);
		atexit_done = true;
	}
	tio = saved_tio;
	/* Every key goes to the guest, Ctrl-C included: it is the guest's console. */
	cfmakeraw(&tio);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio) < 0) {
		int err = errno;

		saved_tio_valid = false;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		            "uart stdio: making the terminal raw: %s", g_strerror(err));
		return -err;
	}
	return 0;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int open_pty(struct uart_backend *be, GError **error)
{
	char name[128];
	struct termios tio;
	int m;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name))) {
		int err = errno;

		if (m >= 0)
			close(m);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		            "uart %s: cannot create a pseudo-terminal: %s", be->spec,
		            g_strerror(err));
		return -err;
	}
	be->pty_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (be->pty_slave < 0) {
		int err = errno;

		close(m);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "uart %s: open %s: %s",
		            be->spec, name, g_strerror(err));
		return -err;
	}
	/* The line discipline must pass bytes through untouched. */
	if (tcgetattr(be->pty_slave, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(be->pty_slave, TCSANOW, &tio);
	}
	set_nonblock(m);
	be->in_fd = be->out_fd = m;
	be->path = g_strdup(name);
	dm_info("serial port on pty %s", name);
	return 0;
}

static int open_socket(struct uart_backend *be, const char *path, GError **error)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "uart %s: socket path must be 1..%zu bytes", be->spec,
		            sizeof(sa.sun_path) - 1);
		return -EINVAL;
	}
	strcpy(sa.sun_path, path);
	/* A socket file left by an earlier run is replaced; anything else is not ours. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		            "uart %s: cannot listen on %s: %s", be->spec, path, g_strerror(err));
		return -err;
	}
	be->listen_fd = fd;
	be->path = g_strdup(path);
	return 0;
}

static int open_file(struct uart_backend *be, const char *path, GError **error)
{
	int fd;

	if (!*path) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "uart %s: file: needs a path", be->spec);
		return -EINVAL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "uart %s: open %s: %s",
		            be->spec, path, g_strerror(err));
		return -err;
	}
	be->out_fd = fd;
	return 0;
}

struct uart_backend *uart_backend_new(const char *spec, GError **error)
{
	struct uart_backend *be = g_new0(struct uart_backend, 1);
	int ret;

	be->spec = g_strdup(spec ? spec : "");
	be->in_fd = be->out_fd = be->pty_slave = be->listen_fd = -1;
	be->stdin_flags = -1;
	g_mutex_init(&be->lock);

	if (!strcmp(be->spec, "stdio")) {
		be->kind = BE_STDIO;
		be->in_fd = STDIN_FILENO;
		be->out_fd = STDOUT_FILENO;
		ret = 0;
		if (isatty(STDIN_FILENO)) {
			ret = make_stdin_raw(error);
			be->raw_tty = ret == 0;
		}
	} else if (!strcmp(be->spec, "pty")) {
		be->kind = BE_PTY;
		ret = open_pty(be, error);
	} else if (g_str_has_prefix(be->spec, "socket:")) {
		be->kind = BE_SOCKET;
		ret = open_socket(be, be->spec + strlen("socket:"), error);
	} else if (g_str_has_prefix(be->spec, "file:")) {
		be->kind = BE_FILE;
		ret = open_file(be, be->spec + strlen("file:"), error);
	} else {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "uart backend '%s': expected stdio, pty, socket:PATH or file:PATH",
		            be->spec);
		ret = -EINVAL;
	}
	if (ret) {
		uart_backend_free(be);
		return NULL;
	}
	return be;
}

static void drop_client(struct uart_backend *be)
{
	g_mutex_lock(&be->lock);
	if (be->in_src)
		g_source_remove(be->in_src);
	be->in_src = 0;
	if (be->in_fd >= 0)
		close(be->in_fd);
	be->in_fd = be->out_fd = -1;
	g_mutex_unlock(&be->lock);
}

static gboolean on_input(gint fd, GIOCondition cond, gpointer data)
{
	struct uart_backend *be = data;
	uint8_t buf[256];
	ssize_t n;

	(void)cond;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		if (be->kind == BE_SOCKET) {
			/* The client left: close it and take the next one. */
			be->in_src = 0;
			drop_client(be);
			return G_SOURCE_REMOVE;
		}
		if (n < 0)
			dm_warn("uart %s: read: %s; no more input", be->spec, g_strerror(errno));
		be->in_src = 0;
		return G_SOURCE_REMOVE;
	}
	if (be->uart) {
		size_t took = uart_rx_push(be->uart, buf, (size_t)n);

		if (took < (size_t)n) {
			/* The guest is not reading: the line drops what it cannot hold. */
			if (!be->dropped)
				dm_warn("uart %s: guest not reading, input dropped", be->spec);
			be->dropped += (size_t)n - took;
		}
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct uart_backend *be = data;
	int c;

	(void)cond;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return G_SOURCE_CONTINUE;
	g_mutex_lock(&be->lock);
	if (be->in_fd >= 0) {
		/* One client at a time: a second one is turned away. */
		g_mutex_unlock(&be->lock);
		close(c);
		return G_SOURCE_CONTINUE;
	}
	be->in_fd = be->out_fd = c;
	be->in_src = g_unix_fd_add(c, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, be);
	g_mutex_unlock(&be->lock);
	return G_SOURCE_CONTINUE;
}

void uart_backend_attach(struct uart_backend *be, struct uart16550 *u)
{
	be->uart = u;
	if (be->kind == BE_SOCKET) {
		be->listen_src = g_unix_fd_add(be->listen_fd, G_IO_IN, on_accept, be);
	} else if (be->in_fd >= 0 && !be->in_src) {
		if (be->kind == BE_STDIO) {
			/* The file description is shared with the shell: put it back on exit. */
			be->stdin_flags = fcntl(be->in_fd, F_GETFL);
			set_nonblock(be->in_fd);
		}
		be->in_src = g_unix_fd_add(be->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, be);
	}
}

void uart_backend_write(struct uart_backend *be, uint8_t byte)
{
	ssize_t n;

	g_mutex_lock(&be->lock);
	if (be->out_fd >= 0) {
		do {
			if (be->kind == BE_SOCKET)
				n = send(be->out_fd, &byte, 1, MSG_NOSIGNAL);
			else
				n = write(be->out_fd, &byte, 1);
		} while (n < 0 && errno == EINTR);
		/* EAGAIN: nobody reads the pty or the client is slow; the byte is lost. */
	}
	g_mutex_unlock(&be->lock);
}

const char *uart_backend_path(const struct uart_backend *be)
{
	return be->path;
}

const char *uart_backend_kind(const struct uart_backend *be)
{
	static const char *const names[] = {
		[BE_STDIO] = "stdio",
		[BE_PTY] = "pty",
		[BE_SOCKET] = "socket",
		[BE_FILE] = "file",
	};

	return names[be->kind];
}

const char *uart_backend_target(const struct uart_backend *be)
{
	if (be->kind == BE_FILE)
		return be->spec + strlen("file:");
	return be->path;
}

void uart_backend_free(struct uart_backend *be)
{
	if (!be)
		return;
	if (be->in_src)
		g_source_remove(be->in_src);
	if (be->listen_src)
		g_source_remove(be->listen_src);
	if (be->raw_tty)
		restore_tty();
	if (be->kind == BE_STDIO && be->stdin_flags >= 0)
		fcntl(be->in_fd, F_SETFL, be->stdin_flags);
	if (be->kind != BE_STDIO) {
		if (be->in_fd >= 0)
			close(be->in_fd);
		if (be->out_fd >= 0 && be->out_fd != be->in_fd)
			close(be->out_fd);
	}
	if (be->pty_slave >= 0)
		close(be->pty_slave);
	if (be->listen_fd >= 0) {
		close(be->listen_fd);
		unlink(be->path);
	}
	g_mutex_clear(&be->lock);
	g_free(be->path);
	g_free(be->spec);
	g_free(be);
}
