/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The snapshot members of org.projectacrn.Acrnd1.VM (api/dbus/README.md):
 * handlers for service.c's VM vtable, and the core's snapshot events as
 * signals. service.c lends its authorization and error mapping.
 */
#ifndef ACRND_DBUS_DBUS_SNAPSHOT_H
#define ACRND_DBUS_DBUS_SNAPSHOT_H

#include <systemd/sd-bus.h>

#include "manager.h"

struct acrnd_service;

int dbus_snapshot_create(sd_bus_message *m, void *user, sd_bus_error *e);
int dbus_snapshot_list(sd_bus_message *m, void *user, sd_bus_error *e);
int dbus_snapshot_revert(sd_bus_message *m, void *user, sd_bus_error *e);
int dbus_snapshot_delete(sd_bus_message *m, void *user, sd_bus_error *e);
/* The core's snapshot_changed listener: SnapshotCreated/Deleted/Reverted. */
void dbus_snapshot_changed(struct acrnd_vm *vm, const char *what, const char *name, void *user);

#define DBUS_SNAPSHOT_VTABLE                                                                \
	SD_BUS_METHOD_WITH_ARGS("CreateSnapshot", SD_BUS_ARGS("s", name, "s", description), \
	                        SD_BUS_RESULT("s", name), dbus_snapshot_create,             \
	                        SD_BUS_VTABLE_UNPRIVILEGED),                                \
	        SD_BUS_METHOD_WITH_ARGS("ListSnapshots", SD_BUS_NO_ARGS,                    \
	                                SD_BUS_RESULT("a(ssxssbu)", snapshots),             \
	                                dbus_snapshot_list, SD_BUS_VTABLE_UNPRIVILEGED),    \
	        SD_BUS_METHOD_WITH_ARGS("RevertSnapshot", SD_BUS_ARGS("s", name),           \
	                                SD_BUS_NO_RESULT, dbus_snapshot_revert,             \
	                                SD_BUS_VTABLE_UNPRIVILEGED),                        \
	        SD_BUS_METHOD_WITH_ARGS("DeleteSnapshot", SD_BUS_ARGS("s", name),           \
	                                SD_BUS_NO_RESULT, dbus_snapshot_delete,             \
	                                SD_BUS_VTABLE_UNPRIVILEGED),                        \
	        SD_BUS_SIGNAL_WITH_ARGS("SnapshotCreated", SD_BUS_ARGS("s", name), 0),      \
	        SD_BUS_SIGNAL_WITH_ARGS("SnapshotDeleted", SD_BUS_ARGS("s", name), 0),      \
	        SD_BUS_SIGNAL_WITH_ARGS("SnapshotReverted", SD_BUS_ARGS("s", name), 0)

/* service.c, for the handlers above. */
typedef int (*service_handler_fn)(sd_bus_message *m, struct acrnd_service *s, struct acrnd_vm *vm);
int service_authorize(sd_bus_message *m, struct acrnd_vm *vm, service_handler_fn fn);
int service_reply_error(sd_bus_message *m, int rc, const GError *err);
sd_bus *service_bus(struct acrnd_service *s);
char *service_vm_path(const char *name);

#endif
