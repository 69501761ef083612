/* SPDX-License-Identifier: BSD-3-Clause */
/* An sd_bus connection driven by the GLib main loop (a GSource). */
#ifndef ACRND_BUS_SOURCE_H
#define ACRND_BUS_SOURCE_H

#include <glib.h>
#include <systemd/sd-bus.h>

/*
 * Attach @bus to the thread-default main context; returns the source id.
 * @on_lost (may be NULL) runs once if the connection goes away.
 */
guint acrnd_bus_attach(sd_bus *bus, void (*on_lost)(void *user), void *user);

#endif
