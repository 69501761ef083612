/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by acrnctl's commands: the bus, output and error reporting. */
#ifndef ACRNCTL_H
#define ACRNCTL_H

#include <stdbool.h>

#include <json-glib/json-glib.h>
#include <systemd/sd-bus.h>

#define BUS_NAME  "org.projectacrn.Acrnd1"
#define MGR_PATH  "/org/projectacrn/Acrnd1"
#define VM_PREFIX "/org/projectacrn/Acrnd1/vm"
#define MGR_IFACE "org.projectacrn.Acrnd1.Manager"
#define VM_IFACE  "org.projectacrn.Acrnd1.VM"

extern bool json; /* --json */
extern sd_bus *bus;

void print_json(JsonNode *n);
/* Report a failed call (stderr, and {"error", "message"} with --json); returns 1. */
int failed(const char *what, const sd_bus_error *e, int r);
/* A VM's object path (GetVM); -1 after reporting the failure. */
int vm_path(const char *name, char **ret);
/* Success without output: "{}" with --json. */
int ok(void);
/* events --json: an object begun with "vm" and "signal"; add members, then event_json_print(). */
JsonBuilder *event_json_begin(const char *vm, const char *signal);
/* Ends @b's object, prints it as one line and frees @b. */
void event_json_print(JsonBuilder *b);

/* snapshot.c: acrnctl snapshot create|list|revert|delete (@argv[0] is the subcommand). */
int cmd_snapshot(int argc, char **argv);
/* events: a Snapshot* signal of VM @vm. */
int snapshot_signal(sd_bus_message *m, const char *vm, const char *member);

#endif
