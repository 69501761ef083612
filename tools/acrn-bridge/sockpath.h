/* SPDX-License-Identifier: BSD-3-Clause */
/* Where the multiplexer listens when nobody says: api/bridge.md. */
#ifndef ACRN_BRIDGE_SOCKPATH_H
#define ACRN_BRIDGE_SOCKPATH_H

#include <glib.h>
#include <unistd.h>

#include <acrn/bridge.h>

/* $ACRN_BRIDGE, else $XDG_RUNTIME_DIR/acrn/bridge.sock, root (or no XDG dir): /run/acrn/bridge.sock. */
static inline char *bridge_default_socket(void)
{
	const char *env = g_getenv(ACRN_BRIDGE_ENV), *xdg = g_getenv("XDG_RUNTIME_DIR");

	if (env && *env)
		return g_strdup(env);
	if (geteuid() != 0 && xdg && *xdg)
		return g_build_filename(xdg, ACRN_BRIDGE_SOCK_NAME, NULL);
	return g_strdup(ACRN_BRIDGE_ROOT_SOCKET);
}

#endif
