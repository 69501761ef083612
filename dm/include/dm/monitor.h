/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monitor socket (--cmd_monitor PATH): a versioned JSON protocol for
 * acrnd and people (api/monitor.md). Commands call the control functions
 * below; anything in acrn-dm reports an event with dm_event_emit().
 */
#ifndef DM_MONITOR_H
#define DM_MONITOR_H

#include <stdbool.h>

#include <json-glib/json-glib.h>

struct blk_image;
struct dm_vm;
struct dm_monitor;

/* Listen on the unix socket @path (replacing a stale one) in the default GLib main context. */
struct dm_monitor *dm_monitor_new(struct dm_vm *vm, const char *path, GError **error);
void dm_monitor_free(struct dm_monitor *m);

/*
 * Emit event @name to every connected client with a timestamp; @data (may
 * be NULL) is the event's details and is consumed. Callable from any thread.
 */
void dm_event_emit(const char *name, JsonObject *data);

/*
 * What monitor commands act on; implemented by the core (dm/core) and the
 * devices. Each returns 0 or a negative errno and may be called from the
 * main thread.
 */
int dm_vm_pause(struct dm_vm *vm);
int dm_vm_resume(struct dm_vm *vm);
/* ACPI power button: the guest decides (PM1 status + SCI). */
int dm_vm_power_button(struct dm_vm *vm);
/* Status for "query": name, state, vCPUs, memory, devices. */
JsonObject *dm_vm_query(struct dm_vm *vm);
/*
 * The COM ports for "query": [{"port": "com1", "backend": "pty", "path":
 * "/dev/pts/3"}, ...] (path only for pty, socket and file). NULL: none.
 */
JsonArray *dm_serial_query(struct dm_vm *vm);
/* Re-read a virtio-blk backing file's size (or open @path instead); by device id. */
int dm_blk_rescan(struct dm_vm *vm, const char *dev_id, const char *path);

/*
 * For the snapshot commands (main thread; images change only there): @fn
 * for each of the VM's virtio-blk disks, with its id and open image, until
 * @fn returns non-zero (which is returned). @fn must not call the other
 * dm_blk_* functions.
 */
int dm_blk_foreach(struct dm_vm *vm, int (*fn)(const char *id, struct blk_image *img, void *opaque),
                   void *opaque);
/*
 * @on: the device stops taking requests from its queues and waits for those
 * in flight; !@on undoes one such call (they nest). -ENODEV: no such device.
 */
int dm_blk_quiesce(struct dm_vm *vm, const char *dev_id, bool on);
/* Switch the device to @img (opened by the caller) and close the old image. */
int dm_blk_replace(struct dm_vm *vm, const char *dev_id, struct blk_image *img);

#endif
