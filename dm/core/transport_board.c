/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Placeholder until the board bridge's multiplexer exists (issue 3): the
 * board transport reports that it is not available.
 */
#include <errno.h>
#include <gio/gio.h>

#include <dm/transport.h>

struct dm_transport *dm_transport_board_open(const char *socket_path, GError **error)
{
	(void)socket_path;
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
	            "the board bridge transport is not built yet");
	return NULL;
}
