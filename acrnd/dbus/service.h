/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The D-Bus binding of acrnd's core: org.projectacrn.Acrnd1 (api/dbus/).
 * Knows D-Bus and authorization; everything else is the core's.
 */
#ifndef ACRND_DBUS_SERVICE_H
#define ACRND_DBUS_SERVICE_H

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "manager.h"

#define ACRND_BUS_NAME      "org.projectacrn.Acrnd1"
#define ACRND_PATH          "/org/projectacrn/Acrnd1"
#define ACRND_VM_PREFIX     "/org/projectacrn/Acrnd1/vm"
#define ACRND_IFACE_MGR     "org.projectacrn.Acrnd1.Manager"
#define ACRND_IFACE_VM      "org.projectacrn.Acrnd1.VM"
#define ACRND_POLKIT_ACTION "org.projectacrn.acrnd1.manage"

struct acrnd_service;

/*
 * Serve @m on @bus. @session: callers with acrnd's own uid may change VMs
 * (session mode); otherwise only root, or whom polkit authorizes.
 */
int acrnd_service_new(sd_bus *bus, struct acrnd_manager *m, bool session,
                      struct acrnd_service **ret);
void acrnd_service_free(struct acrnd_service *s);

#endif
