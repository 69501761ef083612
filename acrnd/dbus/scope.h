/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each acrn-dm acrnd spawns moves into a systemd scope of its own, like
 * libvirt's machine scopes: acrn-dm-NAME.scope (in machine.slice in system
 * mode), so a VM's resources are its own unit's and restarting or stopping
 * acrnd.service never touches a VM's cgroup. Asks the service manager on
 * acrnd's bus (StartTransientUnit); where none answers (a test's private bus,
 * a session without systemd --user) the processes stay where they are,
 * which acrnd.service's KillMode=process keeps safe.
 */
#ifndef ACRND_DBUS_SCOPE_H
#define ACRND_DBUS_SCOPE_H

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "manager.h"

struct acrnd_scopes;

struct acrnd_scopes *acrnd_scopes_new(sd_bus *bus, struct acrnd_manager *m, bool session);
void acrnd_scopes_free(struct acrnd_scopes *s);

/* The scope's unit name for VM @name: "acrn-dm-NAME.scope" (VM names are unit-name safe). */
char *acrnd_scope_name(const char *name);

#endif
