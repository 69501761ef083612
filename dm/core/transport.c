/* SPDX-License-Identifier: BSD-3-Clause */
/* Picking a transport: by name, or the kernel HSM when present, else the board bridge. */
#include <gio/gio.h>
#include <stdlib.h>
#include <unistd.h>

#include <dm/transport.h>

#define HSM_DEV "/dev/acrn_hsm"

struct dm_transport *dm_transport_open(const char *name, GError **error)
{
	if (!name)
		name = access(HSM_DEV, F_OK) == 0 ? "kernel" : "board";
	if (g_str_equal(name, "kernel"))
		return dm_transport_kernel_open(HSM_DEV, error);
	if (g_str_equal(name, "board"))
		return dm_transport_board_open(g_getenv("ACRN_BRIDGE"), error);
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
	            "unknown transport \"%s\" (kernel or board)", name);
	return NULL;
}
