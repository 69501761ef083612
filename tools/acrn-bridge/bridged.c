/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-bridged: the board bridge's host-side multiplexer (api/bridge.md).
 * It maps the board RAM file, owns the board's COM2 doorbell socket and
 * serves acrn-dm processes on a unix socket, one VM per connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "board.h"
#include "mux.h"
#include "sockpath.h"

static int listen_on(const char *path, GError **error)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	g_autofree char *dir = g_path_get_dirname(path);
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "socket path %s is too long", path);
		return -1;
	}
	/* Only the socket's permissions guard the bridge: its directory is the owner's alone. */
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot create %s: %s",
		            dir, g_strerror(errno));
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		            "cannot listen on %s: %s", path, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static gboolean on_client(gint fd, GIOCondition cond, gpointer data)
{
	struct bridge_mux *m = data;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	(void)cond;
	if (c < 0) {
		if (errno != EINTR && errno != EAGAIN)
			g_warning("accept: %s", g_strerror(errno));
		return G_SOURCE_CONTINUE;
	}
	bridge_mux_spawn(m, c);
	return G_SOURCE_CONTINUE;
}

static gboolean on_quit(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	g_autofree char *ram = NULL, *com2 = NULL, *sock = NULL;
	int timeout_ms = 10000;
	GOptionEntry entries[] = {
		{ "ram", 0, 0, G_OPTION_ARG_FILENAME, &ram, "the board RAM file (QEMU mem-path)",
		  "FILE" },
		{ "com2", 0, 0, G_OPTION_ARG_FILENAME, &com2, "the board's COM2 unix socket",
		  "PATH" },
		{ "socket", 0, 0, G_OPTION_ARG_FILENAME, &sock,
		  "where to serve acrn-dm (default: $ACRN_BRIDGE, "
		  "$XDG_RUNTIME_DIR/acrn/bridge.sock, "
		  "/run/acrn/bridge.sock for root)",
		  "PATH" },
		{ "timeout-ms", 0, 0, G_OPTION_ARG_INT, &timeout_ms,
		  "how long a hypercall may take before the client gets -ETIMEDOUT (default 10000)",
		  "MS" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the board bridge multiplexer");
	g_autoptr(GError) error = NULL;
	struct bridge_board board;
	struct bridge_mux mux;
	GMainLoop *loop;
	int lfd;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "acrn-bridged: %s\n", error->message);
		return 2;
	}
	if (!ram || !com2 || timeout_ms <= 0) {
		fprintf(stderr, "acrn-bridged: --ram FILE and --com2 PATH are required (and "
		                "--timeout-ms positive); see --help\n");
		return 2;
	}
	if (!sock)
		sock = bridge_default_socket();
	if (bridge_board_open(&board, ram, com2, &error)) {
		fprintf(stderr, "acrn-bridged: %s\n", error->message);
		return 1;
	}
	board.timeout_ms = (unsigned)timeout_ms;
	bridge_mux_init(&mux, &board);
	lfd = listen_on(sock, &error);
	if (lfd < 0) {
		fprintf(stderr, "acrn-bridged: %s\n", error->message);
		return 1;
	}
	bridge_board_start(&board);
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_fd_add(lfd, G_IO_IN, on_client, &mux);
	g_unix_signal_add(SIGTERM, on_quit, loop);
	g_unix_signal_add(SIGINT, on_quit, loop);
	g_message("serving acrn-dm on %s (board RAM %s, COM2 %s)", sock, ram, com2);
	g_main_loop_run(loop);
	unlink(sock);
	return 0;
}
